#!/usr/bin/env bash
# The main job: build everything, then run carecast on the bundled Derbyshire data.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/setup.sh
# shellcheck disable=SC1091
. .venv/bin/activate
carecast reconcile derbyshire --status fail
