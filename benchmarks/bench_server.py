"""The language server over stdio: latency from a didChange to its publishDiagnostics, with and without a
big buffer open beside it, the time big buffers take, and memory over many edits."""

from __future__ import annotations

import argparse
import asyncio
import json
import statistics
import subprocess
import sys
import threading
import time
from pathlib import Path
from typing import Any

from lsprotocol import types
from pygls.lsp.client import LanguageClient

SAMPLE = Path(__file__).resolve().parent / "samples" / "keras_training_script.py"
GOAL_MS = 100.0
# the edit that toggles a finding: with it, line 155's Dense(32) loses its activation and KA101 appears
WITH = 'w = layers.Dense(32, activation="relu")(weather)'
WITHOUT = "w = layers.Dense(32)(weather)"


# A synthetic module of collapsed models, four findings each (KA101 twice, KA102, KA103): `pad`
# characters of comment on one line keep a big one within the limit of syntax units.
HEAD = "from keras.layers import Dense\nfrom keras.models import Sequential\n\n"


def synthetic(size: int, pad: int = 0) -> str:
    comment = f"  # {'x' * pad}" if pad else ""
    parts, length, index = [HEAD], len(HEAD), 0
    while length < size:
        block = (
            f"model{index} = Sequential()\nmodel{index}.add(Dense(20, input_dim=2)){comment}\n"
            f"model{index}.add(Dense(100, input_dim=2))\nmodel{index}.add(Dense(1))\n"
        )
        parts.append(block)
        length += len(block)
        index += 1
    return "".join(parts)


def _percentile(values: list[float], fraction: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(round(fraction * (len(ordered) - 1))))]


class Session:
    """One server, and what it published: (time, count of diagnostics) by document and version."""

    def __init__(self) -> None:
        self.client = LanguageClient("bench-server", "1")
        self.arrived: dict[tuple[str, int], tuple[float, int]] = {}
        self.logs: list[tuple[float, str]] = []
        self.changed = asyncio.Event()

        @self.client.feature(types.TEXT_DOCUMENT_PUBLISH_DIAGNOSTICS)
        def publish(params: types.PublishDiagnosticsParams) -> None:
            if params.version is not None:
                self.arrived[params.uri, params.version] = (time.perf_counter(), len(params.diagnostics))
                self.changed.set()

        @self.client.feature(types.WINDOW_LOG_MESSAGE)
        def log(params: types.LogMessageParams) -> None:
            self.logs.append((time.perf_counter(), params.message))

    async def start(self, debounce_ms: int | None) -> None:
        await self.client.start_io(sys.executable, "-m", "flake8_keras_activation", "server")
        options = {} if debounce_ms is None else {"debounceMs": debounce_ms}
        await self.client.initialize_async(
            types.InitializeParams(capabilities=types.ClientCapabilities(), initialization_options=options)
        )
        self.client.initialized(types.InitializedParams())

    async def stop(self) -> None:
        await self.client.shutdown_async(None)
        self.client.exit(None)
        await self.client.stop()

    def open(self, uri: str, text: str) -> float:
        self.client.text_document_did_open(
            types.DidOpenTextDocumentParams(types.TextDocumentItem(uri=uri, language_id="python", version=1, text=text))
        )
        return time.perf_counter()

    async def until(self, uri: str, version: int, timeout: float = 600) -> tuple[float, int]:
        while (uri, version) not in self.arrived:
            self.changed.clear()
            await asyncio.wait_for(self.changed.wait(), timeout)
        return self.arrived[uri, version]

    @property
    def pid(self) -> int:
        server = self.client._server
        assert server is not None
        return server.pid


class Toggle:
    """The edit that makes a KA101 appear or disappear in the sample, one version at a time."""

    def __init__(self, session: Session, uri: str) -> None:
        self.session, self.uri = session, uri
        lines = SAMPLE.read_text(encoding="utf-8").splitlines(True)
        self.row = next(i for i, line in enumerate(lines) if WITH in line)
        self.col = lines[self.row].index(WITH)
        self.current, self.version = WITH, 1

    async def once(self) -> tuple[float, int]:
        """Send the next change; its latency in ms and its count of findings."""
        self.version += 1
        replacement = WITHOUT if self.current == WITH else WITH
        where = types.Range(
            start=types.Position(line=self.row, character=self.col),
            end=types.Position(line=self.row, character=self.col + len(self.current)),
        )
        sent = time.perf_counter()
        self.session.client.text_document_did_change(
            types.DidChangeTextDocumentParams(
                types.VersionedTextDocumentIdentifier(uri=self.uri, version=self.version),
                [types.TextDocumentContentChangePartial(range=where, text=replacement)],
            )
        )
        at, count = await self.session.until(self.uri, self.version, 60)
        self.current = replacement
        return (at - sent) * 1000, count


async def measure(runs: int, debounce_ms: int | None) -> tuple[list[float], list[int]]:
    session = Session()
    await session.start(debounce_ms)
    uri = SAMPLE.as_uri()
    session.open(uri, SAMPLE.read_text(encoding="utf-8"))
    await session.until(uri, 1)
    await asyncio.sleep(1.0)  # the server warms its fixer up after `initialized`: let it finish
    toggle = Toggle(session, uri)
    latencies, counts = [], []
    for _ in range(runs):
        latency, count = await toggle.once()
        latencies.append(latency)
        counts.append(count)
        await asyncio.sleep(0.05)  # a pause between keystrokes, so each change is its own burst
    await session.stop()
    return latencies, counts


class RawSession:
    """A server driven by hand, for the big buffers: a client that read fifty thousand diagnostics
    into typed objects (pygls's does, at some seconds) would time itself, not the server. Each
    message is stamped when its last byte is read, on a thread of its own."""

    def __init__(self) -> None:
        self.process = subprocess.Popen(
            [sys.executable, "-m", "flake8_keras_activation", "server"],
            stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=subprocess.DEVNULL,
        )
        self.arrived: dict[tuple[str, int], tuple[float, int]] = {}
        self.logs: list[str] = []
        self.answered: set[Any] = set()
        self.lock = threading.Condition()
        threading.Thread(target=self._read, daemon=True).start()

    def _read(self) -> None:
        assert self.process.stdout is not None
        stream = self.process.stdout
        while True:
            length = 0
            while True:
                line = stream.readline()
                if not line:
                    return
                if line == b"\r\n":
                    break
                if line.lower().startswith(b"content-length:"):
                    length = int(line.split(b":")[1])
            body = stream.read(length)
            at = time.perf_counter()
            message = json.loads(body)
            with self.lock:
                method, params = message.get("method"), message.get("params") or {}
                if method == types.TEXT_DOCUMENT_PUBLISH_DIAGNOSTICS and params.get("version") is not None:
                    self.arrived[params["uri"], params["version"]] = (at, len(params["diagnostics"]))
                elif method == types.WINDOW_LOG_MESSAGE:
                    self.logs.append(params["message"])
                elif "id" in message and "method" not in message:
                    self.answered.add(message["id"])
                self.lock.notify_all()

    def send(self, message: dict[str, Any]) -> float:
        assert self.process.stdin is not None
        body = json.dumps(message).encode()
        self.process.stdin.write(b"Content-Length: %d\r\n\r\n%s" % (len(body), body))
        self.process.stdin.flush()
        return time.perf_counter()

    def request(self, msg_id: Any, method: str, params: Any) -> None:
        self.send({"jsonrpc": "2.0", "id": msg_id, "method": method, "params": params})
        with self.lock:
            if not self.lock.wait_for(lambda: msg_id in self.answered, 600):
                raise TimeoutError(f"no answer to {method}")

    def start(self) -> None:
        self.request(0, "initialize", {"capabilities": {}})
        self.send({"jsonrpc": "2.0", "method": "initialized", "params": {}})

    def stop(self) -> None:
        self.request("end", "shutdown", None)
        self.send({"jsonrpc": "2.0", "method": "exit"})
        self.process.wait(60)

    def open(self, uri: str, text: str) -> float:
        return self.send({"jsonrpc": "2.0", "method": "textDocument/didOpen", "params": {
            "textDocument": {"uri": uri, "languageId": "python", "version": 1, "text": text}}})

    def change(self, uri: str, version: int, changes: list[dict[str, Any]]) -> float:
        return self.send({"jsonrpc": "2.0", "method": "textDocument/didChange", "params": {
            "textDocument": {"uri": uri, "version": version}, "contentChanges": changes}})

    def until(self, uri: str, version: int, timeout: float = 600) -> tuple[float, int]:
        with self.lock:
            if not self.lock.wait_for(lambda: (uri, version) in self.arrived, timeout):
                raise TimeoutError(f"no diagnostics for {uri} version {version}")
            return self.arrived[uri, version]


def big_buffers(runs: int) -> dict[str, Any]:
    """A 256 KiB buffer alone; then a 3 MiB one (within the limits) opened with the sample, whose
    changes are timed while the big one is analysed; then one over the limits."""
    out: dict[str, Any] = {}
    session = RawSession()
    session.start()
    time.sleep(1.0)  # the fixer's warm-up
    dense = synthetic(256 * 1024)
    sent = session.open("file:///bench/dense_256k.py", dense)
    at, count = session.until("file:///bench/dense_256k.py", 1)
    out["256k"] = ((at - sent) * 1000, count, len(dense))

    text = SAMPLE.read_text(encoding="utf-8")
    lines = text.splitlines(True)
    row = next(i for i, line in enumerate(lines) if WITH in line)
    col = lines[row].index(WITH)
    uri = SAMPLE.as_uri()
    big = synthetic(3 * 2**20, pad=100)
    big_sent = session.open("file:///bench/big_3m.py", big)
    small_sent = session.open(uri, text)
    small_at, _ = session.until(uri, 1)
    out["small open"] = (small_at - small_sent) * 1000
    latencies, current, version = [], WITH, 1
    while len(latencies) < runs and ("file:///bench/big_3m.py", 1) not in session.arrived:
        version += 1
        replacement = WITHOUT if current == WITH else WITH
        where = {"start": {"line": row, "character": col}, "end": {"line": row, "character": col + len(current)}}
        sent = session.change(uri, version, [{"range": where, "text": replacement}])
        at, _ = session.until(uri, version, 60)
        latencies.append((at - sent) * 1000)
        current = replacement
        time.sleep(0.05)
    big_at, big_count = session.until("file:///bench/big_3m.py", 1)
    out["3m"] = ((big_at - big_sent) * 1000, big_count, len(big))
    out["small beside 3m"] = latencies

    over = synthetic(3 * 2**20)  # no padding: past the limit of syntax units
    logged = len(session.logs)
    sent = session.open("file:///bench/over_3m.py", over)
    at, count = session.until("file:///bench/over_3m.py", 1)
    out["over"] = ((at - sent) * 1000, count, [m for m in session.logs[logged:] if "over_3m.py" in m])
    session.stop()
    return out


def resident_mib(pid: int) -> float | None:
    try:
        with open(f"/proc/{pid}/status", encoding="ascii") as status:
            for line in status:
                if line.startswith("VmRSS:"):
                    return int(line.split()[1]) / 1024
    except OSError:
        pass
    return None  # not Linux


async def memory(edits: int) -> list[tuple[int, float | None]]:
    """The server's resident size after 1,000 edits and after `edits`, each a whole-text didChange."""
    session = Session()
    await session.start(None)
    uri = "file:///bench/edited.py"
    session.open(uri, "x = 1\n")
    figures = []
    for version in range(2, edits + 2):
        session.client.text_document_did_change(
            types.DidChangeTextDocumentParams(
                types.VersionedTextDocumentIdentifier(uri=uri, version=version),
                [types.TextDocumentContentChangeWholeDocument(text=f"x = {version}\n")],
            )
        )
        done = version - 1
        if done % 1000 == 0:
            await asyncio.sleep(0)  # let the client write what it has queued
        if done in (1000, edits):
            # a request is answered once every notification before it is handled
            await session.client.text_document_hover_async(
                types.HoverParams(types.TextDocumentIdentifier(uri=uri), types.Position(line=0, character=0))
            )
            await asyncio.sleep(0.5)
            figures.append((done, resident_mib(session.pid)))
    await session.stop()
    return figures


def _band(latencies: list[float]) -> str:
    return (
        f"median {statistics.median(latencies):.1f} ms, p90 {_percentile(latencies, 0.9):.1f} ms, "
        f"min {min(latencies):.1f} ms, max {max(latencies):.1f} ms"
    )


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--runs", type=int, default=60, help="changes to time (default 60)")
    parser.add_argument("--debounce-ms", type=int, default=None, help="the server's debounce (default: its own)")
    parser.add_argument("--big", action="store_true", help="also time big buffers (a 256 KiB one, a 3 MiB one "
                        "beside the sample, one over the limits) and memory over 40,000 edits; a few minutes")
    parser.add_argument("--edits", type=int, default=40_000, help="edits for the memory figure (default 40000)")
    args = parser.parse_args()
    latencies, counts = asyncio.run(measure(args.runs, args.debounce_ms))
    lines = len(SAMPLE.read_text(encoding="utf-8").splitlines())
    median = statistics.median(latencies)
    print(f"{SAMPLE.name}: {lines} lines, {len(latencies)} changes, findings alternating {sorted(set(counts))}")
    print(f"didChange -> publishDiagnostics, debounce included: {_band(latencies)} (goal: median <= {GOAL_MS:.0f} ms)")
    status = 0 if median <= GOAL_MS else 1
    if not args.big:
        return status
    big = big_buffers(args.runs)
    took, count, size = big["256k"]
    print(f"256 KiB buffer ({size:,} characters, {count:,} findings): didOpen -> publishDiagnostics {took:,.0f} ms")
    took, count, size = big["3m"]
    print(f"3 MiB buffer ({size:,} characters, {count:,} findings): didOpen -> publishDiagnostics {took:,.0f} ms")
    beside = big["small beside 3m"]
    print(f"  the sample, opened just after it: its diagnostics {big['small open']:.0f} ms after its didOpen")
    if beside:
        print(f"  the sample's changes while the 3 MiB buffer was analysed ({len(beside)}): {_band(beside)}")
    took, count, said = big["over"]
    print(f"3 MiB buffer over the limits: {count} diagnostics after {took:.0f} ms; log: {' | '.join(said) or 'none'}")
    figures = asyncio.run(memory(args.edits))
    print("server memory (resident) after " + ", ".join(
        f"{done:,} edits: {'n/a' if mib is None else f'{mib:.1f} MiB'}" for done, mib in figures
    ))
    if beside and statistics.median(beside) > GOAL_MS:
        status = 1
    return status


if __name__ == "__main__":
    sys.exit(main())
