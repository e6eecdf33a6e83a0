"""Small helpers for a job-scheduling service: durations, retries, tables, files and caches.

A benchmark sample for this repository's flake8 plugin: an ordinary utility module of the size of a
typical source file, with nothing in it for the plugin to analyze.
"""

from __future__ import annotations

import contextlib
import csv
import functools
import hashlib
import io
import logging
import os
import random
import re
import tempfile
import threading
import time
from collections import OrderedDict, defaultdict
from dataclasses import dataclass, field
from datetime import datetime, timedelta, timezone
from pathlib import Path
from typing import Any, Callable, Iterable, Iterator, Mapping, Sequence, TypeVar

LOG = logging.getLogger(__name__)

T = TypeVar("T")

_DURATION = re.compile(r"(?P<value>\d+(?:\.\d+)?)\s*(?P<unit>ms|s|m|h|d|w)")
_UNIT_SECONDS = {"ms": 0.001, "s": 1, "m": 60, "h": 3600, "d": 86400, "w": 604800}


# --------------------------------------------------------------------------- durations


def parse_duration(text: str) -> timedelta:
    """'1h30m', '45s', '2d 4h' or '250ms' as a timedelta; a bare number means seconds."""
    text = text.strip().lower()
    if not text:
        raise ValueError("empty duration")
    try:
        return timedelta(seconds=float(text))
    except ValueError:
        pass
    total = 0.0
    position = 0
    for match in _DURATION.finditer(text):
        gap = text[position:match.start()]
        if gap.strip():
            raise ValueError(f"cannot read {gap!r} in duration {text!r}")
        total += float(match["value"]) * _UNIT_SECONDS[match["unit"]]
        position = match.end()
    if position == 0 or text[position:].strip():
        raise ValueError(f"not a duration: {text!r}")
    return timedelta(seconds=total)


def format_duration(delta: timedelta | float) -> str:
    """The shortest readable form: '2h05m', '3m12s', '850ms'."""
    seconds = delta.total_seconds() if isinstance(delta, timedelta) else float(delta)
    if seconds < 0:
        return "-" + format_duration(-seconds)
    if seconds < 1:
        return f"{seconds * 1000:.0f}ms"
    if seconds < 60:
        return f"{seconds:.1f}s"
    minutes, secs = divmod(int(round(seconds)), 60)
    if minutes < 60:
        return f"{minutes}m{secs:02d}s"
    hours, minutes = divmod(minutes, 60)
    if hours < 48:
        return f"{hours}h{minutes:02d}m"
    days, hours = divmod(hours, 24)
    return f"{days}d{hours:02d}h"


def utc_now() -> datetime:
    return datetime.now(timezone.utc)


def parse_timestamp(text: str) -> datetime:
    """ISO 8601 text, with 'Z' accepted for UTC; naive values are taken as UTC."""
    value = datetime.fromisoformat(text.strip().replace("Z", "+00:00"))
    if value.tzinfo is None:
        value = value.replace(tzinfo=timezone.utc)
    return value


# --------------------------------------------------------------------------- retries


@dataclass
class RetryPolicy:
    attempts: int = 5
    base_delay: float = 0.2
    max_delay: float = 10.0
    jitter: float = 0.1
    retry_on: tuple[type[BaseException], ...] = (OSError, TimeoutError)

    def delays(self) -> Iterator[float]:
        delay = self.base_delay
        for _ in range(self.attempts - 1):
            spread = delay * self.jitter
            yield max(0.0, delay + random.uniform(-spread, spread))
            delay = min(self.max_delay, delay * 2)


def retry(policy: RetryPolicy | None = None, sleep: Callable[[float], None] = time.sleep):
    """Decorator: call again after the policy's delays while it raises a retryable error."""
    policy = policy or RetryPolicy()

    def decorate(func: Callable[..., T]) -> Callable[..., T]:
        @functools.wraps(func)
        def wrapper(*args: Any, **kwargs: Any) -> T:
            delays = policy.delays()
            while True:
                try:
                    return func(*args, **kwargs)
                except policy.retry_on as exc:
                    delay = next(delays, None)
                    if delay is None:
                        raise
                    LOG.warning("%s failed (%s); again in %.2fs", func.__name__, exc, delay)
                    sleep(delay)

        return wrapper

    return decorate


# --------------------------------------------------------------------------- text tables


def _cell(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, float):
        return f"{value:,.3f}".rstrip("0").rstrip(".")
    if isinstance(value, timedelta):
        return format_duration(value)
    return str(value)


def render_table(rows: Sequence[Mapping[str, Any]], columns: Sequence[str] | None = None) -> str:
    """A plain-text table with a header; numbers are right-aligned."""
    if not rows:
        return "(no rows)"
    columns = list(columns or rows[0].keys())
    cells = [[_cell(row.get(col)) for col in columns] for row in rows]
    widths = [max(len(col), *(len(line[i]) for line in cells)) for i, col in enumerate(columns)]
    numeric = [
        all(isinstance(row.get(col), (int, float)) for row in rows if row.get(col) is not None)
        for col in columns
    ]

    def fmt(values: Sequence[str]) -> str:
        parts = []
        for value, width, right in zip(values, widths, numeric):
            parts.append(value.rjust(width) if right else value.ljust(width))
        return "  ".join(parts).rstrip()

    lines = [fmt(columns), "  ".join("-" * w for w in widths)]
    lines.extend(fmt(line) for line in cells)
    return "\n".join(lines)


def rows_to_csv(rows: Sequence[Mapping[str, Any]], columns: Sequence[str] | None = None) -> str:
    buffer = io.StringIO()
    columns = list(columns or (rows[0].keys() if rows else []))
    writer = csv.DictWriter(buffer, fieldnames=columns, extrasaction="ignore")
    writer.writeheader()
    for row in rows:
        writer.writerow({col: _cell(row.get(col)) for col in columns})
    return buffer.getvalue()


def slugify(text: str, max_length: int = 60) -> str:
    slug = re.sub(r"[^a-z0-9]+", "-", text.lower()).strip("-")
    return slug[:max_length].rstrip("-") or "item"


# --------------------------------------------------------------------------- files


@contextlib.contextmanager
def atomic_write(
    path: Path, mode: str = "w", encoding: str | None = "utf-8"
) -> Iterator[io.IOBase]:
    """Write to a temporary file beside `path`, then move it into place."""
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", dir=path.parent)
    try:
        with open(fd, mode, encoding=None if "b" in mode else encoding) as handle:
            yield handle
            handle.flush()
            os.fsync(handle.fileno())
        os.replace(tmp, path)
    except BaseException:
        with contextlib.suppress(FileNotFoundError):
            os.unlink(tmp)
        raise


def file_digest(path: Path, algorithm: str = "sha256", chunk_size: int = 1 << 16) -> str:
    digest = hashlib.new(algorithm)
    with open(path, "rb") as handle:
        for chunk in iter(lambda: handle.read(chunk_size), b""):
            digest.update(chunk)
    return digest.hexdigest()


def iter_files(root: Path, patterns: Iterable[str] = ("*",), skip_hidden: bool = True):
    """Files under `root` matching any of the glob patterns, in a stable order."""
    root = Path(root)
    seen = set()
    for pattern in patterns:
        for path in sorted(root.rglob(pattern)):
            if not path.is_file() or path in seen:
                continue
            relative = path.relative_to(root)
            if skip_hidden and any(part.startswith(".") for part in relative.parts):
                continue
            seen.add(path)
            yield path


def disk_usage_by_suffix(root: Path) -> dict[str, int]:
    totals: dict[str, int] = defaultdict(int)
    for path in iter_files(root):
        totals[path.suffix.lower() or "(none)"] += path.stat().st_size
    return dict(sorted(totals.items(), key=lambda item: -item[1]))


def rotate_logs(directory: Path, stem: str, keep: int = 5) -> list[Path]:
    """Delete the oldest `stem.*.log` files so that at most `keep` remain; return the deleted."""
    logs = sorted(Path(directory).glob(f"{stem}.*.log"), key=lambda p: p.stat().st_mtime)
    doomed = logs[: max(0, len(logs) - keep)]
    for path in doomed:
        with contextlib.suppress(FileNotFoundError):
            path.unlink()
    return doomed


# --------------------------------------------------------------------------- caches


class LRUCache:
    """A thread-safe least-recently-used cache with an optional time to live."""

    def __init__(self, capacity: int = 256, ttl: float | None = None, clock=time.monotonic):
        if capacity < 1:
            raise ValueError("capacity must be at least 1")
        self.capacity = capacity
        self.ttl = ttl
        self._clock = clock
        self._data: OrderedDict[Any, tuple[float, Any]] = OrderedDict()
        self._lock = threading.Lock()
        self.hits = 0
        self.misses = 0

    def get(self, key: Any, default: Any = None) -> Any:
        with self._lock:
            item = self._data.get(key)
            if item is None or self._expired(item[0]):
                if item is not None:
                    del self._data[key]
                self.misses += 1
                return default
            self._data.move_to_end(key)
            self.hits += 1
            return item[1]

    def put(self, key: Any, value: Any) -> None:
        with self._lock:
            self._data[key] = (self._clock(), value)
            self._data.move_to_end(key)
            while len(self._data) > self.capacity:
                self._data.popitem(last=False)

    def _expired(self, stamp: float) -> bool:
        return self.ttl is not None and self._clock() - stamp > self.ttl

    def __len__(self) -> int:
        return len(self._data)

    def stats(self) -> dict[str, float]:
        total = self.hits + self.misses
        return {"size": len(self), "hits": self.hits, "misses": self.misses,
                "hit_rate": self.hits / total if total else 0.0}


def memoize(capacity: int = 128, ttl: float | None = None):
    """Decorator caching results by positional and keyword arguments."""

    def decorate(func: Callable[..., T]) -> Callable[..., T]:
        cache = LRUCache(capacity, ttl)
        missing = object()

        @functools.wraps(func)
        def wrapper(*args: Any, **kwargs: Any) -> T:
            key = (args, tuple(sorted(kwargs.items())))
            value = cache.get(key, missing)
            if value is missing:
                value = func(*args, **kwargs)
                cache.put(key, value)
            return value

        wrapper.cache = cache  # type: ignore[attr-defined]
        return wrapper

    return decorate


# --------------------------------------------------------------------------- jobs


@dataclass(order=True)
class Job:
    priority: int
    name: str = field(compare=False)
    interval: timedelta = field(compare=False, default=timedelta(minutes=5))
    last_run: datetime | None = field(compare=False, default=None)
    failures: int = field(compare=False, default=0)
    tags: set[str] = field(compare=False, default_factory=set)

    def due(self, now: datetime) -> bool:
        if self.last_run is None:
            return True
        backoff = min(2 ** self.failures, 32)
        return now - self.last_run >= self.interval * backoff

    def record(self, ok: bool, now: datetime) -> None:
        self.last_run = now
        self.failures = 0 if ok else self.failures + 1


def due_jobs(jobs: Iterable[Job], now: datetime | None = None, tag: str | None = None) -> list[Job]:
    now = now or utc_now()
    chosen = [job for job in jobs if job.due(now) and (tag is None or tag in job.tags)]
    return sorted(chosen)


def summarize_jobs(jobs: Sequence[Job], now: datetime | None = None) -> str:
    now = now or utc_now()
    rows = []
    for job in sorted(jobs):
        age = now - job.last_run if job.last_run else None
        rows.append({
            "job": job.name,
            "priority": job.priority,
            "every": job.interval,
            "since last": age,
            "failures": job.failures,
            "due": "yes" if job.due(now) else "",
        })
    return render_table(rows)


def chunked(items: Sequence[T], size: int) -> Iterator[Sequence[T]]:
    if size < 1:
        raise ValueError("size must be positive")
    for start in range(0, len(items), size):
        yield items[start:start + size]


def merge_settings(*layers_of_settings: Mapping[str, Any]) -> dict[str, Any]:
    """Deep-merge mappings; later ones win, nested mappings are merged key by key."""
    merged: dict[str, Any] = {}
    for settings in layers_of_settings:
        for key, value in settings.items():
            if isinstance(value, Mapping) and isinstance(merged.get(key), dict):
                merged[key] = merge_settings(merged[key], value)
            else:
                merged[key] = dict(value) if isinstance(value, Mapping) else value
    return merged


def env_settings(prefix: str = "SCHED_", environ: Mapping[str, str] | None = None) -> dict:
    """`SCHED_DB__HOST=x` becomes {'db': {'host': 'x'}}."""
    environ = os.environ if environ is None else environ
    result: dict[str, Any] = {}
    for name, value in environ.items():
        if not name.startswith(prefix):
            continue
        path = name[len(prefix):].lower().split("__")
        node = result
        for part in path[:-1]:
            node = node.setdefault(part, {})
        node[path[-1]] = value
    return result


class Stopwatch:
    """Named lap times: `with watch.lap('load'): ...` then `watch.report()`."""

    def __init__(self) -> None:
        self.laps: dict[str, list[float]] = defaultdict(list)

    @contextlib.contextmanager
    def lap(self, name: str) -> Iterator[None]:
        start = time.perf_counter()
        try:
            yield
        finally:
            self.laps[name].append(time.perf_counter() - start)

    def report(self) -> str:
        rows = [
            {"lap": name, "count": len(times), "total": sum(times), "mean": sum(times) / len(times)}
            for name, times in self.laps.items()
        ]
        return render_table(sorted(rows, key=lambda row: -row["total"]))
