# Builds and tools the benchmarks share, sourced by run.sh and peer.sh. Expects ROOT,
# CACHE, BENCH, VENV and CT2_TINY_EN; the build steps run from $ROOT.

step() { printf '\n\033[1m==> %s\033[0m\n' "$*" >&2; }
die() { printf '\033[31merror:\033[0m %s\n' "$*" >&2; exit 1; }

require_bench_tools() {
  local tool
  for tool in cargo g++ text2wave sox ffmpeg ffprobe python3 /usr/bin/time; do
    command -v "$tool" >/dev/null || die "$tool is missing (bash scripts/test.sh installs the system packages; /usr/bin/time is Debian's 'time')"
  done
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

# One line naming what was measured.
versions() {
  echo "whisper.cpp $(sed -n 's/^CMAKE_PROJECT_VERSION:STATIC=//p' "$WHISPER_OUT/build/CMakeCache.txt" 2>/dev/null)" \
    "(whisper-rs-sys $(grep -A1 '^name = "whisper-rs-sys"' Cargo.lock | sed -n 's/version = "\(.*\)"/\1/p'))," \
    "faster-whisper $FW_VERSION, $(ffmpeg -version | head -1 | cut -d' ' -f1-3), $(rustc --version | cut -d' ' -f1-2)"
}
