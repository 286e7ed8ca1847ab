#!/usr/bin/env bash
# Usage: bash tools/download_pretrain_vqvae.sh [CKP_DIR]
# Downloads OpenAI's DALL-E dVAE (encoder.pkl, decoder.pkl) into CKP_DIR
# (default: <repo>/ckp) and converts them to the weights-only
# CKP_DIR/dalle_dvae.pth that configs load. Files already present are kept,
# so the script can be rerun after an interruption.
# The .pkl files are pickled Python modules: the conversion unpickles them
# (trusting OpenAI's files) and needs `pip install DALL-E==0.1 attrs`.
set -euo pipefail
source "$(dirname "$0")/env.sh"
CKP_DIR=${1:-"$GSS_ROOT/ckp"}
URL=https://cdn.openai.com/dall-e
mkdir -p "$CKP_DIR"

fetch() {  # fetch URL DEST: download to a temporary name, then rename
    local tmp="$2.part"
    if command -v wget >/dev/null 2>&1; then
        wget -O "$tmp" "$1"
    elif command -v curl >/dev/null 2>&1; then
        curl -fL --retry 3 -o "$tmp" "$1"
    else
        echo "error: neither wget nor curl is installed" >&2
        exit 1
    fi
    mv "$tmp" "$2"
}

for name in encoder.pkl decoder.pkl; do
    if [ -s "$CKP_DIR/$name" ]; then
        echo "$CKP_DIR/$name exists, skipping download"
    else
        echo "downloading $URL/$name"
        fetch "$URL/$name" "$CKP_DIR/$name"
    fi
done

if [ -s "$CKP_DIR/dalle_dvae.pth" ]; then
    echo "$CKP_DIR/dalle_dvae.pth exists, skipping conversion"
else
    "$PYTHON" "$GSS_ROOT/tools/model_converters/dalle2gss.py" \
        --encoder "$CKP_DIR/encoder.pkl" --decoder "$CKP_DIR/decoder.pkl" \
        --out "$CKP_DIR/dalle_dvae.pth"
fi
