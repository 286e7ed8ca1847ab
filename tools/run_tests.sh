#!/usr/bin/env bash
# Set up (if needed) and run the test suite. Extra args go to pytest, e.g.
#   bash tools/run_tests.sh -m slow      # the slow end-to-end suite
set -euo pipefail
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
bash "$ROOT/tools/setup.sh"
source "$ROOT/tools/env.sh"
cd "$ROOT"
# pytest exits 5 when it collects nothing; with `set -e` that fails too.
"$PYTHON" -m pytest "$@"
