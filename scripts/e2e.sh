#!/usr/bin/env bash
# Drives the real desktop window: builds the app with the UI embedded, starts tauri-driver
# under Xvfb with a D-Bus session (the app's single-instance hand-over uses it), and runs
# tests/e2e/*.test.mjs against it. Called by scripts/test.sh. Screenshots of every view,
# light and dark, land in $CARGO_TARGET_DIR/e2e/.
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
# Closes the window as its close button does (see the file).
export HOOKSCRIBE_E2E_WM_CLOSE="$DRIVER_ROOT/bin/wm-close"
cc -O2 -o "$HOOKSCRIBE_E2E_WM_CLOSE" tests/e2e/wm-close.c -lX11

work="$(mktemp -d)"
trap 'rm -rf "$work"' EXIT
export HOOKSCRIBE_HOME="$work/home"
# The window's own files (WebKit caches, window state) stay out of the user's home too.
export XDG_CONFIG_HOME="$work/config" XDG_DATA_HOME="$work/data" XDG_CACHE_HOME="$work/cache"
# The default model as the setup installs it offline.
"$BIN/hookscribe" models import "$TEST_MODEL_DIR" --quantize q8_0 --name tiny.en-q8_0 >/dev/null
# As scripts/run-app.sh installs it: transcriptions skip the pauses.
"$BIN/hookscribe" models import "$SILERO_VAD_SAFETENSORS" >/dev/null
"$BIN/hookscribe" config set threads 2 >/dev/null
# Failed deliveries are retried quickly: three attempts within seconds.
"$BIN/hookscribe" config set webhooks.retry_schedule 1s,1s >/dev/null

# Four recordings of real speech (Festival), each with what was said.
export HOOKSCRIBE_E2E_SPEECH="$work/speech"
mkdir -p "$HOOKSCRIBE_E2E_SPEECH"
sentences=(
  "Please send the meeting notes to the team by Friday afternoon."
  "The weather will be sunny tomorrow so we can have lunch outside."
  "Call the client back about the invoice before the end of the week."
  "Remember to book the train tickets for the conference in March."
)
for n in 1 2 3 4; do
  echo "${sentences[$((n - 1))]}" > "$HOOKSCRIBE_E2E_SPEECH/speech-$n.txt"
  text2wave -eval '(voice_cmu_us_slt_arctic_hts)' -F 16000 \
    -o "$HOOKSCRIBE_E2E_SPEECH/speech-$n.wav" "$HOOKSCRIBE_E2E_SPEECH/speech-$n.txt"
done

# A watched folder, empty: the test drops a recording in it while the window is closed.
export HOOKSCRIBE_E2E_INBOX="$work/inbox"
mkdir -p "$HOOKSCRIBE_E2E_INBOX"
"$BIN/hookscribe" folders add "$HOOKSCRIBE_E2E_INBOX" --stable-ms 500 >/dev/null

export HOOKSCRIBE_DESKTOP_BIN="$BIN/hookscribe-desktop" HOOKSCRIBE_CLI_BIN="$BIN/hookscribe"
export HOOKSCRIBE_EXPECT_VERSION="$("$BIN/hookscribe" --version | awk '{print $2}')"
export HOOKSCRIBE_EXPECT_MODEL="tiny.en-q8_0"
export HOOKSCRIBE_E2E_OUT="$CARGO_TARGET_DIR/e2e"
# Xvfb has no GPU: without this WebKit sometimes leaves regions unpainted in screenshots.
export WEBKIT_DISABLE_COMPOSITING_MODE=1
rm -rf "$HOOKSCRIBE_E2E_OUT" && mkdir -p "$HOOKSCRIBE_E2E_OUT"

# One X server and one D-Bus session for the driver, the app it launches and the test.
xvfb-run -a --server-args="-screen 0 1280x800x24" dbus-run-session -- bash -c '
  NO_AT_BRIDGE=1 "$0" --port 4444 >"$1/driver.log" 2>&1 &
  driver=$!
  trap "kill $driver 2>/dev/null" EXIT
  node --test --test-concurrency=1 tests/e2e/
' "$DRIVER" "$work" 2>&1 | grep -v -e "^dbus-daemon\[" -e "SpiRegistry daemon" \
  || { echo "--- tauri-driver log ---" >&2; tail -50 "$work/driver.log" >&2 || true; exit 1; }
echo "window screenshots: $HOOKSCRIBE_E2E_OUT" >&2
