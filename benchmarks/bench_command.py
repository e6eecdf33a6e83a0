"""How fast the standalone command is on the corpus, against the floor and against flake8 (issue 12's goals).

Figures, each the median of --repeat runs of a whole process (start-up included), run in turn:

* floor: one process that reads every file, applies the plugin's screen and `ast.parse`s what passes;
* `check --jobs 1`, and `check` with its default number of jobs (the CPUs);
* `flake8 --select=KA -j2`, from the same environment;
* one small file, cold: `check` on a 3-line Keras file, median of --latency-runs runs.

Goals: jobs 1 <= 1.5x the floor; default jobs <= 0.10x flake8 -j2; the small file < 100 ms.
It also checks that --jobs 1 and the default give the same output.

    .venv/bin/python benchmarks/bench_command.py [--repeat 3] [--latency-runs 21] [--quick]
"""

from __future__ import annotations

import argparse
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
import corpus  # noqa: E402  (the sibling module)

COMMAND = str(Path(sys.executable).with_name("flake8-keras-activation"))
FLOOR = """\
import ast, sys
from flake8_keras_activation.screen import may_hold_finding
for path in open(sys.argv[1], encoding="utf-8").read().split("\\n"):
    with open(path, "rb") as stream:
        text = stream.read().decode("utf-8")
    if may_hold_finding(text):
        ast.parse(text)
"""
SMALL = "import keras\nmodel = keras.Sequential([keras.layers.Dense(8), keras.layers.Dense(1)])\n"


def timed(cmd: list[str], cwd: str) -> tuple[float, str]:
    start = time.perf_counter()
    result = subprocess.run(cmd, cwd=cwd, capture_output=True, text=True, check=False)
    elapsed = time.perf_counter() - start
    if result.returncode not in (0, 1):
        sys.exit(f"{' '.join(cmd[:3])}... failed ({result.returncode}): {result.stderr[-2000:]}")
    return elapsed, result.stdout


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--latency-runs", type=int, default=21)
    parser.add_argument("--quick", action="store_true", help="one run each, and no flake8 run")
    args = parser.parse_args(argv)
    repeat = 1 if args.quick else args.repeat
    roots = [str(root) for root in corpus.corpus_roots(verbose=False)]
    files = [str(path) for path in corpus.corpus_files()]
    work = tempfile.mkdtemp(prefix="ka-bench-")  # an empty directory: no configuration is found
    listing = os.path.join(work, "files.txt")
    Path(listing).write_text("\n".join(files), encoding="utf-8")
    small = os.path.join(work, "small.py")
    Path(small).write_text(SMALL, encoding="utf-8")

    runs: dict[str, list[float]] = {"floor": [], "check --jobs 1": [], "check": [], "flake8 --select=KA -j2": []}
    outputs: dict[str, str] = {}
    commands = {
        "floor": [sys.executable, "-c", FLOOR, listing],
        "check --jobs 1": [COMMAND, "check", "--isolated", "--jobs", "1", *roots],
        "check": [COMMAND, "check", "--isolated", *roots],
        "flake8 --select=KA -j2": [sys.executable, "-m", "flake8", "--isolated", "--select=KA", "-j2", *roots],
    }
    if args.quick:
        del commands["flake8 --select=KA -j2"], runs["flake8 --select=KA -j2"]
    for _ in range(repeat):
        for name, cmd in commands.items():
            elapsed, out = timed(cmd, work)
            runs[name].append(elapsed)
            outputs[name] = out
    latency = [timed([COMMAND, "check", "--isolated", small], work)[0] for _ in range(args.latency_runs)]

    median = {name: statistics.median(values) for name, values in runs.items()}
    print(f"corpus: {len(files)} files; load average {os.getloadavg()[0]:.2f}; {os.cpu_count()} CPUs")
    for name, value in median.items():
        print(f"  {name:<24} {value:7.2f} s   (runs: {', '.join(f'{v:.2f}' for v in runs[name])})")
    ratio_one = median["check --jobs 1"] / median["floor"]
    print(f"check --jobs 1 / floor: {ratio_one:.2f}   goal <= 1.5")
    if "flake8 --select=KA -j2" in median:
        ratio_flake8 = median["check"] / median["flake8 --select=KA -j2"]
        print(f"check / flake8 -j2:     {ratio_flake8:.3f}  goal <= 0.10")
    print(f"one small file, cold:   {statistics.median(latency) * 1000:.0f} ms (median of {len(latency)})  goal < 100")
    same = outputs["check --jobs 1"] == outputs["check"]
    print(f"--jobs 1 and default give the same output: {'yes' if same else 'NO'}")
    return 0 if same else 1


if __name__ == "__main__":
    raise SystemExit(main())
