"""The official OpenAI Python client, pointed at Hookscribe's local API.

Usage: openai_client.py BASE_URL TOKEN RECORDING
Prints one JSON object: what each response_format returned, as the client parsed it.
"""

import json
import sys

from openai import OpenAI


def main() -> None:
    base_url, token, recording = sys.argv[1:4]
    client = OpenAI(base_url=f"{base_url}/v1", api_key=token, max_retries=0, timeout=300)
    out = {"models": [m.id for m in client.models.list().data]}
    for response_format in ("json", "text", "srt", "vtt"):
        with open(recording, "rb") as audio:
            result = client.audio.transcriptions.create(
                model="whisper-1", file=audio, response_format=response_format, temperature=0.0
            )
        out[response_format] = result if isinstance(result, str) else result.text
    with open(recording, "rb") as audio:
        verbose = client.audio.transcriptions.create(
            model="whisper-1",
            file=audio,
            response_format="verbose_json",
            timestamp_granularities=["word", "segment"],
            language="en",
        )
    out["verbose_json"] = {
        "text": verbose.text,
        "language": verbose.language,
        "duration": verbose.duration,
        "segments": [{"start": s.start, "end": s.end, "text": s.text} for s in verbose.segments or []],
        "words": [{"word": w.word, "start": w.start, "end": w.end} for w in verbose.words or []],
    }
    # A wrong key: the client raises its own AuthenticationError from the 401.
    try:
        OpenAI(base_url=f"{base_url}/v1", api_key="hsk_wrong", max_retries=0).models.list()
        out["wrong_key"] = "accepted"
    except Exception as error:  # noqa: BLE001 - the class name is what the test checks
        out["wrong_key"] = type(error).__name__
    json.dump(out, sys.stdout)


if __name__ == "__main__":
    main()
