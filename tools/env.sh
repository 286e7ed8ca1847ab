# Sourced by the tools/*.sh scripts: picks the Python interpreter.
# An active virtualenv/conda env wins; otherwise the repository's .venv
# (made by tools/setup.sh); otherwise `python` on PATH. Override with PYTHON=.
GSS_ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
if [ -z "${PYTHON:-}" ]; then
    if [ -n "${VIRTUAL_ENV:-}${CONDA_PREFIX:-}" ]; then
        PYTHON=python
    elif [ -x "$GSS_ROOT/.venv/bin/python" ]; then
        PYTHON="$GSS_ROOT/.venv/bin/python"
    else
        PYTHON=python
    fi
fi
export PYTHONPATH="$GSS_ROOT${PYTHONPATH:+:$PYTHONPATH}"
