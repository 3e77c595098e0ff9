#!/usr/bin/env bash
# Fuzz every parser of carecast with cargo-fuzz (libFuzzer) for MINUTES minutes in all
# (default 5), shared equally between the targets: table, scenario, figures, dfe, ssda903.
#   bash scripts/fuzz.sh [MINUTES]
#   bash scripts/fuzz.sh --seconds N    # N seconds per target (the short CI run)
# Needs the nightly toolchain (rustup toolchain install nightly); installs cargo-fuzz
# when missing. New inputs found go to fuzz/corpus/<target>/ (commit the useful ones);
# a crash is written to fuzz/artifacts/<target>/ and the script exits non-zero.
set -euo pipefail
cd "$(dirname "$0")/.."
TARGETS=(table scenario figures dfe ssda903)
if [ "${1:-}" = "--seconds" ]; then
  PER=${2:?--seconds needs a number}
else
  MINUTES=${1:-5}
  PER=$(( MINUTES * 60 / ${#TARGETS[@]} ))
  [ "$PER" -ge 1 ] || PER=1
fi
if ! rustup toolchain list | grep -q '^nightly'; then
  echo "fuzz.sh: the nightly toolchain is needed: rustup toolchain install nightly" >&2
  exit 2
fi
if ! cargo fuzz --version >/dev/null 2>&1; then
  cargo install --locked cargo-fuzz
fi
cd fuzz
cargo +nightly fuzz build -O
for t in "${TARGETS[@]}"; do
  echo "== fuzz $t (${PER}s)"
  # -rss_limit_mb: an input must not take more than 2 GB; -timeout: nor 10 s.
  cargo +nightly fuzz run -O "$t" "corpus/$t" -- \
    -max_total_time="$PER" -rss_limit_mb=2048 -timeout=10 -max_len=65536 -print_final_stats=1
done
