"""Latency of the language server: from a didChange to its publishDiagnostics, over stdio."""

from __future__ import annotations

import argparse
import asyncio
import statistics
import sys
import time
from pathlib import Path

from lsprotocol import types
from pygls.lsp.client import LanguageClient

SAMPLE = Path(__file__).resolve().parent / "samples" / "keras_training_script.py"
GOAL_MS = 100.0
# the edit that toggles a finding: with it, line 155's Dense(32) loses its activation and KA101 appears
WITH = 'w = layers.Dense(32, activation="relu")(weather)'
WITHOUT = "w = layers.Dense(32)(weather)"


def _percentile(values: list[float], fraction: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(round(fraction * (len(ordered) - 1))))]


async def measure(runs: int, debounce_ms: int | None) -> tuple[list[float], list[int]]:
    client = LanguageClient("bench-server", "1")
    arrived: dict[int, tuple[float, int]] = {}
    changed = asyncio.Event()

    @client.feature(types.TEXT_DOCUMENT_PUBLISH_DIAGNOSTICS)
    def publish(params: types.PublishDiagnosticsParams) -> None:
        if params.version is not None:
            arrived[params.version] = (time.perf_counter(), len(params.diagnostics))
            changed.set()

    await client.start_io(sys.executable, "-m", "flake8_keras_activation", "server")
    options = {} if debounce_ms is None else {"debounceMs": debounce_ms}
    await client.initialize_async(
        types.InitializeParams(capabilities=types.ClientCapabilities(), initialization_options=options)
    )
    client.initialized(types.InitializedParams())
    text = SAMPLE.read_text(encoding="utf-8")
    lines = text.splitlines(True)
    row = next(i for i, line in enumerate(lines) if WITH in line)
    col = lines[row].index(WITH)
    uri = SAMPLE.as_uri()

    async def until(version: int) -> tuple[float, int]:
        while version not in arrived:
            changed.clear()
            await asyncio.wait_for(changed.wait(), 30)
        return arrived[version]

    client.text_document_did_open(
        types.DidOpenTextDocumentParams(types.TextDocumentItem(uri=uri, language_id="python", version=1, text=text))
    )
    await until(1)
    await asyncio.sleep(1.0)  # the server warms its fixer up after `initialized`: let it finish
    latencies, counts = [], []
    current = WITH
    for run in range(runs):
        version = run + 2
        replacement = WITHOUT if current == WITH else WITH
        where = types.Range(
            start=types.Position(line=row, character=col), end=types.Position(line=row, character=col + len(current))
        )
        sent = time.perf_counter()
        client.text_document_did_change(
            types.DidChangeTextDocumentParams(
                types.VersionedTextDocumentIdentifier(uri=uri, version=version),
                [types.TextDocumentContentChangePartial(range=where, text=replacement)],
            )
        )
        at, count = await until(version)
        latencies.append((at - sent) * 1000)
        counts.append(count)
        current = replacement
        await asyncio.sleep(0.05)  # a pause between keystrokes, so each change is its own burst
    await client.shutdown_async(None)
    client.exit(None)
    await client.stop()
    return latencies, counts


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--runs", type=int, default=60, help="changes to time (default 60)")
    parser.add_argument("--debounce-ms", type=int, default=None, help="the server's debounce (default: its own)")
    args = parser.parse_args()
    latencies, counts = asyncio.run(measure(args.runs, args.debounce_ms))
    lines = len(SAMPLE.read_text(encoding="utf-8").splitlines())
    median = statistics.median(latencies)
    print(f"{SAMPLE.name}: {lines} lines, {len(latencies)} changes, findings alternating {sorted(set(counts))}")
    print(
        f"didChange -> publishDiagnostics, debounce included: median {median:.1f} ms, "
        f"p90 {_percentile(latencies, 0.9):.1f} ms, min {min(latencies):.1f} ms, max {max(latencies):.1f} ms "
        f"(goal: median <= {GOAL_MS:.0f} ms)"
    )
    return 0 if median <= GOAL_MS else 1


if __name__ == "__main__":
    sys.exit(main())
