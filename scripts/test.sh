#!/usr/bin/env bash
# Every test: formatting, lints, Rust tests and doctests, a short fuzzing run, the Python stub check, ruff, the
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
# A short run of every fuzz target (5 s each, after its build); cargo test above already
# replays the seed corpora and mutations of them on stable (tests/fuzz_replay.rs).
echo "== fuzz"; bash scripts/fuzz.sh --seconds 5
echo "== stubtest"; python -m mypy.stubtest carecast._carecast
echo "== ruff"; ruff check python tests benchmarks && ruff format --check python tests benchmarks
echo "== figures"; carecast verify tests/figures/*.toml --junit target/figures.xml
# tests/test_notebooks.py executes every notebook and checks that its chart cells show images.
echo "== pytest"; python -m pytest -q tests python/carecast
