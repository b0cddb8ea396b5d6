# The benchmarks' audio, sourced by run.sh and app.sh. Expects ROOT, BENCH (the cache
# folder), SPEECH_TARGET_S, LONG_TARGET_S, VOICE and a `step` function; sets SPEECH,
# SPEECH_REF, SPEECH_S, LOOPS, MP3 and M4A. Everything is cached under $BENCH and made
# again only when the speech changes.

# speech.wav: Festival reads benches/speech.txt sentence by sentence (each cached), with
# half a second of silence between them, until SPEECH_TARGET_S; speech.ref.txt is what
# was read.
make_speech() {
  step "Speech: Festival reading benches/speech.txt (cached per sentence)"
  SPEECH="$BENCH/speech.wav"
  SPEECH_REF="$BENCH/speech.ref.txt"
  festival_reading "$SPEECH" "$SPEECH_TARGET_S" half-second
  SPEECH_S="$(ffprobe -v error -show_entries format=duration -of csv=p=0 "$SPEECH")"
}

# pauses.wav: the same reading as a meeting goes, with pauses of 1 to 12 s of quiet room
# noise between the sentences (the same pauses every run); pauses.ref.txt is what was read.
make_pauses() {
  step "Speech with pauses: Festival reading benches/speech.txt, 1-12 s pauses"
  PAUSES="$BENCH/pauses.wav"
  PAUSES_REF="$BENCH/pauses.ref.txt"
  festival_reading "$PAUSES" "$1" pauses
}

# festival_reading OUT.wav TARGET_S half-second|pauses: writes OUT.wav and OUT.ref.txt.
festival_reading() {
  mkdir -p "$BENCH/sentences"
  python3 - "$ROOT/benches/speech.txt" "$BENCH" "$2" "$VOICE" "$1" "$3" <<'PY'
import hashlib, os, random, subprocess, sys, wave
text_file, bench, target, voice, out, gaps = sys.argv[1:7]
target = float(target)
sentences = [l.strip() for l in open(text_file) if l.strip() and not l.startswith("#")]

def gap(seconds, noise):
    name = os.path.join(bench, "sentences", f"gap-{seconds}-{noise}.wav")
    if not os.path.exists(name):
        effect = ["trim", "0", str(seconds)] if noise == "silence" else \
            ["synth", str(seconds), "pinknoise", "vol", "0.004"]
        subprocess.run(["sox", "-n", "-r", "16000", "-c", "1", "-b", "16", name] + effect, check=True)
    return name, float(seconds)

pauses = random.Random(16)
files, spoken, total = [], [], 0.0
while total < target:
    for s in sentences:
        name = os.path.join(bench, "sentences", hashlib.sha256((voice + s).encode()).hexdigest()[:16] + ".wav")
        if not os.path.exists(name):
            subprocess.run(["text2wave", "-eval", voice, "-F", "16000", "-o", name + ".tmp"],
                           input=s.encode(), check=True)
            os.replace(name + ".tmp", name)
        between = gap(0.5, "silence") if gaps == "half-second" else gap(pauses.randint(1, 12), "room")
        with wave.open(name) as w:
            total += w.getnframes() / w.getframerate() + between[1]
        files += [name, between[0]]
        spoken.append(s)
        if total >= target:
            break
subprocess.run(["sox"] + files + ["-r", "16000", "-c", "1", "-b", "16", out + ".tmp.wav"], check=True)
os.replace(out + ".tmp.wav", out)
open(out[:-len(".wav")] + ".ref.txt", "w").write(" ".join(spoken) + "\n")
print(f"{out}: {total:.1f} s, {len(spoken)} sentences ({len(sentences)} distinct)", file=sys.stderr)
PY
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
