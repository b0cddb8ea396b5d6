"""faster-whisper on a 16 kHz mono 16-bit WAV, timed in-process (run by benches/measure.py
with the bench venv's Python).

    fw_transcribe.py CT2_MODEL_DIR SPEECH.wav COMPUTE_TYPE BEAM_SIZE THREADS

The WAV is read before the clock starts (as whisper_ref does); the clock covers loading the
model and running the transcription to its end (the segment generator is lazy). Prints one
JSON object: text, load_s, transcribe_s, total_s.
"""

import json
import sys
import time
import wave

import numpy as np
from faster_whisper import WhisperModel


def read_wav(path):
    with wave.open(path, "rb") as w:
        if w.getframerate() != 16000 or w.getnchannels() != 1 or w.getsampwidth() != 2:
            sys.exit(f"{path}: need 16 kHz mono 16-bit PCM")
        frames = w.readframes(w.getnframes())
    return np.frombuffer(frames, dtype="<i2").astype(np.float32) / 32768.0


def main():
    model_dir, wav, compute_type, beam, threads = sys.argv[1:6]
    audio = read_wav(wav)
    start = time.perf_counter()
    model = WhisperModel(
        model_dir, device="cpu", compute_type=compute_type, cpu_threads=int(threads)
    )
    loaded = time.perf_counter()
    segments, _info = model.transcribe(
        audio, language="en", beam_size=int(beam), vad_filter=False
    )
    text = " ".join(s.text.strip() for s in segments if s.text.strip())
    end = time.perf_counter()
    print(
        json.dumps(
            {
                "text": text,
                "load_s": loaded - start,
                "transcribe_s": end - loaded,
                "total_s": end - start,
                "audio_s": len(audio) / 16000.0,
            }
        )
    )


if __name__ == "__main__":
    main()
