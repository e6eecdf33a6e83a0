"""The base protocol's framing: well-formed streams in any chunks, and each kind of framing mistake survived."""

from __future__ import annotations

import json
from typing import Any, Callable, Iterator

import pytest

from flake8_keras_activation.server import framing
from flake8_keras_activation.server.framing import Message, NotJson, Problem, frames


class Waiting(Exception):
    """The reader asked for bytes the client has not sent: a real server would wait here."""


def body(msg_id: int) -> bytes:
    return json.dumps({"jsonrpc": "2.0", "id": msg_id, "method": "textDocument/hover", "params": {}}).encode()


def framed(data: bytes, length: int | None = None) -> bytes:
    return b"Content-Length: %d\r\n\r\n%s" % (len(data) if length is None else length, data)


def reader(chunks: list[bytes], then_wait: bool = False) -> Callable[[int], bytes]:
    """A stream that gives these chunks (split further when asked for less), then ends or waits."""
    pending = list(chunks)

    def read(size: int) -> bytes:
        while pending and not pending[0]:
            pending.pop(0)
        if not pending:
            if then_wait:
                raise Waiting
            return b""
        chunk, pending[0] = pending[0][:size], pending[0][size:]
        return chunk

    return read


def collect(read: Callable[[int], bytes]) -> list[Any]:
    out: list[Any] = []
    stream: Iterator[Any] = frames(read)
    try:
        for frame in stream:
            out.append(frame)
    except Waiting:
        out.append("waiting")
    return out


def ids(found: list[Any]) -> list[Any]:
    """Messages by id, problems as "problem", bodies that are not JSON as "not json"."""
    return [
        f.value["id"] if isinstance(f, Message) else "problem" if isinstance(f, Problem)
        else "not json" if isinstance(f, NotJson) else f
        for f in found
    ]


def test_well_formed_messages_come_out_whole_whatever_the_chunks() -> None:
    stream = framed(body(1)) + b"Content-Length: %d\r\nContent-Type: application/vscode-jsonrpc; charset=utf-8\r\n\r\n%s" % (
        len(body(2)), body(2)
    ) + framed(json.dumps({"jsonrpc": "2.0", "method": "x", "params": {"text": "é\r\nContent-Length: 3"}}).encode())
    whole = collect(reader([stream]))
    assert all(isinstance(f, Message) for f in whole) and len(whole) == 3
    assert whole[2].value["params"]["text"] == "é\r\nContent-Length: 3"
    byte_by_byte = collect(reader([stream[i : i + 1] for i in range(len(stream))]))
    assert byte_by_byte == whole


@pytest.mark.parametrize(
    "fault, expected",
    [
        pytest.param(b"Content-Length: abc\r\n\r\n" + body(1), ["problem", 1, 2], id="not-a-number"),
        pytest.param(b"Content-Type: x\r\n\r\n" + body(1), ["problem", 1, 2], id="no-content-length"),
        pytest.param(framed(body(1), len(body(1)) - 7), ["problem", 1, 2], id="too-small"),
        pytest.param(framed(body(1), len(body(1)) + 40), ["problem", 1, 2], id="too-large"),
        pytest.param(b"garbage\r\n" + framed(body(1)), ["problem", 1, 2], id="garbage-line-before"),
        pytest.param(b"}}}" + framed(body(1)), ["problem", 1, 2], id="garbage-before"),
        pytest.param(b"\r\n\r\n" + framed(body(1)), [1, 2], id="blank-lines-between"),
        pytest.param(framed(b"{not json}"), ["not json", 2], id="not-json"),
        pytest.param(framed(b"[" * 100_000 + b"]" * 100_000), ["not json", 2], id="nested-too-deep"),
        pytest.param(b"Content-Length: 1\r\nContent-Length: 2\r\n\r\n" + body(1), ["problem", 1, 2], id="two-lengths"),
    ],
)
@pytest.mark.parametrize("chunking", ["whole", "by-7-bytes"])
def test_a_framing_mistake_costs_at_most_its_own_message(fault: bytes, expected: list[Any], chunking: str) -> None:
    stream = fault + framed(body(2))
    chunks = [stream] if chunking == "whole" else [stream[i : i + 7] for i in range(0, len(stream), 7)]
    assert ids(collect(reader(chunks))) == expected


@pytest.mark.parametrize(
    "fault",
    [
        pytest.param(framed(body(1), len(body(1)) + 40), id="too-large"),
        pytest.param(framed(body(1), len(body(1)) - 7), id="too-small"),
        pytest.param(b"Content-Length: abc\r\n\r\n" + body(1), id="not-a-number"),
    ],
)
def test_a_client_that_miscounts_and_waits_for_its_answer_gets_the_message_through(fault: bytes) -> None:
    # nothing follows: the reader must not wait for bytes that will never come before handing it on
    assert ids(collect(reader([fault], then_wait=True))) == ["problem", 1, "waiting"]


def test_a_message_over_the_limit_is_skipped_without_being_held(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(framing, "MAX_BODY", 1000)
    big = json.dumps({"jsonrpc": "2.0", "method": "x", "params": {"text": "a" * 5000}}).encode()
    seen: list[int] = []
    read = reader([framed(big) + framed(body(2))])

    def watched(size: int) -> bytes:
        seen.append(size)
        return read(size)

    found = collect(watched)
    assert ids(found) == ["problem", 2]
    assert "over the limit" in found[0].reason


def test_the_end_of_the_stream_inside_a_message_is_a_problem() -> None:
    assert ids(collect(reader([framed(body(1))[:-3]]))) == ["problem"]
    assert ids(collect(reader([b"Content-Length: 12\r\n"]))) == ["problem"]
    assert collect(reader([b""])) == []
