#!/usr/bin/env bash
# Builds the Debian package of the desktop app (optimized, the UI embedded, icons, a
# .desktop entry that opens audio and video files).
#   bash scripts/package.sh        -> $CARGO_TARGET_DIR/release/bundle/deb/*.deb
source "$(dirname "${BASH_SOURCE[0]}")/common.sh"

setup
cd "$ROOT"
step "Building the .deb (release)"
# The Tauri CLI from the UI's dependencies builds the UI, the app and the bundle.
ui/node_modules/.bin/tauri build --bundles deb --config src-tauri/tauri.conf.json
deb="$(ls -t "$CARGO_TARGET_DIR"/release/bundle/deb/*.deb | head -1)"
step "Built $deb"
echo "install it with: sudo apt install $deb" >&2
