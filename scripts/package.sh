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

# "Open with Hookscribe" works only if the launcher passes the files (%F) and declares the
# audio and video types; Tauri's default desktop entry passes nothing (tauri#16014).
entry="$(dpkg-deb --fsys-tarfile "$deb" | tar -xO --wildcards 'usr/share/applications/*.desktop')"
grep -qx 'Exec=hookscribe-desktop %F' <<<"$entry" || die "the .deb's desktop entry does not pass files to the app:
$entry"
for type in audio/mpeg audio/x-wav audio/mp4 video/mp4; do
  grep -q "^MimeType=.*$type" <<<"$entry" || die "the .deb's desktop entry does not declare $type"
done
dpkg-deb --fsys-tarfile "$deb" | tar -t | grep -x 'usr/bin/hookscribe-desktop' >/dev/null ||
  die "the .deb holds no usr/bin/hookscribe-desktop"
step "Built $deb"
echo "install it with: sudo apt install $deb" >&2
