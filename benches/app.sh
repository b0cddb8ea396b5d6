#!/usr/bin/env bash
# A one-hour MP3 through the desktop app, the way a user hands it one: `hookscribe-desktop
# FILE` (what "Open with Hookscribe" runs), with the debug build and the optimized build
# one after the other in this run, each with a fresh data folder, the tiny.en model and
# the default settings (beam 5). Writes benches/app-results.md. See benches/README.md.
#   bash benches/app.sh [--threads N]
# Needs what `bash scripts/test.sh` sets up; runs the app under Xvfb. About 10 minutes on
# 2 cores once both builds exist.
set -euo pipefail
source "$(dirname "${BASH_SOURCE[0]}")/../scripts/common.sh"

BENCH="${HOOKSCRIBE_BENCH_DIR:-$CACHE/bench}"
SPEECH_TARGET_S="${BENCH_SPEECH_S:-240}"
LONG_TARGET_S="${BENCH_LONG_S:-3600}"
VOICE='(voice_cmu_us_slt_arctic_hts)'
THREADS=2
while [ $# -gt 0 ]; do
  case "$1" in
    --threads) THREADS="$2"; shift ;;
    -h|--help) sed -n '2,8p' "$0"; exit 0 ;;
    *) die "unknown option: $1" ;;
  esac
  shift
done
for tool in xvfb-run dbus-run-session text2wave sox ffmpeg ffprobe python3; do
  command -v "$tool" >/dev/null || die "$tool is missing (bash scripts/test.sh installs it)"
done
[ -f "$TEST_MODEL_DIR/model.bin" ] || die "no tiny.en at $TEST_MODEL_DIR (run bash scripts/test.sh once)"
cd "$ROOT"

build_ui
step "Building the app, debug and optimized"
cargo build --quiet --workspace --features hookscribe-desktop/custom-protocol
cargo build --quiet --release --workspace --features hookscribe-desktop/custom-protocol

source benches/audio.sh
make_speech
make_long_files
MINUTES="$(python3 -c "print(round($(ffprobe -v error -show_entries format=duration -of csv=p=0 "$MP3") / 60, 1))")"

# One run: a fresh data folder, the app started with the MP3, until the job finishes.
# Writes "wall_s processing_s words" to $2 (wall: from the launch to the job's
# completion); the app's session (D-Bus, accessibility bus) chatters on stdout.
through_app() {
  local bin="$1" result="$2" home
  rm -f "$result"
  home="$(mktemp -d "$BENCH/app-home.XXXXXX")"
  HOOKSCRIBE_HOME="$home" "$bin/hookscribe" models import "$TEST_MODEL_DIR" --name tiny.en >/dev/null
  HOOKSCRIBE_HOME="$home" "$bin/hookscribe" config set threads "$THREADS" >/dev/null
  HOOKSCRIBE_HOME="$home" XDG_CONFIG_HOME="$home/xdg" XDG_DATA_HOME="$home/xdg" XDG_CACHE_HOME="$home/xdg" \
    xvfb-run -a dbus-run-session -- python3 - "$bin" "$MP3" "$result" <<'PY'
import json, subprocess, sys, time
bin, mp3, result = sys.argv[1], sys.argv[2], sys.argv[3]
cli = lambda *a: json.loads(subprocess.run([f"{bin}/hookscribe", *a, "--json"], check=True,
                                           capture_output=True, text=True).stdout)
start = time.monotonic()
app = subprocess.Popen([f"{bin}/hookscribe-desktop", mp3], stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
try:
    while True:
        time.sleep(1)
        jobs = cli("jobs", "list").get("items", [])
        done = [j for j in jobs if j["status"] in ("completed", "failed", "cancelled")]
        if done:
            break
        if app.poll() is not None:
            sys.exit(f"the app exited ({app.returncode}) before the job finished")
    wall = time.monotonic() - start
    job = done[0]
    if job["status"] != "completed":
        sys.exit(f"the job {job['status']}: {job.get('error')}")
    shown = cli("jobs", "show", str(job["id"]))
    with open(result, "w") as out:
        out.write(f"{wall:.1f} {shown['transcript']['processing_seconds']:.1f} {len(shown['transcript']['text'].split())}\n")
finally:
    app.terminate()
    app.wait(timeout=30)
PY
  rm -rf "$home"
}

step "Debug build: $MINUTES minutes of MP3 through the app"
through_app "$CARGO_TARGET_DIR/debug" "$BENCH/app-debug.txt"
read -r debug_wall debug_engine debug_words < "$BENCH/app-debug.txt"
step "Optimized build: the same file"
through_app "$CARGO_TARGET_DIR/release" "$BENCH/app-release.txt"
read -r release_wall release_engine release_words < "$BENCH/app-release.txt"

ratio() { python3 -c "print(f'{$1 / $2:.2f}')"; }
{
  echo "# A one-hour MP3 through the desktop app"
  echo
  echo "\`bash benches/app.sh\`: \`hookscribe-desktop long.mp3\` ($MINUTES min, 44.1 kHz stereo, 128 kbit/s),"
  echo "tiny.en, beam 5, $THREADS threads, a fresh data folder per run; both builds in this run."
  echo "Wall: from the launch to the job's completion (window start, model load, decoding,"
  echo "whisper). Engine: the job's processing time (decoding + whisper)."
  echo
  echo "| build | wall s | engine s | realtime factor (engine) | words |"
  echo "|---|---:|---:|---:|---:|"
  echo "| debug (\`cargo build\`) | $debug_wall | $debug_engine | $(python3 -c "print(f'{$debug_engine / ($MINUTES * 60):.3f}')") | $debug_words |"
  echo "| optimized (\`cargo build --release\`, what run-app.sh runs) | $release_wall | $release_engine | $(python3 -c "print(f'{$release_engine / ($MINUTES * 60):.3f}')") | $release_words |"
  echo
  echo "Debug / optimized, wall: $(ratio "$debug_wall" "$release_wall")x; engine: $(ratio "$debug_engine" "$release_engine")x."
  echo "whisper.cpp itself is optimized in both (Cargo.toml builds whisper-rs-sys at opt-level 3 in"
  echo "debug too); the difference is the Rust around it: decoding, resampling, the pipeline."
  echo
  echo "Commit $(git rev-parse --short HEAD), $(date -u +%Y-%m-%d), $(nproc) cores."
} | tee benches/app-results.md
