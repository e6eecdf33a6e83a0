"""The server over a raw stdio pipe, bytes written by hand: every request answered, framing mistakes survived,
memory flat over many edits."""

from __future__ import annotations

import json
import subprocess
import sys
import threading
import time
from pathlib import Path
from typing import Any, Callable

import pytest

WAIT = 30.0  # seconds: a bound against hanging, not a latency assertion


class RawClient:
    """A client that writes the bytes itself and reads every message the server sends."""

    def __init__(self) -> None:
        self.process = subprocess.Popen(
            [sys.executable, "-m", "flake8_keras_activation", "server"],
            stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
        )
        self.received: list[dict[str, Any]] = []  # in order, kept: an answer may be looked for after a later one
        self.ended_stdout = False
        self.logs: list[str] = []
        threading.Thread(target=self._read, daemon=True).start()
        threading.Thread(target=self._drain_stderr, daemon=True).start()

    def _read(self) -> None:
        assert self.process.stdout is not None
        stream = self.process.stdout
        while True:
            length = None
            while True:
                line = stream.readline()
                if not line:
                    self.ended_stdout = True
                    return
                if line == b"\r\n":
                    break
                name, _, value = line.partition(b":")
                if name.strip().lower() == b"content-length":
                    length = int(value)
            assert length is not None, "the server's own framing must be right"
            message = json.loads(stream.read(length))
            if message.get("method") == "window/logMessage":
                self.logs.append(message["params"]["message"])
            self.received.append(message)

    def _drain_stderr(self) -> None:
        assert self.process.stderr is not None
        for _ in self.process.stderr:
            pass

    def write(self, data: bytes) -> None:
        assert self.process.stdin is not None
        self.process.stdin.write(data)
        self.process.stdin.flush()

    def send(self, message: dict[str, Any]) -> None:
        self.write(frame(message))

    def wait_for(self, wanted: Callable[[dict[str, Any]], bool], what: str, since: int = 0) -> dict[str, Any]:
        deadline = time.monotonic() + WAIT
        while time.monotonic() < deadline:
            found = [message for message in self.received[since:] if wanted(message)]
            if found:
                return found[0]
            if self.ended_stdout:
                pytest.fail(f"the server ended before {what}")
            time.sleep(0.01)
        pytest.fail(f"no {what} within {WAIT} s")

    def answer(self, msg_id: Any, since: int = 0) -> dict[str, Any]:
        return self.wait_for(lambda m: "method" not in m and m.get("id") == msg_id, f"answer to {msg_id!r}", since)

    def request(self, msg_id: Any, method: str, params: Any = None) -> dict[str, Any]:
        self.send({"jsonrpc": "2.0", "id": msg_id, "method": method, **({} if params is None else {"params": params})})
        return self.answer(msg_id)

    def initialize(self) -> None:
        assert "result" in self.request(1, "initialize", {"capabilities": {}})
        self.send({"jsonrpc": "2.0", "method": "initialized", "params": {}})

    def ended(self) -> int:
        try:
            return self.process.wait(WAIT)
        except subprocess.TimeoutExpired:
            self.process.kill()
            pytest.fail("the server hangs")

    def close(self) -> None:
        if self.process.poll() is None:
            self.process.kill()
            self.process.wait()


def frame(message: dict[str, Any], length: int | None = None) -> bytes:
    body = json.dumps(message).encode()
    return b"Content-Length: %d\r\n\r\n%s" % (len(body) if length is None else length, body)


def hover(msg_id: Any, uri: str = "file:///virtual/none.py") -> dict[str, Any]:
    return {"jsonrpc": "2.0", "id": msg_id, "method": "textDocument/hover",
            "params": {"textDocument": {"uri": uri}, "position": {"line": 0, "character": 0}}}


@pytest.fixture
def raw() -> Any:
    client = RawClient()
    yield client
    client.close()


def test_every_request_gets_a_result_or_an_error(raw: RawClient) -> None:
    raw.initialize()
    assert raw.request(2, "textDocument/hover", hover(2)["params"]) == {"jsonrpc": "2.0", "id": 2, "result": None}
    no_range = raw.request(3, "textDocument/codeAction",
                           {"textDocument": {"uri": "file:///virtual/none.py"}, "context": {"diagnostics": []}})
    assert no_range["error"]["code"] == -32602 and "$.params.range" in no_range["error"]["message"]
    bad_position = raw.request("four", "textDocument/hover",
                               {"textDocument": {"uri": "file:///virtual/none.py"}, "position": {"line": 0}})
    assert bad_position["error"]["code"] == -32602
    assert raw.request(5, "textDocument/hover")["error"]["code"] == -32602  # no params at all
    assert raw.request(6, "no/such/method", {})["error"]["code"] == -32601
    count = len(raw.received)
    raw.send({"jsonrpc": "2.0", "id": [7], "method": "textDocument/hover"})  # an id that cannot be one
    assert raw.answer(None, count)["error"]["code"] == -32600
    count = len(raw.received)
    raw.write(b"Content-Length: 9\r\n\r\n{nothing}")
    assert raw.answer(None, count)["error"]["code"] == -32700
    assert raw.request(8, "shutdown") == {"jsonrpc": "2.0", "id": 8, "result": None}
    after = raw.request(9, "textDocument/hover", hover(9)["params"])
    assert after["error"]["code"] == -32600  # InvalidRequest after shutdown, as the protocol says
    raw.send({"jsonrpc": "2.0", "method": "exit"})
    assert raw.ended() == 0


@pytest.mark.parametrize(
    "fault",
    [
        pytest.param(b"Content-Length: abc\r\n\r\n" + json.dumps(hover(10)).encode(), id="not-a-number"),
        pytest.param(frame(hover(10), len(json.dumps(hover(10))) - 9), id="too-small"),
        pytest.param(frame(hover(10), len(json.dumps(hover(10))) + 9), id="too-large"),
        pytest.param(b"Content-Length: 99999999999\r\n\r\n" + json.dumps(hover(10)).encode(), id="over-the-limit"),
        pytest.param(b"%%garbage%%\r\n" + frame(hover(10)), id="garbage"),
    ],
)
def test_a_bad_content_length_is_logged_and_the_stream_goes_on(raw: RawClient, fault: bytes) -> None:
    raw.initialize()
    raw.write(fault + frame(hover(11)))
    assert "result" in raw.answer(11)
    assert any("framing error" in line for line in raw.logs)
    if b"99999999999" not in fault:  # the mis-framed request itself is recovered and answered
        assert "result" in raw.answer(10)
    assert raw.request(12, "shutdown")["result"] is None
    raw.send({"jsonrpc": "2.0", "method": "exit"})
    assert raw.ended() == 0


def test_a_client_that_declares_too_many_bytes_and_waits_gets_its_answer(raw: RawClient) -> None:
    raw.initialize()
    raw.write(frame(hover(20), len(json.dumps(hover(20))) + 100))
    assert "result" in raw.answer(20)


def test_the_end_of_stdin_ends_the_server_with_status_1_even_inside_a_message(raw: RawClient) -> None:
    raw.initialize()
    raw.write(b"Content-Length: 500\r\n\r\n{\"jsonrpc\"")
    assert raw.process.stdin is not None
    raw.process.stdin.close()
    assert raw.ended() == 1


@pytest.mark.skipif(not Path("/proc/self/status").exists(), reason="reads the resident size from /proc")
def test_memory_stays_flat_over_thousands_of_edits(raw: RawClient) -> None:
    raw.initialize()
    uri = "file:///virtual/edited.py"
    raw.send({"jsonrpc": "2.0", "method": "textDocument/didOpen",
              "params": {"textDocument": {"uri": uri, "languageId": "python", "version": 1, "text": "x = 1\n"}}})

    def edits(first: int, count: int) -> int:
        for version in range(first, first + count):
            raw.send({"jsonrpc": "2.0", "method": "textDocument/didChange",
                      "params": {"textDocument": {"uri": uri, "version": version},
                                 "contentChanges": [{"text": f"x = {version}\n"}]}})
        # a request after them is answered once they are all handled: notifications come in order
        raw.request(f"sync-{first}", "textDocument/hover", hover(0, uri)["params"])
        time.sleep(0.3)
        return resident_kb(raw.process.pid)

    edits(2, 1000)
    after_1000 = edits(1002, 1000)  # allocator and caches settled
    after_5000 = edits(2002, 4000)
    assert after_5000 - after_1000 < 1024, f"{after_5000 - after_1000} KB more after 4,000 more edits"


def resident_kb(pid: int) -> int:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1])
    raise AssertionError("no VmRSS")
