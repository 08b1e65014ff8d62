#!/usr/bin/env bash
# The full fault soak (issue 6): 200 uploads of 0 B to 64 MiB through one emulator injecting
# resets before and after the store, HTTP 5xx and stalls; prints the figures.
# `cargo test` runs the same test with 30 uploads. Usage: scripts/soak.sh [UPLOADS]
set -euo pipefail
cd "$(dirname "$0")/.."
export COSV4_SOAK_UPLOADS="${1:-200}"
exec cargo test --release --test reliability soak -- --nocapture
