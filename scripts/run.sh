#!/usr/bin/env bash
# The main job: build everything, then run carecast on the bundled Derbyshire data.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/setup.sh
# shellcheck disable=SC1091
. .venv/bin/activate
echo "== Published tables: checks that fail as printed"
carecast reconcile derbyshire --status fail
echo
echo "== Calibration"
carecast fit derbyshire
echo
echo "== Projection from 31 March 2017, ten years, admissions at the mean of the last 3 years"
carecast project derbyshire --base-year 2017 --years 10 --admissions mean --k 3
echo
echo "== Care leavers to 25"
carecast leavers derbyshire --years 4
