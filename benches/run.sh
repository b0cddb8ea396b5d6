#!/usr/bin/env bash
# Hookscribe benchmarks (not part of the test run). See benches/README.md.
#   bash benches/run.sh [--long] [--threads N] [--rounds N]
# Builds hookscribe, the decode bench and whisper_ref, makes the test audio (cached under
# ~/.cache/hookscribe/bench), measures everything on this machine in this run, and writes
# benches/results.md.
set -euo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
source "$ROOT/benches/build.sh"
SPEECH_TARGET_S="${BENCH_SPEECH_S:-240}"  # about 4 minutes of speech: one 300 s window in Hookscribe
LONG_TARGET_S="${BENCH_LONG_S:-3600}"    # the long MP3/M4A: the speech looped to at least an hour

LONG=0
THREADS=2
ROUNDS=3
while [ $# -gt 0 ]; do
  case "$1" in
    --long) LONG=1 ;;
    --threads) THREADS="$2"; shift ;;
    --rounds) ROUNDS="$2"; shift ;;
    -h|--help) sed -n '2,6p' "$0"; exit 0 ;;
    *) echo "unknown option: $1" >&2; exit 2 ;;
  esac
  shift
done

require_bench_tools
mkdir -p "$BENCH/bin" "$BENCH/sentences"
cd "$ROOT"

# ---------------------------------------------------------------- builds
build_hookscribe
DECODE_BENCH="$(cargo build --release --bench decode --message-format=json-render-diagnostics |
  python3 -c 'import json, sys
for line in sys.stdin:
    m = json.loads(line)
    if m.get("reason") == "compiler-artifact" and m["target"]["name"] == "decode" and m.get("executable"):
        print(m["executable"])')"
[ -x "$DECODE_BENCH" ] || die "the decode bench was not built"
build_whisper_ref

# ---------------------------------------------------------------- audio
source "$ROOT/benches/audio.sh"
make_speech
make_long_files

# ---------------------------------------------------------------- faster-whisper, model
ensure_faster_whisper
import_tiny_en

# ---------------------------------------------------------------- measure
step "Measuring (this takes a while)"
LONG_ARGS=()
[ "$LONG" = 1 ] && LONG_ARGS=(--long)
python3 benches/measure.py \
  --hookscribe "$HOOKSCRIBE" --home "$HOOKSCRIBE_HOME" --decode-bench "$DECODE_BENCH" \
  --whisper-ref "$WHISPER_REF" --ggml "$GGML" --ct2 "$CT2_TINY_EN" --venv-python "$VENV/bin/python" \
  --speech "$SPEECH" --speech-ref "$SPEECH_REF" --mp3 "$MP3" --m4a "$M4A" --long-loops "$LOOPS" \
  --threads "$THREADS" --rounds "$ROUNDS" --out "$ROOT/benches/results.md" "${LONG_ARGS[@]}"

{
  echo "Hookscribe: commit $COMMIT (the working tree when this run built it)."
  echo "Versions: $(versions)."
  echo
  echo "Raw per-run numbers and transcripts: $BENCH/raw-results.json"
} | tee -a "$ROOT/benches/results.md"
