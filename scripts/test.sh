#!/usr/bin/env bash
# All tests: Rust unit and integration tests, the C tests (built and run from cargo test),
# formatting, lints, and a check that the build left the committed header unchanged.
# Usage: scripts/test.sh
set -euo pipefail
cd "$(dirname "$0")/.."

export CARGO_TERM_COLOR="${CARGO_TERM_COLOR:-never}"

# The C tests run under valgrind, the C++ example and header checks need a C++ compiler, and
# tests/install.rs builds against the installed CMake package; a fresh machine (Rust, gcc,
# git, python3) may lack any of them.
missing=""
command -v valgrind >/dev/null 2>&1 || missing="$missing valgrind"
command -v c++ >/dev/null 2>&1 || missing="$missing g++"
command -v cmake >/dev/null 2>&1 || missing="$missing cmake"
if [ -n "$missing" ] && [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null 2>&1; then
    apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq $missing >/dev/null
fi

# tests/python.rs installs the module with pip (`pip install ./python`): bring pip from the
# standard library's bundle when this python3 has none, else from the distribution.
if ! python3 -m pip --version >/dev/null 2>&1; then
    python3 -m ensurepip --upgrade >/dev/null 2>&1 ||
        { [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null 2>&1 &&
          DEBIAN_FRONTEND=noninteractive apt-get install -y -qq python3-pip >/dev/null; } || true
fi

# fmt and clippy are rustup components; a minimal toolchain may lack them.
for component in rustfmt clippy; do
    probe="${component/rustfmt/fmt}"
    if ! cargo "$probe" --version >/dev/null 2>&1 && command -v rustup >/dev/null 2>&1; then
        rustup component add "$component"
    fi
done

echo "== cargo fmt --check"
cargo fmt --all -- --check

echo "== cargo clippy"
cargo clippy --workspace --all-targets -- -D warnings

echo "== cargo doc"
RUSTDOCFLAGS="-D warnings" cargo doc --workspace --no-deps --quiet

echo "== cargo test"
cargo test --workspace

echo "== header drift"
if ! git diff --exit-code -- include/; then
    echo "include/cosv4.h differs from the committed one: the build regenerated it; commit it." >&2
    exit 1
fi
echo "all tests passed"
