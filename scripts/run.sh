#!/usr/bin/env bash
# The main job: build everything, then run the full Derbyshire projection (stock with
# intervals, placements against in-house capacity, costs, care leavers, a scenario and the
# backtest) and write CSV files and PNG charts to out/derbyshire/, then the sufficiency
# report (HTML and Excel) of all of it.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/setup.sh
# shellcheck disable=SC1091
. .venv/bin/activate
OUT=${1:-out/derbyshire}
echo "== Published tables: checks that fail as printed"
carecast reconcile derbyshire --status fail --out "$OUT"
echo
echo "== Calibration"
carecast fit derbyshire --out "$OUT"
echo
echo "== Children in care from 31 March 2017, ten years, with 80% and 90% intervals"
carecast project derbyshire --base-year 2017 --years 10 --samples 2000 --seed 0 --out "$OUT"
echo
echo "== Placements, in-house capacity and the external market, five years"
carecast placements derbyshire --years 5 --samples 1000 --seed 0 --out "$OUT"
echo
echo "== Costs (2016/17 unit costs, 2% a year inflation) and published spend reconciled"
carecast costs derbyshire --years 5 --inflation 2 --out "$OUT"
echo
echo "== Care leavers to 25"
carecast leavers derbyshire --years 4 --out "$OUT"
echo
echo "== Scenario: 60 more in-house foster carer households"
carecast scenario scenarios/recruit_60_carers.toml --out "$OUT"
echo
echo "== Backtest: how the methods forecast the published stock"
carecast backtest derbyshire --out "$OUT"
echo
echo
echo "== Sufficiency report: HTML (opens offline) and an Excel workbook of its tables"
carecast report derbyshire --scenario scenarios/recruit_60_carers.toml --out "$OUT"
echo
echo "CSV files, charts and the report are in $OUT/"
