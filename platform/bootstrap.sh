# Sourced by platform/run and platform/run-tests: creates or reuses .venv and installs the
# project's dependencies, re-installing only when pyproject.toml or the constraints change.
set -euo pipefail
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$ROOT"
PYTHON="${PYTHON:-python3.11}"
command -v "$PYTHON" >/dev/null 2>&1 || PYTHON=python3
if [ ! -x .venv/bin/python ]; then
  echo "brandroom: creating the virtual environment in .venv" >&2
  "$PYTHON" -m venv .venv
fi
stamp=".venv/.brandroom-deps"
want="$(cat pyproject.toml platform/constraints.txt 2>/dev/null | sha256sum | cut -d' ' -f1)"
if [ ! -f "$stamp" ] || [ "$(cat "$stamp")" != "$want" ]; then
  started=$SECONDS
  echo "brandroom: installing dependencies (the first time takes a few minutes)" >&2
  .venv/bin/python -m pip install --quiet --upgrade pip >&2
  # pip's one line per package as it goes ("Collecting ...", then "Installing collected ..."),
  # the rest of its output kept in .venv/pip-install.log and shown only if it fails.
  if ! .venv/bin/python -m pip install --progress-bar off -c platform/constraints.txt -e ".[dev]" \
      2>&1 | tee .venv/pip-install.log \
      | { grep --line-buffered -E '^(Collecting|Installing collected|Successfully)' || true; } \
      | sed -u 's/^/brandroom:   /' >&2; then
    tail -n 25 .venv/pip-install.log >&2
    echo "brandroom: installing dependencies failed (full log: .venv/pip-install.log)" >&2
    exit 1
  fi
  echo "brandroom: dependencies installed ($((SECONDS - started)) s)" >&2
  echo "$want" > "$stamp"
fi
