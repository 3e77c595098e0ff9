#!/usr/bin/env bash
# Every test: formatting, lints, Rust tests and doctests (with a fuzz-corpus replay), the Python stub check, ruff, the
# Python tests and doctests (with the notebooks and the report in a browser), the
# published-figure suite.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/setup.sh
# shellcheck disable=SC1091
. .venv/bin/activate
echo "== cargo fmt"; cargo fmt --all -- --check
echo "== cargo clippy"; cargo clippy --workspace --all-targets -- -D warnings
echo "== cargo test"; cargo test --workspace
# Fuzzing in CI is the stable replay inside cargo test (crates/carecast/tests/fuzz_replay.rs:
# every seed of fuzz/corpus plus seeded mutations through the same target functions). The
# coverage-guided run (scripts/fuzz.sh MINUTES) needs a nightly sanitiser build, which takes
# far longer than the CI budget on this machine, so it is run by hand.
echo "== stubtest"; python -m mypy.stubtest carecast._carecast
echo "== ruff"; ruff check python tests benchmarks && ruff format --check python tests benchmarks
echo "== figures"; carecast verify tests/figures/*.toml --junit target/figures.xml
# tests/test_notebooks.py executes every notebook and checks that its chart cells show images.
echo "== pytest"; python -m pytest -q tests python/carecast
