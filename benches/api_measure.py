"""Times the local API against the CLI on the same file, and SSE event latency.

Usage: api_measure.py HOOKSCRIBE_BIN SPEECH.wav BASE_URL TOKEN ROUNDS CORES
Prints benches/api-results.md (Markdown) on stdout. Standard library only.

Each round makes a copy of the recording with one sample changed, so neither side can
reuse an earlier transcript (the queue reuses transcripts of identical files), and runs
the CLI and the API on it one after the other, alternating which goes first.
"""

import http.client
import json
import os
import statistics
import subprocess
import sys
import tempfile
import threading
import time
import urllib.parse

BIN, SPEECH, BASE, TOKEN = sys.argv[1:5]
ROUNDS, CORES = int(sys.argv[5]), sys.argv[6]
HOST = urllib.parse.urlparse(BASE)


def connection():
    return http.client.HTTPConnection(HOST.hostname, HOST.port, timeout=600)


def request(method, path, body=None, headers=None):
    conn = connection()
    all_headers = {"Authorization": f"Bearer {TOKEN}"}
    all_headers.update(headers or {})
    conn.request(method, path, body=body, headers=all_headers)
    response = conn.getresponse()
    data = response.read()
    conn.close()
    if response.status >= 300:
        sys.exit(f"{method} {path}: {response.status} {data[:300]!r}")
    return json.loads(data) if data else None


def wait_listening():
    for _ in range(200):
        try:
            request("GET", "/v1/models")
            return
        except (ConnectionError, OSError):
            time.sleep(0.1)
    sys.exit("the API did not start")


def variant(n, folder):
    """The recording with its last sample nudged: the same speech, another hash."""
    with open(SPEECH, "rb") as f:
        data = bytearray(f.read())
    data[-1] = (data[-1] + 1 + n) % 256
    path = os.path.join(folder, f"speech-{n}.wav")
    with open(path, "wb") as f:
        f.write(data)
    return path


def via_cli(path):
    start = time.monotonic()
    out = subprocess.run([BIN, "transcribe", path, "-f", "json"], check=True, capture_output=True, text=True)
    wall = time.monotonic() - start
    return wall, json.loads(out.stdout)


def via_api(path):
    boundary = "bench-boundary-1f2e3d4c"
    with open(path, "rb") as f:
        audio = f.read()
    body = (
        f"--{boundary}\r\nContent-Disposition: form-data; name=\"file\"; filename=\"speech.wav\"\r\n"
        f"Content-Type: audio/wav\r\n\r\n"
    ).encode() + audio + (
        f"\r\n--{boundary}\r\nContent-Disposition: form-data; name=\"model\"\r\n\r\nwhisper-1\r\n"
        f"--{boundary}--\r\n"
    ).encode()
    start = time.monotonic()
    result = request("POST", "/v1/audio/transcriptions", body,
                     {"Content-Type": f"multipart/form-data; boundary={boundary}"})
    return time.monotonic() - start, result


class Events:
    """Follows GET /v1/events; records when each event arrived."""

    def __init__(self):
        self.arrived = []  # (monotonic time, event name, data)
        self.lock = threading.Lock()
        conn = connection()
        conn.request("GET", "/v1/events", headers={"Authorization": f"Bearer {TOKEN}"})
        self.response = conn.getresponse()
        threading.Thread(target=self.read, daemon=True).start()

    def read(self):
        name, data = None, None
        while True:
            line = self.response.readline()
            if not line:
                return
            line = line.decode().rstrip("\n")
            if line.startswith("event:"):
                name = line[6:].strip()
            elif line.startswith("data:"):
                data = json.loads(line[5:].strip())
            elif line == "" and name:
                with self.lock:
                    self.arrived.append((time.monotonic(), name, data))
                name, data = None, None

    def wait(self, predicate, timeout=30):
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            with self.lock:
                for at, name, data in self.arrived:
                    if predicate(name, data):
                        return at
            time.sleep(0.0005)
        sys.exit("an expected event never arrived")


def sse_latency(folder, rounds):
    """From sending a request to its event arriving on the stream, and to its answer."""
    events = Events()
    time.sleep(0.5)
    # Hold the queue with a job of its own so the measured jobs stay queued.
    samples = []
    for n in range(rounds * 3):
        path = variant(1000 + n, folder)
        sent = time.monotonic()
        job = request("POST", "/v1/jobs", json.dumps({"path": path}), {"Content-Type": "application/json"})
        answered = time.monotonic()
        seen = events.wait(lambda name, data: name == "job_queued" and data["job"]["id"] == job["id"])
        sent_cancel = time.monotonic()
        request("DELETE", f"/v1/jobs/{job['id']}")
        answered_cancel = time.monotonic()
        seen_cancel = events.wait(lambda name, data: name == "job_cancelled" and data["job"] == job["id"])
        samples.append((answered - sent, seen - sent, answered_cancel - sent_cancel, seen_cancel - sent_cancel))
    return samples


def ms(seconds):
    return f"{seconds * 1000:.1f} ms"


def main():
    wait_listening()
    folder = tempfile.mkdtemp(prefix="api-bench-")
    cli, api, processing = [], [], []
    for n in range(ROUNDS):
        path = variant(n, folder)
        order = [("cli", via_cli), ("api", via_api)] if n % 2 == 0 else [("api", via_api), ("cli", via_cli)]
        for name, run in order:
            wall, result = run(path)
            (cli if name == "cli" else api).append(wall)
            if name == "cli":
                processing.append(result.get("processing_seconds", 0.0))
    ratios = [a / c for a, c in zip(api, cli)]
    latency = sse_latency(folder, ROUNDS)
    q_answer, q_event, c_answer, c_event = (statistics.median(x) for x in zip(*latency))
    machine = subprocess.run(["uname", "-srm"], capture_output=True, text=True).stdout.strip()
    print("# Local API benchmark\n")
    print(f"`bash benches/api.sh`, {ROUNDS} rounds, {CORES} cores ({machine}), tiny.en, 2 threads,"
          " beam 5, optimized builds, a {:.1f} s spoken recording.\n".format(
              json.loads(subprocess.run([BIN, "transcribe", SPEECH, "-f", "json"], capture_output=True,
                                        text=True).stdout).get("audio_seconds", 0)))
    print("## A transcription: API request against `hookscribe transcribe`\n")
    print("| | median wall | min | max |")
    print("|---|---|---|---|")
    print(f"| `hookscribe transcribe FILE` (loads the model each run) | {statistics.median(cli):.2f} s | {min(cli):.2f} s | {max(cli):.2f} s |")
    print(f"| `POST /v1/audio/transcriptions` (model already loaded by the queue's worker) | {statistics.median(api):.2f} s | {min(api):.2f} s | {max(api):.2f} s |")
    print(f"\nAPI / CLI, pair by pair: median **{statistics.median(ratios):.2f}×** (min {min(ratios):.2f}, max {max(ratios):.2f}).")
    print(f"Whisper's own time inside the CLI run (processing_seconds): median {statistics.median(processing):.2f} s.\n")
    print("## Event latency over SSE (`GET /v1/events`)\n")
    print(f"{len(latency)} jobs queued with `POST /v1/jobs` and cancelled with `DELETE`, while the stream is open:\n")
    print("| | answer received | event received |")
    print("|---|---|---|")
    print(f"| queue a job (`job_queued`) | {ms(q_answer)} | {ms(q_event)} |")
    print(f"| cancel it (`job_cancelled`) | {ms(c_answer)} | {ms(c_event)} |")
    print("\nTimes run from sending the request; an event arriving before the answer means the"
          " stream told the dashboard before the caller heard back.")


if __name__ == "__main__":
    main()
