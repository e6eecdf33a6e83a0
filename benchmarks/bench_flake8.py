"""How much flake8-keras-activation adds to a flake8 run: corpus time, peak memory, latency.

    python benchmarks/bench_flake8.py [--repeat N] [--jobs 1,2] [--quick]

Compares, in one run:

* plain flake8: the same flake8 (and pycodestyle, pyflakes, mccabe) versions as this
  environment, in a baseline virtualenv without the plugin, made once under the cache dir;
* flake8 + plugin: ``sys.executable -m flake8`` in this environment, where the plugin is
  installed.

Both run with flake8's default checks (no ``--select``), ``--isolated`` and ``--exit-zero``.
Figures: median wall time and peak RSS on the real-code corpus (see corpus.py) at each
``--jobs``; single-file latency of a whole flake8 process on the two files in samples/;
the plugin's own time in-process (warm, and cold in a fresh process); and a check that the
plugin does not import TensorFlow, Keras or libcst.  See README.md for the goals.
"""

from __future__ import annotations

import argparse
import ast
import importlib.metadata
import json
import logging
import os
import signal
import statistics
import subprocess
import sys
import tempfile
import textwrap
import re
import threading
import time
import tokenize
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))

import corpus  # noqa: E402  (the sibling module)

PLUGIN_DIST = "flake8-keras-activation"
_OUR_CODE = re.compile(r":\d+:\d+: KA\d{3} ")  # a finding of ours in flake8's default format
SAMPLES = {
    "Keras training script": HERE / "samples" / "keras_training_script.py",
    "module without Keras": HERE / "samples" / "no_keras_module.py",
}
GOAL_RATIO, STRETCH_RATIO = 1.10, 1.05
GOAL_PEAK_RATIO = 1.20
GOAL_KERAS_MS, GOAL_PLAIN_MS = 20.0, 2.0
RUN_TIMEOUT_S = 3600
SCAN_FILE_TIMEOUT_S = 30
SLOW_FILE_MS = 100.0
FLAKE8_ARGS = ["--isolated", "--exit-zero"]

# ru_maxrss is in KiB on Linux and in bytes on macOS.
_MAXRSS_TO_MIB = 1 / (1024 * 1024) if sys.platform == "darwin" else 1 / 1024

# Runs `python -m flake8 ARGS` inside this process and, at exit, writes its peak RSS.
# Why a wrapper: with --jobs > 1 flake8 forks worker processes.  The rusage that os.wait4
# gives for the flake8 process covers it and the workers it waited for, as one maximum.
# Running flake8 in-process here lets us split the two: RUSAGE_SELF is flake8's main
# process; RUSAGE_CHILDREN covers the workers, which flake8's pool joins before exit, so
# its ru_maxrss is the largest worker's peak (0 when flake8 runs serially).  The atexit
# hook runs after multiprocessing's own exit handler; forked workers leave via os._exit
# and never run it.
_WRAPPER = textwrap.dedent(
    """
    import atexit, json, resource, runpy, sys
    _out = sys.argv[1]
    def _report():
        with open(_out, "w") as fh:
            json.dump({
                "main": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss,
                "workers": resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss,
            }, fh)
    atexit.register(_report)
    sys.argv = ["flake8"] + sys.argv[2:]
    runpy.run_module("flake8", run_name="__main__", alter_sys=True)
    """
)


# --------------------------------------------------------------------------- environments

_neutral: list[tempfile.TemporaryDirectory] = []


def child_env() -> dict[str, str]:
    """The environment of every measured process: bytecode cached as in a normal install.

    With PYTHONDONTWRITEBYTECODE set (as on some CI machines) the plugin, installed in
    editable mode, would be compiled from source in every process while flake8's own
    modules have .pyc files from pip; that is not what a user's editor runs.  So the caches
    go to one tree under the cache dir (PYTHONPYCACHEPREFIX, used by both configurations
    alike), which also keeps them out of the repository.
    """
    env = dict(os.environ)
    env.pop("PYTHONDONTWRITEBYTECODE", None)
    env["PYTHONPYCACHEPREFIX"] = str(corpus.cache_dir() / "pycache")
    return env


def _run(cmd: list[str], **kwargs) -> subprocess.CompletedProcess:
    """subprocess.run from an empty directory.  Never from the repository: `python -m` and
    `-c` put the working directory on sys.path, and the repository's egg-info there would
    register the plugin with the plain flake8 too."""
    if not _neutral:
        _neutral.append(tempfile.TemporaryDirectory(prefix="ka-bench-cwd-"))
    return subprocess.run(cmd, cwd=_neutral[0].name, env=child_env(), **kwargs)


@dataclass
class Env:
    label: str
    python: str

    def flake8_cmd(self, *args: str) -> list[str]:
        return [self.python, "-m", "flake8", *args]


def _versions() -> dict[str, str]:
    pins = {}
    for dist in ("flake8", "pycodestyle", "pyflakes", "mccabe"):
        try:
            pins[dist] = importlib.metadata.version(dist)
        except importlib.metadata.PackageNotFoundError:
            if dist == "flake8":
                raise SystemExit("flake8 is not installed in this environment")
    return pins


def _venv_python(venv: Path) -> Path:
    if os.name == "nt":
        return venv / "Scripts" / "python.exe"
    return venv / "bin" / "python"


def flake8_version_line(env: Env) -> str:
    out = _run(env.flake8_cmd("--version"), capture_output=True, text=True, check=True)
    return " ".join(out.stdout.split())


def plugin_env() -> Env:
    env = Env("flake8 + plugin", sys.executable)
    line = flake8_version_line(env)
    if PLUGIN_DIST not in line:
        raise SystemExit(
            f"error: {PLUGIN_DIST} is not registered with flake8 in {sys.executable}\n"
            f"  flake8 --version: {line}\n  install it first: pip install -e ."
        )
    return env


def baseline_env(pins: dict[str, str]) -> Env:
    """A cached virtualenv holding the same flake8 and checkers, without the plugin."""
    py = f"py{sys.version_info.major}.{sys.version_info.minor}"
    venv = corpus.cache_dir() / "venvs" / f"plain-flake8-{pins['flake8']}-{py}"
    python = _venv_python(venv)
    marker = venv / "bench-ready.json"
    wanted = json.dumps(pins, sort_keys=True)
    if not (marker.is_file() and marker.read_text() == wanted and python.exists()):
        print(f"creating the plain-flake8 virtualenv in {venv} ...", file=sys.stderr, flush=True)
        _run([sys.executable, "-m", "venv", "--clear", str(venv)], check=True)
        pip = [str(python), "-m", "pip", "install", "-q", "--disable-pip-version-check"]
        reqs = [f"{name}=={ver}" for name, ver in pins.items()]
        if _run(pip + reqs).returncode != 0:
            print("pinned install failed; installing flake8 alone", file=sys.stderr)
            _run(pip + [f"flake8=={pins['flake8']}"], check=True)
        marker.write_text(wanted)
    env = Env("plain flake8", str(python))
    line = flake8_version_line(env)
    if PLUGIN_DIST in line:
        raise SystemExit(f"error: the baseline environment {venv} has the plugin: {line}")
    return env


def entry_point_scan_ms(env: Env, runs: int = 5) -> float:
    """Time of the distribution scan flake8 does at start; it grows with the environment."""
    code = (
        "import time, importlib.metadata as m\n"
        "t = time.perf_counter()\n"
        "for d in m.distributions(): d.entry_points\n"
        "print((time.perf_counter() - t) * 1000)"
    )
    times = []
    for _ in range(runs):
        out = _run([env.python, "-c", code], capture_output=True, text=True, check=True)
        times.append(float(out.stdout))
    return statistics.median(times)


def distribution_count(env: Env) -> int:
    code = "import importlib.metadata as m; print(len(list(m.distributions())))"
    out = _run([env.python, "-c", code], capture_output=True, text=True, check=True)
    return int(out.stdout)


# --------------------------------------------------------------------------- one flake8 run


@dataclass
class RunResult:
    seconds: float
    cpu_s: float  # user + system of flake8 and its joined workers (less sensitive to load)
    main_mib: float
    workers_mib: float
    wait4_mib: float
    returncode: int
    stdout: Path
    stderr: Path

    @property
    def peak_mib(self) -> float:
        return max(self.main_mib, self.workers_mib)


def run_flake8(env: Env, args: list[str], workdir: Path, tag: str) -> RunResult:
    stdout, stderr, usage = (workdir / f"{tag}.{kind}" for kind in ("out", "err", "rusage"))
    cmd = [env.python, "-c", _WRAPPER, str(usage), *args]
    with open(stdout, "wb") as out, open(stderr, "wb") as err:
        start = time.perf_counter()
        proc = subprocess.Popen(cmd, stdout=out, stderr=err, cwd=workdir, env=child_env())
        timer = threading.Timer(RUN_TIMEOUT_S, proc.kill)
        timer.start()
        try:
            _, status, rusage = os.wait4(proc.pid, 0)
        finally:
            timer.cancel()
        seconds = time.perf_counter() - start
    proc.returncode = os.waitstatus_to_exitcode(status)
    try:
        peaks = json.loads(usage.read_text())
    except (OSError, ValueError):
        peaks = {"main": 0, "workers": 0}
    return RunResult(
        seconds=seconds,
        cpu_s=rusage.ru_utime + rusage.ru_stime,
        main_mib=peaks["main"] * _MAXRSS_TO_MIB,
        workers_mib=peaks["workers"] * _MAXRSS_TO_MIB,
        wait4_mib=rusage.ru_maxrss * _MAXRSS_TO_MIB,
        returncode=proc.returncode,
        stdout=stdout,
        stderr=stderr,
    )


def check_ok(result: RunResult, what: str) -> None:
    if result.returncode != 0:
        tail = result.stderr.read_text(errors="replace").strip().splitlines()[-15:]
        raise SystemExit(f"error: {what} exited with {result.returncode}:\n" + "\n".join(tail))


def _order(i: int, a, b):
    """A B, then B A, ...: interleaved and counterbalanced against drift."""
    return (a, b) if i % 2 == 0 else (b, a)


# --------------------------------------------------------------------------- corpus timing


@dataclass
class CorpusFigures:
    jobs: int
    runs: dict[str, list[RunResult]] = field(default_factory=dict)

    def median_s(self, label: str) -> float:
        return statistics.median(r.seconds for r in self.runs[label])

    def median_cpu(self, label: str) -> float:
        return statistics.median(r.cpu_s for r in self.runs[label])

    def paired_ratio(self, base: str, other: str) -> float:
        pairs = zip(self.runs[base], self.runs[other])
        return statistics.median(b.seconds / a.seconds for a, b in pairs)

    def peak(self, label: str, attr: str = "peak_mib") -> float:
        return max(getattr(r, attr) for r in self.runs[label])


def warm_page_cache(paths: list[Path]) -> None:
    for path in paths:
        with open(path, "rb") as fh:
            while fh.read(1 << 20):
                pass


def bench_corpus(plain: Env, plugin: Env, targets: list[str], jobs_list: list[int],
                 repeat: int, workdir: Path) -> tuple[list[CorpusFigures], dict]:
    figures = []
    info: dict = {}
    for jobs in jobs_list:
        fig = CorpusFigures(jobs, {plain.label: [], plugin.label: []})
        args = [*FLAKE8_ARGS, f"--jobs={jobs}", *targets]
        for i in range(repeat):
            for env in _order(i, plain, plugin):
                tag = f"j{jobs}-r{i}-{'plugin' if env is plugin else 'plain'}"
                print(f"  {env.label:16} -j{jobs} run {i + 1}/{repeat} ...", end="",
                      file=sys.stderr, flush=True)
                result = run_flake8(env, args, workdir, tag)
                print(f" {result.seconds:7.2f} s", file=sys.stderr, flush=True)
                check_ok(result, f"{env.label} -j{jobs}")
                if abs(result.wait4_mib - result.peak_mib) > 0.02 * result.peak_mib:
                    print(f"  note: os.wait4 peak {result.wait4_mib:.1f} MiB differs from the "
                          f"wrapper's {result.peak_mib:.1f} MiB", file=sys.stderr)
                fig.runs[env.label].append(result)
        figures.append(fig)
        if "ka_lines" not in info:
            plugin_lines = fig.runs[plugin.label][0].stdout.read_text(errors="replace").splitlines()
            plain_lines = fig.runs[plain.label][0].stdout.read_text(errors="replace").splitlines()
            ka = [line for line in plugin_lines if _OUR_CODE.search(line)]
            rest = Counter(line for line in plugin_lines if not _OUR_CODE.search(line))
            info["ka_lines"] = ka
            info["plain_findings"] = len(plain_lines)
            info["other_findings_identical"] = rest == Counter(plain_lines)
    return figures, info


# --------------------------------------------------------------------------- in-process


def read_lines(path: Path) -> list[str]:
    with tokenize.open(path) as fh:  # decodes as flake8 does (coding cookie, BOM)
        return fh.readlines()


def plugin_source_stamp() -> tuple[int, float]:
    """(number of files, newest mtime) of the plugin's package, to notice edits mid-run."""
    import flake8_keras_activation

    files = list(Path(flake8_keras_activation.__file__).parent.rglob("*.py"))
    return len(files), max((f.stat().st_mtime for f in files), default=0.0)


def checker_class():
    from flake8_keras_activation.plugin import KerasActivationChecker

    return KerasActivationChecker


class _ScanTimeout(Exception):
    pass


def _alarm(signum, frame):
    raise _ScanTimeout()


class _Collect(logging.Handler):
    """Catches the plugin's 'analysis failed' records: the plugin swallows its exceptions."""

    def __init__(self) -> None:
        super().__init__(logging.DEBUG)
        self.records: list[logging.LogRecord] = []

    def emit(self, record: logging.LogRecord) -> None:
        if record.exc_info:
            self.records.append(record)


def scan_corpus(files: list[Path]) -> dict:
    """Runs the checker once on every file in-process: time per file, crashes, timeouts."""
    checker = checker_class()
    logger = logging.getLogger("flake8_keras_activation")
    handler = _Collect()
    old_level, old_propagate = logger.level, logger.propagate
    logger.addHandler(handler)
    logger.setLevel(logging.DEBUG)
    logger.propagate = False
    use_alarm = hasattr(signal, "setitimer")
    if use_alarm:
        old_handler = signal.signal(signal.SIGALRM, _alarm)
    times: list[tuple[float, Path]] = []
    unparsable, crashes, timeouts, findings = [], [], [], Counter()
    try:
        for path in files:
            try:
                lines = read_lines(path)
                tree = ast.parse("".join(lines))
            except (SyntaxError, UnicodeDecodeError, ValueError):
                unparsable.append(path)
                continue
            before = len(handler.records)
            if use_alarm:
                signal.setitimer(signal.ITIMER_REAL, SCAN_FILE_TIMEOUT_S)
            start = time.perf_counter()
            try:
                for _, _, text, _ in checker(tree, lines).run():
                    findings[text.split()[0]] += 1
            except _ScanTimeout:
                timeouts.append(path)
                continue
            except Exception as exc:  # the plugin promises never to raise
                crashes.append((path, f"raised {type(exc).__name__}: {exc}"))
            finally:
                if use_alarm:
                    signal.setitimer(signal.ITIMER_REAL, 0)
            times.append(((time.perf_counter() - start) * 1000, path))
            for record in handler.records[before:]:
                exc = record.exc_info[1]
                crashes.append((path, f"swallowed {type(exc).__name__}: {exc}"))
    finally:
        logger.removeHandler(handler)
        logger.setLevel(old_level)
        logger.propagate = old_propagate
        if use_alarm:
            signal.signal(signal.SIGALRM, old_handler)
    times.sort(key=lambda item: -item[0])
    return {
        "files": len(files),
        "analyzed": len(times),
        "total_ms": sum(t for t, _ in times),
        "slowest": times[:5],
        "slow": [(t, p) for t, p in times if t > SLOW_FILE_MS],
        "unparsable": unparsable,
        "crashes": crashes,
        "timeouts": timeouts,
        "findings": findings,
    }


def warm_checker_ms(path: Path, runs: int, warmup: int = 20) -> float:
    checker = checker_class()
    lines = read_lines(path)
    tree = ast.parse("".join(lines))
    for _ in range(warmup):
        list(checker(tree, lines).run())
    times = []
    for _ in range(runs):
        start = time.perf_counter_ns()
        list(checker(tree, lines).run())
        times.append((time.perf_counter_ns() - start) / 1e6)
    return statistics.median(times)


# In a fresh process: load what a flake8 process has loaded before it loads its plugins,
# then time importing the plugin module and its first run on the file.
_COLD = textwrap.dedent(
    """
    import ast, json, sys, time, tokenize
    import flake8.checker, pycodestyle, pyflakes.checker
    path = sys.argv[1]
    with tokenize.open(path) as fh:
        lines = fh.readlines()
    tree = ast.parse("".join(lines))
    t0 = time.perf_counter()
    from flake8_keras_activation.plugin import KerasActivationChecker
    t1 = time.perf_counter()
    found = list(KerasActivationChecker(tree, lines).run())
    t2 = time.perf_counter()
    heavy = {
        name: any(m == name or m.startswith(name + ".") for m in sys.modules)
        for name in ("tensorflow", "keras", "libcst")
    }
    print(json.dumps({"import_ms": (t1 - t0) * 1000, "first_run_ms": (t2 - t1) * 1000,
                      "findings": len(found), "heavy": heavy}))
    """
)


def cold_checker(path: Path, runs: int) -> dict:
    results = []
    _run([sys.executable, "-c", _COLD, str(path)], capture_output=True, check=True)  # warm-up
    for _ in range(runs):
        out = _run([sys.executable, "-c", _COLD, str(path)], capture_output=True, text=True,
                   check=True)
        results.append(json.loads(out.stdout))
    return {
        "import_ms": statistics.median(r["import_ms"] for r in results),
        "first_run_ms": statistics.median(r["first_run_ms"] for r in results),
        "total_ms": statistics.median(r["import_ms"] + r["first_run_ms"] for r in results),
        "heavy": {k: any(r["heavy"][k] for r in results) for k in results[0]["heavy"]},
        "findings": results[0]["findings"],
    }


# --------------------------------------------------------------------------- latency


def process_latency(plain: Env, plugin: Env, path: Path, runs: int) -> dict[str, list[float]]:
    times: dict[str, list[float]] = {plain.label: [], plugin.label: []}
    cmd_args = [*FLAKE8_ARGS, str(path)]
    for env in (plain, plugin):  # warm-up, untimed
        _run(env.flake8_cmd(*cmd_args), stdout=subprocess.DEVNULL, check=True)
    for i in range(runs):
        for env in _order(i, plain, plugin):
            start = time.perf_counter()
            _run(env.flake8_cmd(*cmd_args), stdout=subprocess.DEVNULL, check=True)
            times[env.label].append((time.perf_counter() - start) * 1000)
    return times


def _iqr(values: list[float]) -> float:
    if len(values) < 4:
        return max(values) - min(values)
    q = statistics.quantiles(values, n=4)
    return q[2] - q[0]


# --------------------------------------------------------------------------- report


def _load() -> str:
    try:
        return " ".join(f"{x:.2f}" for x in os.getloadavg())
    except (AttributeError, OSError):
        return "n/a"


def verdict(ok: bool) -> str:
    return "PASS" if ok else "FAIL"


def print_corpus_table(figures: list[CorpusFigures], plain: Env, plugin: Env) -> list[str]:
    """Two tables, time then memory; returns the goal lines."""
    goals = []
    header = (f"{'config':16} {'jobs':>4} {'median s':>9} {'min s':>8} {'max s':>8} "
              f"{'ratio':>6} {'paired':>7} {'cpu s':>8} {'cpu ratio':>9}")
    print(header)
    print("-" * len(header))
    for fig in figures:
        base_s, base_cpu = fig.median_s(plain.label), fig.median_cpu(plain.label)
        for env in (plain, plugin):
            runs = fig.runs[env.label]
            med, cpu = fig.median_s(env.label), fig.median_cpu(env.label)
            if env is plugin:
                ratios = f"{med / base_s:6.3f} {fig.paired_ratio(plain.label, plugin.label):7.3f}"
                cpu_ratio = f"{cpu / base_cpu:9.3f}"
            else:
                ratios, cpu_ratio = f"{'-':>6} {'-':>7}", f"{'-':>9}"
            print(f"{env.label:16} {fig.jobs:>4} {med:9.2f} {min(r.seconds for r in runs):8.2f} "
                  f"{max(r.seconds for r in runs):8.2f} {ratios} {cpu:8.2f} {cpu_ratio}")
    print("ratio = median plugin / median plain wall time; paired = median of the ratios of "
          "the runs made side by side;")
    print("cpu = user + system time of flake8 and its workers (median), which other load on "
          "the machine disturbs less")
    print()
    header = (f"{'config':16} {'jobs':>4} {'main MiB':>9} {'worker MiB':>10} {'peak MiB':>9} "
              f"{'peak ratio':>10}")
    print(header)
    print("-" * len(header))
    for fig in figures:
        base_peak = fig.peak(plain.label)
        for env in (plain, plugin):
            peak, workers = fig.peak(env.label), fig.peak(env.label, "workers_mib")
            pratio = f"{peak / base_peak:10.3f}" if env is plugin else f"{'-':>10}"
            print(f"{env.label:16} {fig.jobs:>4} {fig.peak(env.label, 'main_mib'):9.1f} "
                  f"{(f'{workers:10.1f}' if workers else f'{chr(45):>10}')} {peak:9.1f} {pratio}")
    print("highest over the runs; main = flake8's main process, worker = its largest --jobs "
          "worker, peak = the larger")
    for fig in figures:
        ratio = fig.median_s(plugin.label) / fig.median_s(plain.label)
        cpu_ratio = fig.median_cpu(plugin.label) / fig.median_cpu(plain.label)
        pratio = fig.peak(plugin.label) / fig.peak(plain.label)
        goals.append(f"corpus time ratio -j{fig.jobs}: {ratio:.3f} (cpu {cpu_ratio:.3f})  goal <= "
                     f"{GOAL_RATIO:.2f}: {verdict(ratio <= GOAL_RATIO)}; stretch <= "
                     f"{STRETCH_RATIO:.2f}: {verdict(ratio <= STRETCH_RATIO)}")
        goals.append(f"corpus peak-memory ratio -j{fig.jobs}: {pratio:.3f}  goal <= "
                     f"{GOAL_PEAK_RATIO:.2f}: {verdict(pratio <= GOAL_PEAK_RATIO)}")
    return goals


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeat", type=int, default=3, help="corpus runs per configuration")
    parser.add_argument("--jobs", default="1,2", help="comma-separated flake8 --jobs values")
    parser.add_argument("--quick", action="store_true",
                        help="smoke test: every 10th corpus file, fewer latency runs")
    parser.add_argument("--latency-runs", type=int, default=None,
                        help="flake8 processes per configuration and sample (default 15)")
    parser.add_argument("--inprocess-runs", type=int, default=None,
                        help="warm in-process checker runs per sample (default 200)")
    args = parser.parse_args(argv)
    jobs_list = [int(j) for j in args.jobs.split(",") if j.strip()]
    latency_runs = args.latency_runs or (5 if args.quick else 15)
    inprocess_runs = args.inprocess_runs or (50 if args.quick else 200)
    cold_runs = 3 if args.quick else 7
    if args.repeat < 1 or not jobs_list or min(jobs_list) < 1:
        parser.error("--repeat and --jobs must be positive")

    pins = _versions()
    stamp = plugin_source_stamp()
    plugin = plugin_env()
    plain = baseline_env(pins)
    files = corpus.corpus_files()
    roots = corpus.corpus_roots(verbose=False)
    if args.quick:
        files = files[::10]
        targets = [str(p) for p in files]
    else:
        targets = [str(p) for p in roots]

    print(f"python        {sys.version.split()[0]} on {sys.platform}, {os.cpu_count()} CPUs, "
          f"load average at start {_load()}")
    print(f"plain flake8  {plain.python}\n              {flake8_version_line(plain)}")
    print(f"with plugin   {plugin.python}\n              {flake8_version_line(plugin)}")
    print(f"corpus        {len(files)} .py files"
          f"{' (quick: every 10th file)' if args.quick else ''} under {corpus.cache_dir()}")
    for name, version in corpus.PACKAGES:
        print(f"              {name}=={version}")
    print(f"flake8 args   {' '.join(FLAKE8_ARGS)} --jobs=N (default checks, no --select)")
    print(f"bytecode      cached under {child_env()['PYTHONPYCACHEPREFIX']} for both")
    print()

    goals: list[str] = []
    with tempfile.TemporaryDirectory(prefix="ka-bench-") as tmp:
        workdir = Path(tmp)
        empty = workdir / "empty_module.py"
        empty.write_text("")
        # Untimed: fill the page cache and the bytecode caches of both environments.
        warm_page_cache(files)
        for env in (plain, plugin):
            for sample in (empty, *SAMPLES.values()):
                _run(env.flake8_cmd(*FLAKE8_ARGS, str(sample)), stdout=subprocess.DEVNULL,
                     check=True)
        print("corpus runs (interleaved, order alternating A B / B A):", file=sys.stderr)
        figures, info = bench_corpus(plain, plugin, targets, jobs_list, args.repeat, workdir)

        print(f"== corpus: {len(files)} files, median of {args.repeat} run(s) per row ==")
        goals += print_corpus_table(figures, plain, plugin)
        print(f"KA findings reported by flake8 + plugin on the corpus: {len(info['ka_lines'])}")
        codes = Counter(line.split(": ", 1)[1].split()[0] for line in info["ka_lines"]
                        if ": " in line)
        if codes:
            print("  by code: " + ", ".join(f"{c} {n}" for c, n in sorted(codes.items())))
        print(f"other findings identical to plain flake8's ({info['plain_findings']} lines): "
              f"{'yes' if info['other_findings_identical'] else 'NO'}")
        print()

        print("scanning the corpus in-process, file by file ...", file=sys.stderr, flush=True)
        scan = scan_corpus(files)
        print("== plugin alone on the corpus, in-process, one pass ==")
        print(f"files analyzed {scan['analyzed']} of {scan['files']} "
              f"({len(scan['unparsable'])} not parsable by Python "
              f"{sys.version_info.major}.{sys.version_info.minor}); "
              f"total {scan['total_ms'] / 1000:.2f} s")
        print("findings, every code (flake8 leaves out codes that are off by default and "
              "lines with noqa): " + ", ".join(f"{c} {n}" for c, n in
                                               sorted(scan["findings"].items())))
        base = next((f for f in figures if f.jobs == 1), figures[0])
        share = scan["total_ms"] / 1000 / base.median_cpu(plain.label)
        print(f"that is {share:.1%} of plain flake8's cpu time at -j{base.jobs}: the time ratio to "
              f"expect on a quiet machine is about {1 + share:.3f}")
        print("slowest files:")
        for ms, path in scan["slowest"]:
            print(f"  {ms:9.1f} ms  {path.relative_to(corpus.cache_dir())}")
        print(f"files over {SLOW_FILE_MS:.0f} ms: {len(scan['slow'])}; "
              f"over {SCAN_FILE_TIMEOUT_S} s (stopped): {len(scan['timeouts'])}; "
              f"plugin exceptions: {len(scan['crashes'])}")
        for path in scan["timeouts"]:
            print(f"  TIMEOUT  {path}")
        for path, what in scan["crashes"][:20]:
            print(f"  CRASH    {path}: {what}")
        print()

        print("single-file latency ...", file=sys.stderr, flush=True)
        samples = dict(SAMPLES)
        samples["empty file (fixed cost)"] = empty
        print(f"== single file: whole flake8 process, median of {latency_runs} interleaved "
              f"runs; plugin alone in-process ==")
        header = (f"{'file':24} {'lines':>5} {'plain ms':>9} {'plugin ms':>10} {'added ms':>9} "
                  f"{'IQR ms':>7} {'warm ms':>8} {'cold ms':>8} {'(import':>8} {'+ run)':>7}")
        print(header)
        print("-" * len(header))
        cold_keras = None
        for name, path in samples.items():
            proc = process_latency(plain, plugin, path, latency_runs)
            base = statistics.median(proc[plain.label])
            with_plugin = statistics.median(proc[plugin.label])
            added = with_plugin - base
            spread = max(_iqr(proc[plain.label]), _iqr(proc[plugin.label]))
            warm = warm_checker_ms(path, inprocess_runs)
            cold = cold_checker(path, cold_runs)
            if path == SAMPLES["Keras training script"]:
                cold_keras = cold
            n_lines = len(read_lines(path))
            print(f"{name:24} {n_lines:5d} {base:9.1f} {with_plugin:10.1f} {added:9.1f} "
                  f"{spread:7.1f} {warm:8.3f} {cold['total_ms']:8.2f} {cold['import_ms']:8.2f} "
                  f"{cold['first_run_ms']:7.2f}")
            if path in SAMPLES.values():
                goal = GOAL_KERAS_MS if "Keras training" in name else GOAL_PLAIN_MS
                goals.append(f"{name}: added {added:.1f} ms per flake8 process (IQR {spread:.1f}), "
                             f"plugin's own cold cost {cold['total_ms']:.2f} ms; goal <= "
                             f"{goal:.0f} ms: process {verdict(added <= goal)}, "
                             f"plugin's own {verdict(cold['total_ms'] <= goal)}")
        print("added = plugin ms - plain ms (one whole flake8 process on the file); "
              "IQR = larger spread of the two;")
        print(f"warm = checker.run() in-process, median of {inprocess_runs} after warm-up; "
              f"cold = import of the plugin + first run,")
        print(f"in a fresh process that has flake8 loaded, median of {cold_runs}.")
        scan_plain, scan_plugin = entry_point_scan_ms(plain), entry_point_scan_ms(plugin)
        print(f"environment size: plain {distribution_count(plain)} distributions, "
              f"plugin env {distribution_count(plugin)}; flake8's start-up scan of them "
              f"{scan_plain:.1f} vs {scan_plugin:.1f} ms (part of 'added' not due to the plugin)")
        print()

    print("== heavy imports ==")
    heavy = cold_keras["heavy"] if cold_keras else {}
    for mod, present in heavy.items():
        print(f"after importing the plugin and checking the Keras sample, {mod!r} in "
              f"sys.modules: {'YES' if present else 'no'}")
    goals.append("plugin imports none of tensorflow, keras, libcst: "
                 f"{verdict(not any(heavy.values()))}")
    print()
    print(f"load average at end {_load()} (other load on the machine makes the figures noisy)")
    if plugin_source_stamp() != stamp:
        print("WARNING: the plugin's source files changed during this run; the runs measured "
              "different code")
    print()
    print("== goals ==")
    for line in goals:
        print(line)
    return 0


if __name__ == "__main__":
    sys.exit(main())
