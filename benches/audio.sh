# The benchmarks' audio, sourced by run.sh and app.sh. Expects ROOT, BENCH (the cache
# folder), SPEECH_TARGET_S, LONG_TARGET_S, VOICE and a `step` function; sets SPEECH,
# SPEECH_REF, SPEECH_S, LOOPS, MP3 and M4A. Everything is cached under $BENCH and made
# again only when the speech changes.

# speech.wav: Festival reads benches/speech.txt sentence by sentence (each cached), with
# half a second of silence between them, until SPEECH_TARGET_S; speech.ref.txt is what
# was read.
make_speech() {
  step "Speech: Festival reading benches/speech.txt (cached per sentence)"
  mkdir -p "$BENCH/sentences"
  SPEECH="$BENCH/speech.wav"
  SPEECH_REF="$BENCH/speech.ref.txt"
  python3 - "$ROOT/benches/speech.txt" "$BENCH" "$SPEECH_TARGET_S" "$VOICE" <<'PY'
import hashlib, os, subprocess, sys, wave
text_file, bench, target, voice = sys.argv[1], sys.argv[2], float(sys.argv[3]), sys.argv[4]
sentences = [l.strip() for l in open(text_file) if l.strip() and not l.startswith("#")]
gap = os.path.join(bench, "sentences", "gap.wav")
if not os.path.exists(gap):  # half a second of silence between sentences
    subprocess.run(["sox", "-n", "-r", "16000", "-c", "1", "-b", "16", gap, "trim", "0", "0.5"], check=True)
files, spoken, total = [], [], 0.0
while total < target:
    for s in sentences:
        name = os.path.join(bench, "sentences", hashlib.sha256((voice + s).encode()).hexdigest()[:16] + ".wav")
        if not os.path.exists(name):
            subprocess.run(["text2wave", "-eval", voice, "-F", "16000", "-o", name + ".tmp"],
                           input=s.encode(), check=True)
            os.replace(name + ".tmp", name)
        with wave.open(name) as w:
            total += w.getnframes() / w.getframerate() + 0.5
        files += [name, gap]
        spoken.append(s)
        if total >= target:
            break
out = os.path.join(bench, "speech.wav")
subprocess.run(["sox"] + files + ["-r", "16000", "-c", "1", "-b", "16", out + ".tmp.wav"], check=True)
os.replace(out + ".tmp.wav", out)
open(os.path.join(bench, "speech.ref.txt"), "w").write(" ".join(spoken) + "\n")
print(f"{out}: {total:.1f} s, {len(spoken)} sentences ({len(sentences)} distinct)", file=sys.stderr)
PY
  SPEECH_S="$(ffprobe -v error -show_entries format=duration -of csv=p=0 "$SPEECH")"
}

# long.mp3 and long.m4a: the speech looped to at least LONG_TARGET_S, 44.1 kHz stereo
# 128 kbit/s, as a phone or a meeting recorder writes them.
make_long_files() {
  LOOPS="$(python3 -c "import math; print(math.ceil($LONG_TARGET_S / $SPEECH_S))")"
  MP3="$BENCH/long.mp3"
  M4A="$BENCH/long.m4a"
  local stamp="$BENCH/long.stamp"
  local want
  want="$(sha256sum "$SPEECH" | cut -c1-16) loops=$LOOPS 44100Hz stereo 128k"
  if [ ! -f "$MP3" ] || [ ! -f "$M4A" ] || [ "$(cat "$stamp" 2>/dev/null)" != "$want" ]; then
    step "Long files: the speech looped $LOOPS times, 44.1 kHz stereo MP3 and M4A (AAC)"
    rm -f "$stamp"
    ffmpeg -nostdin -loglevel error -y -stream_loop $((LOOPS - 1)) -i "$SPEECH" \
      -ar 44100 -ac 2 -c:a libmp3lame -b:a 128k "$MP3"
    ffmpeg -nostdin -loglevel error -y -stream_loop $((LOOPS - 1)) -i "$SPEECH" \
      -ar 44100 -ac 2 -c:a aac -b:a 128k "$M4A"
    echo "$want" > "$stamp"
  fi
}
