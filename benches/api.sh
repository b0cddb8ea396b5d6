#!/usr/bin/env bash
# The local API's own cost: a transcription through `POST /v1/audio/transcriptions`
# against `hookscribe transcribe` on the same file (both optimized builds, same machine,
# same run, ratios pair by pair), and how soon an engine event reaches an SSE client.
# Writes benches/api-results.md. See benches/README.md.
#   bash benches/api.sh [--rounds N]
# Needs what `bash scripts/test.sh` sets up. About 3 minutes on 2 cores once built.
set -euo pipefail
source "$(dirname "${BASH_SOURCE[0]}")/../scripts/common.sh"

BENCH="${HOOKSCRIBE_BENCH_DIR:-$CACHE/bench}"
ROUNDS=7
while [ $# -gt 0 ]; do
  case "$1" in
    --rounds) ROUNDS="$2"; shift ;;
    -h|--help) sed -n '2,7p' "$0"; exit 0 ;;
    *) die "unknown option: $1" ;;
  esac
  shift
done
command -v text2wave >/dev/null || die "text2wave is missing (bash scripts/test.sh installs it)"
[ -f "$TEST_MODEL_DIR/model.bin" ] || die "no tiny.en at $TEST_MODEL_DIR (run bash scripts/test.sh once)"
cd "$ROOT"

step "Building the optimized CLI"
cargo build --quiet --release -p hookscribe
BIN="$CARGO_TARGET_DIR/release/hookscribe"

mkdir -p "$BENCH"
SPEECH="$BENCH/api-speech.wav"
if [ ! -f "$SPEECH" ]; then
  step "Speaking the test sentence"
  head -n 4 benches/speech.txt > "$BENCH/api-speech.txt"
  text2wave -eval '(voice_cmu_us_slt_arctic_hts)' -F 16000 -o "$SPEECH" "$BENCH/api-speech.txt"
fi

HOME_DIR="$(mktemp -d "$BENCH/api-home.XXXXXX")"
trap 'kill "${DAEMON:-0}" 2>/dev/null || true; rm -rf "$HOME_DIR"' EXIT
export HOOKSCRIBE_HOME="$HOME_DIR"
"$BIN" models import "$TEST_MODEL_DIR" --name tiny.en >/dev/null
"$BIN" config set threads 2 >/dev/null
PORT="$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')"
"$BIN" config set api.port "$PORT" >/dev/null
TOKEN="$("$BIN" api token)"
"$BIN" run --api 2>"$HOME_DIR/run.log" &
DAEMON=$!

step "Measuring ($ROUNDS rounds)"
python3 benches/api_measure.py "$BIN" "$SPEECH" "http://127.0.0.1:$PORT" "$TOKEN" "$ROUNDS" \
  "$(nproc)" > benches/api-results.md
cat benches/api-results.md
