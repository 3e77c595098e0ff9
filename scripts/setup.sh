#!/usr/bin/env bash
# Creates (or reuses) .venv and installs carecast into it, with the test tools.
# Needs only Rust (cargo), Python 3.11+ and pip; everything else comes from crates.io and PyPI.
set -euo pipefail
cd "$(dirname "$0")/.."
PY=${PYTHON:-python3}
if [ ! -x .venv/bin/python ]; then
  "$PY" -m venv .venv
fi
# shellcheck disable=SC1091
. .venv/bin/activate
python -m pip install -q --upgrade pip
# Editable install: maturin (the build backend) compiles the Rust extension in release mode.
python -m pip install -q -e '.[dev]'
