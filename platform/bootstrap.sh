# Sourced by platform/run and platform/run-tests: creates or reuses .venv and installs the
# project's dependencies, re-installing only when pyproject.toml or the constraints change.
set -euo pipefail
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$ROOT"
PYTHON="${PYTHON:-python3.11}"
command -v "$PYTHON" >/dev/null 2>&1 || PYTHON=python3
if [ ! -x .venv/bin/python ]; then
  echo "brandroom: creating virtual environment in .venv" >&2
  "$PYTHON" -m venv .venv
fi
stamp=".venv/.brandroom-deps"
want="$(cat pyproject.toml platform/constraints.txt 2>/dev/null | sha256sum | cut -d' ' -f1)"
if [ ! -f "$stamp" ] || [ "$(cat "$stamp")" != "$want" ]; then
  echo "brandroom: installing dependencies" >&2
  .venv/bin/python -m pip install --quiet --upgrade pip >&2
  .venv/bin/python -m pip install --quiet -c platform/constraints.txt -e ".[dev]" >&2
  echo "$want" > "$stamp"
fi
