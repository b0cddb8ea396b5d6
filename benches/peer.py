"""Hookscribe against faster-whisper on the same weights, for benches/peer.sh.

Every system transcribes every file, ROUNDS times, interleaved (all systems on a file, then
the next file, then the next round), each run on an idle machine (see measure.py). For each
file the table shows the fastest clean run's wall time, the CPU time of that run, the peak
RSS over all runs and the word error rate, and the ratio to faster-whisper int8 (beam 5)
taken round by round and then the median: the pairs ran minutes apart, not hours.

    peer.py --hookscribe BIN --home HOME --whisper-ref BIN --ggml FILE --ct2 DIR
            --venv-python PY --file NAME=WAV=REF ... [--threads 2] [--rounds 3] --out FILE.md
            --raw FILE.json
"""

import argparse
import datetime
import json
import os
import statistics
import sys

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)
import measure  # noqa: E402  (run(), wer(), the idle wait, the machine line)

BASELINE = "faster-whisper int8"


def systems(a, path):
    """(name, decoding, command, parser) for one file."""
    t = str(a.threads)

    def hookscribe(*extra, model="tiny.en"):
        return [a.hookscribe, "transcribe", path, "--model", model, "--language", "en",
                "--threads", t, "--format", "json", *extra]

    def fw(compute_type, beam):
        return [a.venv_python, os.path.join(HERE, "fw_transcribe.py"), a.ct2, path,
                compute_type, str(beam), t]

    return [
        ("Hookscribe default", "q8_0, beam 5, VAD", hookscribe(model="tiny.en-q8_0"),
         measure.parse_hookscribe),
        ("Hookscribe greedy", "q8_0, greedy, VAD",
         hookscribe("--beam-size", "1", model="tiny.en-q8_0"), measure.parse_hookscribe),
        ("Hookscribe without VAD", "q8_0, beam 5", hookscribe("--no-vad", model="tiny.en-q8_0"),
         measure.parse_hookscribe),
        ("Hookscribe f16", "f16, beam 5, VAD", hookscribe(), measure.parse_hookscribe),
        ("whisper.cpp direct", "f16, beam 5", [a.whisper_ref, a.ggml, path, t, "5"],
         measure.parse_whisper_ref),
        (BASELINE, "beam 5", fw("int8", 5), measure.parse_fw),
        ("faster-whisper float32", "beam 5", fw("float32", 5), measure.parse_fw),
    ]


def main():
    p = argparse.ArgumentParser()
    for flag in ("--hookscribe", "--home", "--whisper-ref", "--ggml", "--ct2", "--venv-python",
                 "--out", "--raw"):
        p.add_argument(flag, required=True)
    p.add_argument("--file", action="append", required=True, help="NAME=WAV=REFERENCE.txt")
    p.add_argument("--threads", type=int, default=2)
    p.add_argument("--rounds", type=int, default=3)
    p.add_argument("--systems", help="comma-separated names to run (default: all)")
    a = p.parse_args()
    wanted = set(a.systems.split(",")) if a.systems else None

    def chosen(path):
        return [s for s in systems(a, path) if wanted is None or s[0] in wanted or s[0] == BASELINE]
    env = dict(os.environ, HOOKSCRIBE_HOME=a.home)
    env.pop("RUST_LOG", None)

    files = []
    for spec in a.file:
        name, path, ref = spec.split("=")
        files.append((name, path, open(ref).read(), measure.audio_seconds(path)))
    cases = {
        name: [measure.Case(system, cmd, parse, env=env) for system, _, cmd, parse
               in chosen(path)]
        for name, path, _, _ in files
    }
    decodings = {system: decoding for system, decoding, _, _ in chosen("x")}
    for r in range(a.rounds):
        for name, _, _, _ in files:
            for case in cases[name]:
                record = case.once()
                measure.log(f"  round {r + 1}/{a.rounds} {name:18s} {case.key:24s} "
                            f"wall {record['wall']:7.2f} s cpu {record['cpu']:7.2f} s")

    lines = [
        "# Hookscribe against faster-whisper (benches/peer.sh)",
        "",
        f"- Date: {datetime.datetime.now(datetime.timezone.utc):%Y-%m-%d %H:%M} UTC",
        f"- Machine: {measure.machine()}",
        f"- Model: tiny.en, the same CTranslate2 weights for all (Hookscribe and whisper.cpp "
        f"read them as imported by `hookscribe models import`: 8-bit q8_0 as the default "
        f"tiny.en-q8_0, or f16; faster-whisper quantizes to int8 as it loads); "
        f"{a.threads} threads; "
        f"{a.rounds} interleaved rounds",
        "- Wall and CPU: the fastest clean run, whole process (model load included); CPU is "
        "user + system time; peak RSS: the largest of all runs; ratios: to faster-whisper "
        "int8, pair by pair per round, median",
        "",
    ]
    for name, path, reference, seconds in files:
        by = {c.key: c for c in cases[name]}
        base = by[BASELINE]
        lines += [f"## {name} ({seconds:.0f} s)", "",
                  "| system | decoding | wall s | CPU s | of it system s | wall ratio | CPU ratio "
                  "| user CPU ratio | peak RSS MiB | WER |",
                  "|---|---|---:|---:|---:|---:|---:|---:|---:|---:|"]
        for case in cases[name]:
            best = case.best()
            pairs = list(zip(case.records, base.records))
            wall = statistics.median(o["wall"] / b["wall"] for o, b in pairs)
            cpu = statistics.median(o["cpu"] / b["cpu"] for o, b in pairs)
            # System time (page faults, threads yielding) swings with the VM far more than
            # user time, so the user-only ratio is shown beside the total.
            user = statistics.median(
                (o["cpu"] - o["sys"]) / (b["cpu"] - b["sys"]) for o, b in pairs)
            error = measure.wer(reference, best["text"])
            lines.append(
                f"| {case.key} | {decodings[case.key]} | {best['wall']:.2f} | {best['cpu']:.2f} "
                f"| {best['sys']:.2f} | {wall:.2f}x | {cpu:.2f}x | {user:.2f}x "
                f"| {measure.mib(case.peak_rss())} | {measure.pct(error)} |")
        lines.append("")
        # The medians hide how far rounds scatter on a shared VM: show Hookscribe's rounds.
        default = by.get("Hookscribe default")
        if default is not None and a.rounds > 1:
            rounds = ", ".join(f"{o['cpu'] / b['cpu']:.2f}"
                               for o, b in zip(default.records, base.records))
            lines += [f"Hookscribe default's CPU ratio round by round: {rounds}.", ""]
    noisy = [c.key for cs in cases.values() for c in cs if not c.all_clean()]
    if noisy:
        lines.append(f"Runs disturbed by other processes (kept, marked): {', '.join(sorted(set(noisy)))}.")
        lines.append("")
    text = "\n".join(lines)
    with open(a.out, "w") as f:
        f.write(text + "\n")
    raw = {name: {c.key: c.records for c in cs} for name, cs in cases.items()}
    with open(a.raw, "w") as f:
        json.dump(raw, f, indent=1)
    print(text)


if __name__ == "__main__":
    main()
