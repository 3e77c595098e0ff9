#!/usr/bin/env bash
# Builds the bundled DfE panel (crates/carecast/dfe/panel.bin.gz and regions.csv) from the
# published files in ../shared/dfe/raw (or $CARECAST_SHARED_DIR/dfe/raw, or $1), and copies
# the area lookup and boundary changes from the panel folder beside them.
set -euo pipefail
cd "$(dirname "$0")/.."
RAW="${1:-${CARECAST_SHARED_DIR:-../shared}/dfe/raw}"
OUT=crates/carecast/dfe
cp "$RAW/../panel/area_lookup.csv" "$RAW/../panel/boundary_changes.csv" "$OUT/"
cargo run --release -q -p carecast --example build_dfe_panel -- "$RAW" "$OUT/panel.bin.gz"
