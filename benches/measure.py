"""Runs the measurements for benches/run.sh and writes the results table.

Everything is measured on this machine in this run: each case runs ROUNDS times, the cases
interleaved round by round (A B C, A B C, ...), and the best wall time is kept. Wall time is
taken around the whole process with time.perf_counter(); peak memory (max RSS) and CPU time
come from /usr/bin/time. Standard library only (faster-whisper runs in its own venv through
fw_transcribe.py).
"""

import argparse
import datetime
import json
import os
import platform
import re
import statistics
import subprocess
import sys
import tempfile
import time

HERE = os.path.dirname(os.path.abspath(__file__))


# ---------------------------------------------------------------- word error rate


def normalize(text):
    """Lowercase, drop punctuation (apostrophes join, other marks split), split on spaces.
    The test sentences avoid numbers, so no number normalization is needed."""
    text = text.lower().replace("\u2019", "'").replace("'", "")
    text = re.sub(r"[^a-z0-9]+", " ", text)
    return text.split()


def wer(reference, hypothesis):
    """Word error rate: (substitutions + deletions + insertions) / reference words."""
    ref, hyp = normalize(reference), normalize(hypothesis)
    if not ref:
        return float("nan")
    previous = list(range(len(hyp) + 1))
    for i, r in enumerate(ref, 1):
        current = [i] + [0] * len(hyp)
        for j, h in enumerate(hyp, 1):
            current[j] = min(
                previous[j] + 1,  # deletion
                current[j - 1] + 1,  # insertion
                previous[j - 1] + (r != h),  # substitution / match
            )
        previous = current
    return previous[-1] / len(ref)


# ---------------------------------------------------------------- running things


def cpu_jiffies():
    """(busy, steal) jiffies of the whole machine, from /proc/stat."""
    with open("/proc/stat") as f:
        fields = [int(x) for x in f.readline().split()[1:]]
    user, nice, system, idle, iowait, irq, softirq, steal = (fields + [0] * 8)[:8]
    return user + nice + system + irq + softirq, steal


HZ = os.sysconf("SC_CLK_TCK")
# Other processes may use at most this many CPU-seconds per second of a run for it to count
# as clean. whisper.cpp's threads spin at barriers: a busy neighbour slows it several-fold.
CLEAN_OTHER_CPU = 0.05
IDLE_WAIT_MAX_S = float(os.environ.get("BENCH_IDLE_WAIT_MAX_S", "1800"))


def wait_until_idle():
    """Waits (up to IDLE_WAIT_MAX_S) until the machine has been idle for 2 s, so that no
    build or test run of someone else's shares the CPUs with a measurement."""
    waited, announced = 0.0, False
    while waited < IDLE_WAIT_MAX_S:
        busy0, _ = cpu_jiffies()
        time.sleep(2)
        busy1, _ = cpu_jiffies()
        if (busy1 - busy0) / HZ / 2 < CLEAN_OTHER_CPU:
            return
        if not announced:
            log("  (the machine is busy: waiting for it to be idle)")
            announced = True
        waited += 2
    log(f"  (still busy after {IDLE_WAIT_MAX_S:.0f} s: measuring anyway, the run is marked)")


def run(cmd, env=None, stdin=subprocess.DEVNULL):
    """Runs cmd under /usr/bin/time; returns wall, max RSS (KiB), user/sys CPU, output, and
    how much CPU other processes used meanwhile (`other_cpu`, CPU-seconds per second)."""
    with tempfile.NamedTemporaryFile("r", suffix=".time") as stats:
        full = ["/usr/bin/time", "-o", stats.name, "-f", "%M %U %S"] + cmd
        busy0, steal0 = cpu_jiffies()
        start = time.perf_counter()
        done = subprocess.run(
            full, env=env, stdin=stdin, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True
        )
        wall = time.perf_counter() - start
        busy1, steal1 = cpu_jiffies()
        if done.returncode != 0:
            sys.stderr.write(done.stderr[-4000:])
            raise SystemExit(f"failed ({done.returncode}): {' '.join(cmd)}")
        # /usr/bin/time writes "Command exited..." lines first when the command fails.
        fields = stats.read().strip().splitlines()[-1].split()
    cpu = float(fields[1]) + float(fields[2])
    return {
        "wall": wall,
        "rss_kib": int(fields[0]),
        "cpu": cpu,
        "sys": float(fields[2]),
        "other_cpu": max(0.0, ((busy1 - busy0) / HZ - cpu) / wall),
        "steal": (steal1 - steal0) / HZ / wall,
        "stdout": done.stdout,
        "stderr": done.stderr,
    }


def kv(line_prefix, text):
    """Parses `prefix key=value ...` from the last matching line of text."""
    for line in reversed(text.splitlines()):
        if line.startswith(line_prefix):
            return dict(p.split("=", 1) for p in line.split()[1:] if "=" in p)
    raise SystemExit(f"no '{line_prefix}' line in:\n{text[-2000:]}")


def log(message):
    print(message, file=sys.stderr, flush=True)


def audio_seconds(path):
    out = subprocess.run(
        ["ffprobe", "-v", "error", "-show_entries", "format=duration", "-of", "csv=p=0", path],
        stdout=subprocess.PIPE,
        text=True,
        check=True,
    )
    return float(out.stdout.strip())


def ffmpeg_sample_count(path):
    """How many 16 kHz mono samples ffmpeg makes of a file (not timed)."""
    ffmpeg = subprocess.Popen(
        ["ffmpeg", "-nostdin", "-loglevel", "error", "-i", path, "-ar", "16000", "-ac", "1",
         "-f", "f32le", "-"],
        stdout=subprocess.PIPE,
    )
    total = 0
    while True:
        block = ffmpeg.stdout.read(1 << 20)
        if not block:
            break
        total += len(block)
    ffmpeg.wait()
    return total // 4


# ---------------------------------------------------------------- cases


class Case:
    """One thing to time; `parse` turns a run's result into a record."""

    def __init__(self, key, cmd, parse, env=None):
        self.key, self.cmd, self.parse, self.env = key, cmd, parse, env
        self.records = []

    def once(self, retries=3):
        """One clean run: waits for an idle machine first, and runs again (up to `retries`
        times) when another process used the CPUs during the run."""
        for attempt in range(retries + 1):
            wait_until_idle()
            result = run(self.cmd, env=self.env)
            record = self.parse(result)
            record.setdefault("wall", result["wall"])
            for field in ("rss_kib", "cpu", "sys", "other_cpu", "steal"):
                record[field] = result[field]
            record["clean"] = result["other_cpu"] < CLEAN_OTHER_CPU
            if record["clean"] or attempt == retries:
                break
            log(f"  {self.key}: other processes used {result['other_cpu']:.2f} CPU during the run; again")
        self.records.append(record)
        return record

    def best(self, field="wall"):
        """The fastest clean run (the fastest of all if none was clean)."""
        clean = [r for r in self.records if r["clean"]] or self.records
        return min(clean, key=lambda r: r[field])

    def all_clean(self):
        return all(r["clean"] for r in self.records)

    def peak_rss(self):
        return max(r["rss_kib"] for r in self.records)


def interleave(cases, rounds):
    for r in range(rounds):
        for case in cases:
            record = case.once()
            log(f"  round {r + 1}/{rounds} {case.key:30s} wall {record['wall']:8.3f} s"
                f"  (others {record['other_cpu']:.2f} CPU, steal {record['steal']:.2f})")


def parse_hookscribe(result):
    out = json.loads(result["stdout"])
    return {"text": out["text"], "engine": out["processing_seconds"]}


def parse_whisper_ref(result):
    stats = kv("whisper_ref ", result["stderr"])
    return {
        "text": result["stdout"].strip(),
        "engine": float(stats["total_s"]),
        "load": float(stats["load_s"]),
        "full": float(stats["full_s"]),
    }


def parse_fw(result):
    out = json.loads(result["stdout"].strip().splitlines()[-1])
    return {"text": out["text"], "engine": out["total_s"], "load": out["load_s"]}


def parse_decode(result):
    stats = kv("decode ", result["stdout"])
    return {"samples": int(stats["samples"]), "vmhwm_kib": int(stats["peak_rss_kib"])}


def parse_ffmpeg(result):
    return {}


# ---------------------------------------------------------------- report helpers


def mib(kib):
    return f"{kib / 1024:,.0f}"


def pct(x):
    return f"{100 * x:.1f}%"


def machine():
    model = platform.processor() or "unknown"
    try:
        out = subprocess.run(["lscpu"], stdout=subprocess.PIPE, text=True, check=True).stdout
        info = dict(
            (k.strip(), v.strip()) for k, v in (l.split(":", 1) for l in out.splitlines() if ":" in l)
        )
        model = info.get("Model name", model)
        flags = info.get("Flags", "").split()
        simd = [f for f in ("avx2", "avx512f", "avx512_vnni", "avx512_bf16") if f in flags]
        return f"{model}, {os.cpu_count()} logical CPUs ({info.get('Thread(s) per core', '?')} thread(s) per core), {' '.join(simd) or 'no AVX2'}"
    except (OSError, subprocess.CalledProcessError):
        return f"{model}, {os.cpu_count()} logical CPUs"


def main():
    p = argparse.ArgumentParser()
    p.add_argument("--hookscribe", required=True)
    p.add_argument("--home", required=True, help="HOOKSCRIBE_HOME with tiny.en imported")
    p.add_argument("--decode-bench", required=True)
    p.add_argument("--whisper-ref", required=True)
    p.add_argument("--ggml", required=True, help="the imported tiny.en ggml file")
    p.add_argument("--ct2", required=True, help="the CTranslate2 tiny.en folder")
    p.add_argument("--venv-python", required=True)
    p.add_argument("--speech", required=True)
    p.add_argument("--speech-ref", required=True)
    p.add_argument("--mp3", required=True)
    p.add_argument("--m4a", required=True)
    p.add_argument("--long-loops", type=int, required=True, help="speech loops in the long files")
    p.add_argument("--threads", type=int, default=2)
    p.add_argument("--rounds", type=int, default=3)
    p.add_argument("--long", action="store_true")
    p.add_argument("--out", required=True)
    a = p.parse_args()

    env = dict(os.environ, HOOKSCRIBE_HOME=a.home)
    env.pop("RUST_LOG", None)
    t = str(a.threads)
    reference = open(a.speech_ref).read()
    speech_s = audio_seconds(a.speech)

    def hookscribe(path, beam):
        return [a.hookscribe, "transcribe", path, "--model", "tiny.en", "--language", "en",
                "--threads", t, "--beam-size", str(beam), "--format", "json"]

    def fw(compute_type, beam):
        return [a.venv_python, os.path.join(HERE, "fw_transcribe.py"), a.ct2, a.speech,
                compute_type, str(beam), t]

    # ---- transcription: hookscribe vs whisper_ref, faster-whisper
    asr = [
        Case("hookscribe beam5", hookscribe(a.speech, 5), parse_hookscribe, env),
        Case("whisper_ref beam5", [a.whisper_ref, a.ggml, a.speech, t, "5"], parse_whisper_ref),
        Case("hookscribe greedy", hookscribe(a.speech, 1), parse_hookscribe, env),
        Case("whisper_ref greedy", [a.whisper_ref, a.ggml, a.speech, t, "1"], parse_whisper_ref),
        Case("faster-whisper int8 beam5", fw("int8", 5), parse_fw),
        Case("faster-whisper float32 beam5", fw("float32", 5), parse_fw),
        Case("faster-whisper float32 greedy", fw("float32", 1), parse_fw),
        Case("whisper_ref beam5 flash-attn",
             [a.whisper_ref, a.ggml, a.speech, t, "5", "--flash-attn"], parse_whisper_ref),
    ]
    by = {c.key: c for c in asr}
    log(f"==> Transcription: {speech_s:.1f} s of speech, {a.threads} threads, {a.rounds} rounds")
    interleave(asr, a.rounds)

    # ---- decoding: hookscribe::audio::Decoder vs ffmpeg
    dec = []
    for label, path in (("MP3", a.mp3), ("M4A", a.m4a)):
        dec.append(Case(f"decode {label}", [a.decode_bench, path], parse_decode))
        dec.append(Case(f"ffmpeg {label}", ["ffmpeg", "-nostdin", "-loglevel", "error", "-i", path,
                                            "-ar", "16000", "-ac", "1", "-f", "f32le", "-y", "/dev/null"],
                        parse_ffmpeg))
    dby = {c.key: c for c in dec}
    long_s = audio_seconds(a.mp3)
    log(f"==> Decoding {long_s / 60:.1f} min MP3 and M4A to 16 kHz mono, {a.rounds} rounds")
    interleave(dec, a.rounds)

    # ---- long: memory of a whole transcription of the long MP3
    long_case = None
    if a.long:
        long_case = Case("hookscribe long greedy", hookscribe(a.mp3, 1), parse_hookscribe, env)
        log(f"==> Long: hookscribe transcribe {long_s / 60:.1f} min MP3, greedy, {a.threads} threads (once)")
        interleave([long_case], 1)

    # ---- report
    lines = []
    now = datetime.datetime.now().astimezone().strftime("%Y-%m-%d %H:%M %Z")
    lines.append("# Hookscribe benchmark results\n")
    lines.append(f"- Date: {now}")
    lines.append(f"- Machine: {machine()}")
    lines.append(f"- Model: tiny.en (ggml f16 converted by `hookscribe models import`; faster-whisper reads the same CTranslate2 folder)")
    lines.append(f"- Speech: {speech_s:.1f} s of Festival (cmu_us_slt_arctic_hts) reading benches/speech.txt, {len(normalize(reference))} words")
    lines.append(f"- Threads: {a.threads}; best of {a.rounds} interleaved runs; RTF = wall / audio length")
    lines.append("")

    lines.append("## Transcription\n")
    lines.append("| system | decoding | process wall s | engine s | RTF (engine) | vs whisper_ref | peak RSS MiB | WER |")
    lines.append("|---|---|---:|---:|---:|---:|---:|---:|")
    ref5, ref1 = by["whisper_ref beam5"].best(), by["whisper_ref greedy"].best()
    ref5e = by["whisper_ref beam5"].best("engine")

    def row(case, system, decoding, ratio):
        best = case.best()
        engine = case.best("engine")["engine"]
        lines.append(
            f"| {system} | {decoding} | {best['wall']:.2f} | {engine:.2f} | {engine / speech_s:.3f} | "
            f"{ratio} | {mib(case.peak_rss())} | {pct(wer(reference, best['text']))} |"
        )

    row(by["whisper_ref beam5"], "whisper_ref (whisper.cpp)", "beam 5", "1 (base)")
    row(by["hookscribe beam5"], "hookscribe transcribe", "beam 5",
        f"{by['hookscribe beam5'].best()['wall'] / ref5['wall']:.3f}x wall")
    row(by["whisper_ref greedy"], "whisper_ref (whisper.cpp)", "greedy", "1 (base)")
    row(by["hookscribe greedy"], "hookscribe transcribe", "greedy",
        f"{by['hookscribe greedy'].best()['wall'] / ref1['wall']:.3f}x wall")
    for key, label, decoding in (
        ("faster-whisper int8 beam5", "faster-whisper int8", "beam 5"),
        ("faster-whisper float32 beam5", "faster-whisper float32", "beam 5"),
    ):
        ratio = by[key].best("engine")["engine"] / ref5e["engine"]
        row(by[key], label, decoding, f"{ratio:.3f}x engine")
    ratio = by["faster-whisper float32 greedy"].best("engine")["engine"] / by["whisper_ref greedy"].best("engine")["engine"]
    row(by["faster-whisper float32 greedy"], "faster-whisper float32", "greedy", f"{ratio:.3f}x engine")
    fa = by["whisper_ref beam5 flash-attn"]
    row(fa, "whisper_ref --flash-attn", "beam 5", f"{fa.best('engine')['engine'] / ref5e['engine']:.3f}x engine")
    lines.append("")
    # The runs of one round are minutes apart at most: a per-round ratio cancels the slow
    # drift of the machine's speed that the best-of-N of each case does not.
    for decoding, ours, theirs in (("beam 5", "hookscribe beam5", "whisper_ref beam5"),
                                   ("greedy", "hookscribe greedy", "whisper_ref greedy")):
        pairs = [h["wall"] / w["wall"] for h, w in zip(by[ours].records, by[theirs].records)
                 if h["clean"] and w["clean"]]
        if pairs:
            lines.append(f"Hookscribe / whisper_ref wall, per round ({decoding}): "
                         f"{', '.join(f'{x:.3f}' for x in pairs)}; median {statistics.median(pairs):.3f}.  ")
    same5 = by["hookscribe beam5"].best()["text"] == ref5["text"]
    same1 = by["hookscribe greedy"].best()["text"] == ref1["text"]
    lines.append(f"Hookscribe's text is {'identical to' if same5 else 'DIFFERENT from'} whisper_ref's at beam 5 "
                 f"and {'identical' if same1 else 'DIFFERENT'} at greedy. "
                 f"whisper_ref beam 5 splits into load {ref5['load']:.3f} s + whisper_full {ref5['full']:.2f} s; "
                 f"hookscribe's engine time (processing_seconds: decode + whisper, no model load) "
                 f"was {by['hookscribe beam5'].best('engine')['engine']:.2f} s.")
    lines.append("")

    lines.append(f"## Decoding a {long_s / 60:.1f}-minute file to 16 kHz mono f32\n")
    lines.append("| file | hookscribe Decoder wall s | ffmpeg wall s | ratio | Decoder CPU s | ffmpeg CPU s | Decoder peak RSS MiB | ffmpeg peak RSS MiB |")
    lines.append("|---|---:|---:|---:|---:|---:|---:|---:|")
    for label, path in (("MP3", a.mp3), ("M4A", a.m4a)):
        d, f = dby[f"decode {label}"], dby[f"ffmpeg {label}"]
        db, fb = d.best(), f.best()
        lines.append(
            f"| {label} ({os.path.getsize(path) / 1e6:.0f} MB) | {db['wall']:.2f} | {fb['wall']:.2f} | "
            f"{db['wall'] / fb['wall']:.3f}x | {d.best('cpu')['cpu']:.2f} | {f.best('cpu')['cpu']:.2f} | "
            f"{mib(d.peak_rss())} | {mib(f.peak_rss())} |"
        )
    lines.append("")
    counts = []
    for label, path in (("MP3", a.mp3), ("M4A", a.m4a)):
        ffmpeg_samples = ffmpeg_sample_count(path)
        ours = dby[f"decode {label}"].best()["samples"]
        counts.append(f"{label} {ours} (ffmpeg {ffmpeg_samples}, {ours - ffmpeg_samples:+d})")
    lines.append(f"Samples out: {'; '.join(counts)}.")
    lines.append("")

    if long_case:
        r = long_case.records[0]
        long_ref = " ".join([reference] * a.long_loops)
        lines.append("## Long recording (`--long`)\n")
        lines.append("| run | audio min | wall s | RTF | peak RSS MiB | WER |")
        lines.append("|---|---:|---:|---:|---:|---:|")
        lines.append(
            f"| hookscribe transcribe MP3, greedy, {a.threads} threads | {long_s / 60:.1f} | {r['wall']:.1f} | "
            f"{r['wall'] / long_s:.3f} | {mib(r['rss_kib'])} | {pct(wer(long_ref, r['text']))} |"
        )
        lines.append(f"\nFor scale: hookscribe on the {speech_s / 60:.1f}-minute WAV, greedy, peaked at "
                     f"{mib(by['hookscribe greedy'].peak_rss())} MiB.")
        lines.append("")

    everything = asr + dec + ([long_case] if long_case else [])
    used = [c.best() for c in everything]
    unreliable = [c.key for c in everything if not any(r["clean"] for r in c.records)]
    partly = [f"{c.key} ({sum(not r['clean'] for r in c.records)} of {len(c.records)})"
              for c in everything if not c.all_clean() and c.key not in unreliable]
    spread = [f"{c.key} {min(r['wall'] for r in c.records if r['clean']):.2f}-"
              f"{max(r['wall'] for r in c.records if r['clean']):.2f} s"
              for c in asr if sum(r["clean"] for r in c.records) > 1]
    lines.append("## Noise\n")
    lines.append(
        f"Each run waited for an idle machine and was repeated (up to 3 times) when other processes "
        f"used more than {CLEAN_OTHER_CPU} CPU during it; a case's best is taken from its clean runs. "
        f"Largest CPU use by others during a run reported above: "
        f"{max(r['other_cpu'] for r in used):.3f} CPU; largest steal: {max(r['steal'] for r in used):.3f} CPU."
    )
    if partly:
        lines.append(f"Runs kept after 3 retries although busy (left out of the best): {', '.join(partly)}.")
    if unreliable:
        lines.append(f"**No clean run at all (numbers unreliable): {', '.join(unreliable)}.**")
    lines.append(f"Spread of clean runs (min-max wall): {'; '.join(spread)}.")
    lines.append("")

    text = "\n".join(lines) + "\n"
    with open(a.out, "w") as f:
        f.write(text)
    # Keep every run's raw numbers and texts next to the audio for a closer look.
    raw = {c.key: c.records for c in asr + dec + ([long_case] if long_case else [])}
    with open(os.path.join(os.path.dirname(os.path.abspath(a.speech)), "raw-results.json"), "w") as f:
        json.dump(raw, f, indent=1)
    print(text)


if __name__ == "__main__":
    main()
