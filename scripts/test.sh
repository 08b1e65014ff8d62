#!/usr/bin/env bash
# All tests: Rust unit and integration tests, the C tests (built and run from cargo test),
# formatting, lints, and a check that the build left the committed header unchanged.
# Usage: scripts/test.sh
set -euo pipefail
cd "$(dirname "$0")/.."

export CARGO_TERM_COLOR="${CARGO_TERM_COLOR:-never}"

echo "== cargo fmt --check"
cargo fmt --all -- --check

echo "== cargo clippy"
cargo clippy --workspace --all-targets -- -D warnings

echo "== cargo test"
cargo test --workspace

echo "== header drift"
if ! git diff --exit-code -- include/; then
    echo "include/cosv4.h differs from the committed one: the build regenerated it; commit it." >&2
    exit 1
fi
echo "all tests passed"
