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
# Headless Chromium renders the HTML report in its browser test (tests/test_report.py): the
# Debian package, installed when missing and when running as root (else the test skips).
if ! command -v chromium >/dev/null 2>&1 && [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null; then
  (apt-get update -q && DEBIAN_FRONTEND=noninteractive apt-get install -y -q \
    --no-install-recommends chromium) >/dev/null 2>&1 ||
    echo "setup: could not install chromium; the browser test of the report will skip" >&2
fi
# Editable install: maturin (the build backend) compiles the Rust extension in release mode.
python -m pip install -q -e '.[dev]'
