#!/usr/bin/env bash
# Does the queue finish a batch sooner with two jobs side by side (the `concurrency`
# setting; `auto` runs two on 2+ physical cores)? Not part of the test run.
#   bash benches/concurrency.sh [--batch FILESxSECONDS]... [--levels 1,2] [--rounds N]
# Queues batches of speech recordings (default 4 x 60 s and 2 x 300 s) with `hookscribe
# jobs add` and works them with `hookscribe run` at each concurrency level, interleaved;
# prints the batch time and CPU time against one job at a time and writes
# benches/concurrency-results.md. See benches/README.md.
set -euo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
source "$ROOT/benches/build.sh"
SPEECH_TARGET_S="${BENCH_SPEECH_S:-300}"

ARGS=()
while [ $# -gt 0 ]; do
  case "$1" in
    --batch|--levels|--rounds) ARGS+=("$1" "$2"); shift ;;
    -h|--help) sed -n '2,8p' "$0"; exit 0 ;;
    *) echo "unknown option: $1" >&2; exit 2 ;;
  esac
  shift
done

require_bench_tools
cd "$ROOT"
build_hookscribe
source "$ROOT/benches/audio.sh"
make_speech
step "Importing the default models into a temporary HOOKSCRIBE_HOME"
export HOOKSCRIBE_HOME
HOOKSCRIBE_HOME="$(mktemp -d "$BENCH/home.XXXXXX")"
trap 'rm -rf "$HOOKSCRIBE_HOME"' EXIT
import_default_models

step "Measuring (about 3 minutes per round on 2 cores)"
python3 benches/concurrency.py --hookscribe "$HOOKSCRIBE" --models "$HOOKSCRIBE_HOME/models" \
  --wav "$SPEECH" --work "$BENCH" "${ARGS[@]}" --out "$ROOT/benches/concurrency-results.md"
echo "Hookscribe: commit $COMMIT." | tee -a "$ROOT/benches/concurrency-results.md"
