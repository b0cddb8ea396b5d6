"""Does the queue finish a batch sooner with two jobs side by side? For benches/concurrency.sh.

    concurrency.py --hookscribe BIN --models DIR --wav SPEECH.wav [--batch 4x60]...
                   [--levels 1,2] [--rounds 3] [--out RESULTS.md]

Each run is what a user does: a fresh data folder (the models linked in), `hookscribe
config set concurrency N`, `hookscribe jobs add` of a batch, then `hookscribe run` until
every job has finished. A batch FILESxSECONDS is FILES recordings, each the first SECONDS
of SPEECH.wav with one sample changed per file and round, so no transcript is reused as a
duplicate (default: 4x60, short recordings, and 2x300, long enough for two lanes). The batch
time is the first job's start to the last job's end (the jobs' own timestamps); CPU time is
that of `hookscribe run` and its worker processes (user + system). Levels are interleaved,
in turn order reversed every round; the median round is reported with the ratio to one
job at a time.
"""

import argparse
import json
import os
import shutil
import signal
import statistics
import subprocess
import tempfile
import time
import wave

import measure

POLL_S = 1.0
FINISHED = ("completed", "failed", "cancelled")


def make_inputs(wav, seconds, files, round_no, out_dir):
    """FILES distinct WAVs: the first SECONDS of WAV, one sample changed in each."""
    with wave.open(wav, "rb") as src:
        params = src.getparams()
        frames = src.readframes(int(seconds * params.framerate))
    paths = []
    for i in range(files):
        data = bytearray(frames)
        data[0] = (data[0] + 1 + i + files * round_no) % 256
        path = os.path.join(out_dir, f"r{round_no}-file{i}.wav")
        with wave.open(path, "wb") as dst:
            dst.setparams(params)
            dst.writeframes(bytes(data))
        paths.append(path)
    return paths


def cli(binary, env, *args):
    done = subprocess.run([binary, *args], env=env, stdout=subprocess.PIPE,
                          stderr=subprocess.PIPE, text=True)
    if done.returncode != 0:
        raise SystemExit(f"hookscribe {' '.join(args)} failed: {done.stderr.strip()}")
    return done.stdout


def jobs(binary, env):
    return json.loads(cli(binary, env, "jobs", "list", "--json", "--limit", "1000"))["items"]


def one_run(a, level, inputs):
    """One batch at one concurrency level: batch seconds, CPU seconds, transcripts by file."""
    home = tempfile.mkdtemp(prefix="concurrency.", dir=a.work)
    try:
        os.symlink(a.models, os.path.join(home, "models"))
        env = dict(os.environ, HOOKSCRIBE_HOME=home, RUST_LOG="warn")
        cli(a.hookscribe, env, "config", "set", "concurrency", str(level))
        cli(a.hookscribe, env, "jobs", "add", *inputs, "--language", "en")
        measure.wait_until_idle()
        run = subprocess.Popen([a.hookscribe, "run"], env=env, stdout=subprocess.DEVNULL,
                               stderr=subprocess.DEVNULL)
        while True:
            time.sleep(POLL_S)
            items = jobs(a.hookscribe, env)
            if all(j["status"] in FINISHED for j in items):
                break
            if run.poll() is not None:
                raise SystemExit(f"hookscribe run exited with {run.returncode} mid-batch")
        run.send_signal(signal.SIGINT)
        _, status, usage = os.wait4(run.pid, 0)
        if os.waitstatus_to_exitcode(status) != 0:
            raise SystemExit(f"hookscribe run exited with {os.waitstatus_to_exitcode(status)}")
        failed = [j for j in items if j["status"] != "completed"]
        if failed:
            raise SystemExit(f"jobs did not complete: {[(j['file_name'], j['error']) for j in failed]}")
        batch_s = (max(j["finished_at"] for j in items) - min(j["started_at"] for j in items)) / 1000
        texts = {j["file_name"]: cli(a.hookscribe, env, "jobs", "export", str(j["id"]),
                                     "--format", "txt") for j in items}
        return {"batch": batch_s, "cpu": usage.ru_utime + usage.ru_stime, "texts": texts}
    finally:
        shutil.rmtree(home, ignore_errors=True)


def main():
    p = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    p.add_argument("--hookscribe", required=True)
    p.add_argument("--models", required=True, help="a data folder's models/ (default model and VAD)")
    p.add_argument("--wav", required=True)
    p.add_argument("--work", default=tempfile.gettempdir())
    p.add_argument("--batch", action="append", help="FILESxSECONDS (repeatable)")
    p.add_argument("--levels", default="1,2")
    p.add_argument("--rounds", type=int, default=3)
    p.add_argument("--out")
    a = p.parse_args()
    levels = [int(x) for x in a.levels.split(",")]
    batches = [tuple(float(x) for x in b.split("x")) for b in (a.batch or ["4x60", "2x300"])]

    lines = [
        "# Jobs side by side (benches/concurrency.sh)",
        "",
        f"- Date: {time.strftime('%Y-%m-%d %H:%M UTC', time.gmtime())}",
        f"- Machine: {measure.machine()}; physical cores (Hookscribe's thread budget): "
        f"{physical_cores()}",
        "- Each batch is queued with `hookscribe jobs add` and worked by `hookscribe run` "
        f"(default model, beam 5, VAD) at each concurrency level; {a.rounds} interleaved rounds",
        "- Batch time: first job's start to last job's end; CPU: `hookscribe run` and its "
        "workers, user + system; median of the rounds, ratios to the median at "
        f"concurrency {levels[0]}",
    ]
    for files, seconds in batches:
        lines += ["", *batch_table(a, levels, int(files), seconds)]
    text = "\n".join(lines) + "\n"
    print(text)
    if a.out:
        with open(a.out, "w") as f:
            f.write(text)


def batch_table(a, levels, files, seconds):
    """Runs one batch shape at every level, round by round; its results as Markdown lines."""
    runs = {level: [] for level in levels}
    inputs_dir = tempfile.mkdtemp(prefix="concurrency-inputs.", dir=a.work)
    try:
        for r in range(a.rounds):
            inputs = make_inputs(a.wav, seconds, files, r, inputs_dir)
            for level in (levels if r % 2 == 0 else levels[::-1]):
                result = one_run(a, level, inputs)
                runs[level].append(result)
                measure.log(f"{files} x {seconds:.0f} s, round {r + 1}, concurrency {level}: "
                            f"batch {result['batch']:.2f} s, CPU {result['cpu']:.2f} s")
    finally:
        shutil.rmtree(inputs_dir, ignore_errors=True)

    base = levels[0]
    # A window long enough for two lanes is split only when its job has two threads or
    # more, so its words may differ with the level; short recordings must not.
    same = all(
        [sorted(x["texts"].values()) for x in runs[level]] ==
        [sorted(x["texts"].values()) for x in runs[base]]
        for level in levels
    )
    lines = [
        f"## {files} recordings of {seconds:.0f} s of speech",
        "",
        f"Transcripts: {'the same at every level' if same else 'not the same at every level'}.",
        "",
        "| concurrency | batch s (rounds) | batch ratio | CPU s | CPU ratio |",
        "|---:|---|---:|---:|---:|",
    ]
    base_batch = statistics.median(x["batch"] for x in runs[base])
    base_cpu = statistics.median(x["cpu"] for x in runs[base])
    for level in levels:
        batch = statistics.median(x["batch"] for x in runs[level])
        cpu = statistics.median(x["cpu"] for x in runs[level])
        each = ", ".join(f"{x['batch']:.2f}" for x in runs[level])
        lines.append(f"| {level} | {batch:.2f} ({each}) | {batch / base_batch:.2f}x | "
                     f"{cpu:.2f} | {cpu / base_cpu:.2f}x |")
    return lines


def physical_cores():
    """Distinct (core, socket) pairs, as `num_cpus::get_physical` counts them for the
    queue's thread budget."""
    try:
        out = subprocess.run(["lscpu", "-p=Core,Socket"], stdout=subprocess.PIPE,
                             stderr=subprocess.DEVNULL, text=True, check=True).stdout
    except (OSError, subprocess.CalledProcessError):
        return "?"
    return len({line for line in out.splitlines() if line and not line.startswith("#")})


if __name__ == "__main__":
    main()
