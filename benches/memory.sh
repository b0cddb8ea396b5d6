#!/usr/bin/env bash
# Peak memory of `hookscribe transcribe` (the default: tiny.en-q8_0, beam 5, pauses
# skipped) as recordings grow: 30 s, 5 min, 60 min and 3 h of speech (Festival reading
# benches/speech.txt, looped, as 44.1 kHz stereo MP3). Writes benches/memory-results.md.
#   bash benches/memory.sh [--threads N]     # about 25 minutes on 2 cores
set -euo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
source "$ROOT/benches/build.sh"
SPEECH_TARGET_S=300
THREADS=2
[ "${1:-}" = "--threads" ] && THREADS="$2"

require_bench_tools
cd "$ROOT"
build_hookscribe
source "$ROOT/benches/audio.sh"
make_speech
import_tiny_en
import_default_models

step "Recordings of 30 s, 5 min, 60 min and 3 h"
declare -A FILES=([30s]=30 [5min]=300 [60min]=3600 [3h]=10800)
for name in 30s 5min 60min 3h; do
  out="$BENCH/memory-$name.mp3"
  [ -f "$out" ] || ffmpeg -nostdin -loglevel error -y -stream_loop -1 -i "$SPEECH" \
    -t "${FILES[$name]}" -ar 44100 -ac 2 -c:a libmp3lame -b:a 128k "$out"
done

step "Transcribing each (this takes a while)"
{
  echo "# Peak memory against length (benches/memory.sh)"
  echo
  echo "- Date: $(date -u '+%Y-%m-%d %H:%M') UTC; $(nproc) CPUs, $THREADS threads; commit $COMMIT"
  echo "- \`hookscribe transcribe FILE --model tiny.en-q8_0\` (beam 5, pauses skipped), 44.1 kHz stereo MP3 of Festival speech"
  echo
  echo "| length | wall s | CPU s | peak RSS MiB | words |"
  echo "|---|---:|---:|---:|---:|"
} > benches/memory-results.md
for name in 30s 5min 60min 3h; do
  /usr/bin/time -o "$BENCH/memory.time" -f "%e %U %S %M" "$HOOKSCRIBE" transcribe \
    "$BENCH/memory-$name.mp3" --model tiny.en-q8_0 --language en --threads "$THREADS" \
    > "$BENCH/memory-$name.txt"
  read -r wall user sys rss < "$BENCH/memory.time"
  words=$(wc -w < "$BENCH/memory-$name.txt")
  printf '| %s | %.1f | %.1f | %d | %d |\n' "$name" "$wall" "$(awk "BEGIN { print $user + $sys }")" \
    "$((rss / 1024))" "$words" | tee -a benches/memory-results.md
done
