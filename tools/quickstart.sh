#!/usr/bin/env bash
# The whole GSS pipeline in one command:
#   stage I  (train the maskige VQ-VAE on ground-truth maskiges)
#   stage II (train GSS-FF to predict its tokens from images)
#   test     (tools/test.py --eval mIoU --show-dir)
#
#   bash tools/quickstart.sh                    # generated street scenes, ~10 min on 2 CPU cores
#   bash tools/quickstart.sh --camvid DIR       # the real thing on CamVid (SegNet layout)
#
# Sets up the environment first (tools/setup.sh). Work dirs: work_dirs/.
set -euo pipefail
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$ROOT"
bash tools/setup.sh
source tools/env.sh

if [ "${1:-}" = "--camvid" ]; then
    DATA="${2:?usage: bash tools/quickstart.sh --camvid /path/to/camvid}"
    STAGE1=configs/gss/camvid/vqvae_camvid.py
    STAGE2=configs/gss/camvid/gss-ff_r18_camvid.py
else
    DATA=data/synthetic_street
    STAGE1=configs/gss/synthetic/vqvae_synthetic.py
    STAGE2=configs/gss/synthetic/gss-ff_r18_synthetic.py
    if [ ! -f "$DATA/val.txt" ]; then
        echo "[quickstart] generating street scenes in $DATA"
        "$PYTHON" tools/make_synthetic_dataset.py "$DATA" --num-train 200 \
            --num-val 20 --height 96 --width 128 --seed 0
    fi
fi
DATA_OPTS=(data.train.data_root="$DATA" data.val.data_root="$DATA"
           data.test.data_root="$DATA")
W1=work_dirs/$(basename "$STAGE1" .py)
W2=work_dirs/$(basename "$STAGE2" .py)

echo "[quickstart] stage I: maskige VQ-VAE ($STAGE1)"
"$PYTHON" tools/train.py "$STAGE1" --work-dir "$W1" --seed 0 \
    --cfg-options "${DATA_OPTS[@]}"
echo "[quickstart] stage II: GSS-FF ($STAGE2)"
"$PYTHON" tools/train.py "$STAGE2" --work-dir "$W2" --seed 0 \
    --no-validate --cfg-options "${DATA_OPTS[@]}" \
    model.decode_head.tokenizer.checkpoint="$W1/latest.pth"
echo "[quickstart] test"
"$PYTHON" tools/test.py "$STAGE2" "$W2/latest.pth" --eval mIoU \
    --work-dir "$W2" --show-dir "$W2/show" --cfg-options "${DATA_OPTS[@]}"
echo "[quickstart] done: metrics in $W2/eval_*.json, pictures in $W2/show/"
