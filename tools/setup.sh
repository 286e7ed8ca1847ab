#!/usr/bin/env bash
# Set up GSS: installs the pinned stack and GSS itself (editable).
# - With a virtualenv/conda env active, installs into it.
# - Otherwise creates/uses .venv/ at the repository root.
# Idempotent: a second run only checks that everything imports (seconds).
set -euo pipefail
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$ROOT"

if [ -n "${VIRTUAL_ENV:-}${CONDA_PREFIX:-}" ]; then
    PY=python
else
    if [ ! -x .venv/bin/python ]; then
        echo "[setup] creating .venv with $(python3 --version)"
        python3 -m venv .venv
    fi
    PY="$ROOT/.venv/bin/python"
fi

STAMP_DIR="$("$PY" -c 'import sys; print(sys.prefix)')"
STAMP="$STAMP_DIR/.gss-setup-stamp"
WANT="$(cat requirements.txt requirements/*.txt setup.py | sha256sum | cut -d' ' -f1)"
if [ -f "$STAMP" ] && [ "$(cat "$STAMP")" = "$WANT" ] && \
        "$PY" -W ignore -c "import gss, mmseg, timm" 2>/dev/null; then
    echo "[setup] already installed ($PY)"
    exit 0
fi

echo "[setup] installing into $STAMP_DIR (about 1-3 minutes)"
# mmcv 1.7's sdist imports pkg_resources at build time (dropped in
# setuptools>=81), hence the pin and --no-build-isolation.
"$PY" -m pip install -q --disable-pip-version-check "setuptools<81" wheel
"$PY" -m pip install -q --disable-pip-version-check --no-build-isolation \
    -r requirements.txt
"$PY" -m pip install -q --disable-pip-version-check --no-build-isolation \
    --no-deps -e .
"$PY" -W ignore -c "import gss, mmseg; print('[setup] gss', gss.__version__, '| mmseg', mmseg.__version__)"
echo "$WANT" > "$STAMP"
