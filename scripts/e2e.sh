#!/usr/bin/env bash
# Drives the real desktop window: builds the app with the UI embedded, starts tauri-driver
# under Xvfb, and runs tests/e2e/*.test.mjs against it. Called by scripts/test.sh.
source "$(dirname "${BASH_SOURCE[0]}")/common.sh"
cd "$ROOT"

# tauri-driver is a cargo-installed tool; keep it in the cache so CI installs it once.
DRIVER_ROOT="$CACHE/tools"
DRIVER="$DRIVER_ROOT/bin/tauri-driver"
if [ ! -x "$DRIVER" ]; then
  step "Installing tauri-driver"
  cargo install --quiet --locked --root "$DRIVER_ROOT" tauri-driver
fi
command -v WebKitWebDriver >/dev/null || die "WebKitWebDriver is missing (Debian package webkit2gtk-driver)"

cargo build --quiet --workspace --features hookscribe-desktop/custom-protocol
BIN="$CARGO_TARGET_DIR/debug"

work="$(mktemp -d)"
trap 'kill "${driver_pid:-}" 2>/dev/null || true; rm -rf "$work"' EXIT
export HOOKSCRIBE_HOME="$work/home"
"$BIN/hookscribe" models import "$TEST_MODEL_DIR" --name tiny.en >/dev/null
"$BIN/hookscribe" config set threads 2 >/dev/null
# A watched folder with one recording: the window's embedded queue must transcribe it.
export HOOKSCRIBE_E2E_INBOX="$work/inbox" HOOKSCRIBE_CLI_BIN="$BIN/hookscribe"
mkdir -p "$HOOKSCRIBE_E2E_INBOX"
echo "Please send the meeting notes to the team by Friday afternoon." > "$work/memo.txt"
text2wave -eval '(voice_cmu_us_slt_arctic_hts)' -F 16000 -o "$HOOKSCRIBE_E2E_INBOX/memo.wav" "$work/memo.txt"
"$BIN/hookscribe" folders add "$HOOKSCRIBE_E2E_INBOX" --stable-ms 500 >/dev/null
export HOOKSCRIBE_DESKTOP_BIN="$BIN/hookscribe-desktop"
export HOOKSCRIBE_EXPECT_VERSION="$("$BIN/hookscribe" --version | awk '{print $2}')"
export HOOKSCRIBE_EXPECT_MODEL="tiny.en"
export HOOKSCRIBE_SCREENSHOT="${HOOKSCRIBE_SCREENSHOT:-$CACHE/e2e-window.png}"

# One X server for the driver and the app it launches.
xvfb-run -a --server-args="-screen 0 1280x800x24" bash -c '
  NO_AT_BRIDGE=1 "$0" --port 4444 >"$1/driver.log" 2>&1 &
  driver=$!
  trap "kill $driver 2>/dev/null" EXIT
  node --test tests/e2e/
' "$DRIVER" "$work" || { echo "--- tauri-driver log ---" >&2; cat "$work/driver.log" >&2 || true; exit 1; }
echo "window screenshot: $HOOKSCRIBE_SCREENSHOT" >&2
