#!/usr/bin/env bash
# The whole GSS pipeline in one command:
#   stage I  (train the maskige VQ-VAE on ground-truth maskiges)
#   stage II (train GSS-FF to predict its tokens from images)
#   test     (tools/test.py --eval mIoU --show-dir)
#
#   bash tools/quickstart.sh                    # generated street scenes, ~7 min on 2 CPU cores
#   bash tools/quickstart.sh --camvid DIR       # the real thing on CamVid (SegNet layout), ~2.3 h on 2 cores
#
# --camvid trains the tokenizer and GSS-FF of the converged CamVid suite
# (vqvae-4k_128x128_2k_camvid.py, gss-ff-balanced_effnet-lite0_256x256_2k_camvid.py;
# docs/experiments/camvid.md; tools/camvid_suite.sh trains the whole suite) and continues
# interrupted runs (--auto-resume): a finished stage is not trained again.
#
# Sets up the environment first (tools/setup.sh). Work dirs: work_dirs/.
# The console shows progress and results; each work dir's log file has all.
set -euo pipefail
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$ROOT"
STAGES=()
TRAIN_OPTS=()

minutes() { echo "$(($1 / 60))m$(($1 % 60))s"; }

# stage NAME WHAT COMMAND...: run COMMAND under a banner, then its time.
stage() {
    local name="$1" start=$SECONDS
    echo "[quickstart] ===== $name: $2 ====="
    shift 2
    "$@"
    STAGES+=("$name $(minutes $((SECONDS - start)))")
    echo "[quickstart] $name took $(minutes $((SECONDS - start)))"
}

stage setup "the Python environment" bash tools/setup.sh
source tools/env.sh
if [ -n "${OMP_NUM_THREADS:-}" ]; then
    echo "[quickstart] torch threads: $OMP_NUM_THREADS (OMP_NUM_THREADS)"
else
    # torch's default, one thread per core, crawls beside other jobs.
    OMP_NUM_THREADS="$("$PYTHON" tools/_cli.py)"
    export OMP_NUM_THREADS
    echo "[quickstart] torch threads: $OMP_NUM_THREADS, the cores the load" \
        "leaves free (set OMP_NUM_THREADS to choose)"
fi

if [ "${1:-}" = "--camvid" ]; then
    DATA="${2:?usage: bash tools/quickstart.sh --camvid /path/to/camvid}"
    STAGE1=configs/gss/camvid/vqvae-4k_128x128_2k_camvid.py
    STAGE2=configs/gss/camvid/gss-ff-balanced_effnet-lite0_256x256_2k_camvid.py
    TRAIN_OPTS=(--auto-resume)
    WEIGHTS=pretrain/efficientnet_lite0_timm.pth
    if [ ! -f "$WEIGHTS" ]; then
        stage weights "ImageNet EfficientNet-Lite0 in timm's layout" \
            "$PYTHON" tools/model_converters/efficientnet_lite2timm.py \
            --out "$WEIGHTS"
    fi
else
    DATA=data/synthetic_street
    STAGE1=configs/gss/synthetic/vqvae_synthetic.py
    STAGE2=configs/gss/synthetic/gss-ff_r18_synthetic.py
    if [ ! -f "$DATA/val.txt" ]; then
        stage data "generated street scenes in $DATA" \
            "$PYTHON" tools/make_synthetic_dataset.py "$DATA" \
            --num-train 200 --num-val 20 --height 96 --width 128 --seed 0
    fi
fi
DATA_OPTS=(data.train.data_root="$DATA" data.val.data_root="$DATA"
           data.test.data_root="$DATA")
W1=work_dirs/$(basename "$STAGE1" .py)
W2=work_dirs/$(basename "$STAGE2" .py)

stage "stage I" "the maskige VQ-VAE tokenizer, $STAGE1" \
    "$PYTHON" tools/train.py "$STAGE1" --work-dir "$W1" --seed 0 \
    ${TRAIN_OPTS[@]+"${TRAIN_OPTS[@]}"} --cfg-options "${DATA_OPTS[@]}"
stage "stage II" "GSS-FF, $STAGE2" \
    "$PYTHON" tools/train.py "$STAGE2" --work-dir "$W2" --seed 0 \
    ${TRAIN_OPTS[@]+"${TRAIN_OPTS[@]}"} --no-validate \
    --cfg-options "${DATA_OPTS[@]}" \
    model.decode_head.tokenizer.checkpoint="$W1/latest.pth"
stage test "mIoU and panels" \
    "$PYTHON" tools/test.py "$STAGE2" "$W2/latest.pth" --eval mIoU \
    --work-dir "$W2" --show-dir "$W2/show" --cfg-options "${DATA_OPTS[@]}"

echo "[quickstart] done in $(minutes $SECONDS):" \
    "$(IFS=,; echo "${STAGES[*]}" | sed 's/,/, /g')"
echo "[quickstart] metrics: $W2/eval_single_scale_*.json; full logs" \
    "(config, model): $W1/*.log, $W2/*.log"
echo "[quickstart] panels: $W2/show/ (docs/get_started.md, \"Reading the panels\")"
