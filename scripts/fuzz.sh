#!/usr/bin/env bash
# Fuzz every parser of carecast with cargo-fuzz (libFuzzer) for MINUTES minutes in all
# (default 5), shared equally between the targets: table, scenario, figures, dfe, ssda903.
#   bash scripts/fuzz.sh [MINUTES]
#   bash scripts/fuzz.sh --seconds N    # N seconds per target
#   FUZZ_SANITIZER=address bash scripts/fuzz.sh 30   # with AddressSanitizer (slower)
#   FUZZ_NO_BUILD=1 bash scripts/fuzz.sh 10          # reuse the last build
# The targets are built once (the build is the slow part: 26 min on 2 busy cores, seconds
# when only carecast changed), then each binary is run directly for its share of the time.
#
# The default build has no sanitizer (`--sanitizer none`): carecast has no `unsafe` code,
# so AddressSanitizer would only check the dependencies' unsafe code, and it makes the
# build and every run slower. What a run still finds: panics (indexing, unwrap, arithmetic
# overflow: the build keeps debug assertions and overflow checks, `-a`), inputs that take
# more than 10 s, and inputs that take more than 2 GB. FUZZ_SANITIZER=address restores the
# memory-error checks.
#
# Needs the nightly toolchain (rustup toolchain install nightly); installs cargo-fuzz when
# missing. Seeds are read from fuzz/corpus/<target>/ (committed); new inputs go to
# fuzz/target/corpus/<target>/ (not committed: copy a useful one into fuzz/corpus/). A
# crash is written to fuzz/artifacts/<target>/ and the script exits non-zero after running
# every target.
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
SANITIZER=${FUZZ_SANITIZER:-none}
if ! rustup toolchain list | grep -q '^nightly'; then
  echo "fuzz.sh: the nightly toolchain is needed: rustup toolchain install nightly" >&2
  exit 2
fi
if ! cargo fuzz --version >/dev/null 2>&1; then
  cargo install --locked cargo-fuzz
fi
cd fuzz
if [ -z "${FUZZ_NO_BUILD:-}" ]; then
  start=$(date +%s)
  # -O -a: optimised, with debug assertions and overflow checks; 16 codegen units let
  # the build use more than one core (runs are slightly slower than with 1).
  cargo +nightly fuzz build -O -a --sanitizer "$SANITIZER" --codegen-units 16
  echo "== build: $(( $(date +%s) - start )) s (sanitizer: $SANITIZER)"
fi
BIN=target/x86_64-unknown-linux-gnu/release
failed=()
for t in "${TARGETS[@]}"; do
  echo "== fuzz $t (${PER}s)"
  mkdir -p "target/corpus/$t" "artifacts/$t"
  # -rss_limit_mb: an input must not take more than 2 GB; -timeout: nor 10 s.
  if ! "$BIN/$t" "target/corpus/$t" "corpus/$t" -artifact_prefix="artifacts/$t/" \
    -max_total_time="$PER" -rss_limit_mb=2048 -timeout=10 -max_len=65536 \
    -print_final_stats=1; then
    failed+=("$t")
  fi
done
if [ "${#failed[@]}" -gt 0 ]; then
  echo "fuzz.sh: findings in: ${failed[*]} (see fuzz/artifacts/)" >&2
  exit 1
fi
echo "fuzz.sh: no findings"
