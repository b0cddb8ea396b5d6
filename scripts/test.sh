#!/usr/bin/env bash
# Runs every check and test Hookscribe has, installing what is missing first.
#   bash scripts/test.sh
# This is exactly what CI runs (.ci/run).
source "$(dirname "${BASH_SOURCE[0]}")/common.sh"

FEATURES=(--workspace --features hookscribe-desktop/custom-protocol)
started=$SECONDS

setup
cd "$ROOT"

step "Formatting (cargo fmt --check)"
cargo fmt --all -- --check

step "UI: type check, component tests, build"
(cd ui && npm run --silent check && npm test --silent && npm run --silent build >/dev/null)

step "Lints (cargo clippy -D warnings)"
cargo clippy --quiet "${FEATURES[@]}" --all-targets -- -D warnings

step "Engine and shell tests (cargo test)"
cargo test "${FEATURES[@]}" 2>&1

step "Desktop end-to-end test (real window under Xvfb, tauri-driver)"
bash "$ROOT/scripts/e2e.sh"

step "All checks passed in $((SECONDS - started)) s"
