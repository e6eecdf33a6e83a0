"""The protocol's base layer: JSON values framed by a Content-Length header, read so that a client's
framing mistake costs one message, never the rest of the stream."""

from __future__ import annotations

import json
import re
from typing import Any, Callable, Iterator, NamedTuple, Union

# A 64 MiB document (the command's limit) escaped as JSON, with room to spare; a larger message
# is skipped without being held in memory.
MAX_BODY = 256 * 2**20
MAX_HEADERS = 64 * 2**10
CHUNK = 2**16
# Below this, a body that is still arriving is tried as JSON when its bytes so far end like a
# JSON object: a client that declared too many bytes and waits for its answer gets one.
QUICK_CHECK = 2**20

# Where the next header block starts: its Content-Length line (clients send it first). A JSON body
# cannot hold one: JSON allows a raw CR LF only between tokens, and `Content-Length:` is not a token
# outside a string.
_HEADERS = re.compile(rb"content-length:[ \t]*[0-9]+\r\n", re.IGNORECASE)
_HEADER_LINE = re.compile(rb"([A-Za-z][A-Za-z0-9-]*):[ \t]*([^\r\n]*?)[ \t]*")
_LOOKBACK = 1024  # a header start cut by a read is searched for again this far back
_SPACE = b" \t\r\n"
_LEADING_SPACE = re.compile(rb"[ \t\r\n]*")


class Message(NamedTuple):
    """A JSON value, as one framed body held it."""

    value: Any


class NotJson(NamedTuple):
    """A framed body that is not JSON (the client gets a parse error)."""

    reason: str


class Problem(NamedTuple):
    """A framing mistake: what was wrong, and what was skipped or recovered (for the log)."""

    reason: str


Frame = Union[Message, NotJson, Problem]


def _parse(body: bytes) -> Message | NotJson:
    try:
        return Message(json.loads(body))
    except (ValueError, RecursionError) as error:  # UnicodeDecodeError is a ValueError
        return NotJson(f"{type(error).__name__}: {str(error)[:200]}")


def _complete(buffer: bytearray, start: int) -> Message | None:
    """The JSON value of the bytes from `start` when they are one whole JSON object or array
    already (tried on small bodies only: each try reads the whole body)."""
    if not 0 < len(buffer) - start <= QUICK_CHECK:
        return None
    body = bytes(buffer[start:])
    if not body.rstrip(_SPACE).endswith((b"}", b"]")):
        return None
    parsed = _parse(body)
    return parsed if isinstance(parsed, Message) else None


def _content_length(block: bytes) -> int | str:
    """The Content-Length a header block declares, or what is wrong with the block."""
    length: int | None = None
    for line in block.split(b"\r\n"):
        match = _HEADER_LINE.fullmatch(line)
        if match is None:
            return f"a header line that is not `Name: value`: {line[:80]!r}"
        if match.group(1).lower() == b"content-length":
            value = match.group(2)
            if not value.isdigit() or (length is not None and length != int(value)):
                return f"an unusable Content-Length: {value[:40]!r}"
            length = int(value)
    if length is None:
        return "headers without Content-Length"
    return length


class _Stream:
    def __init__(self, read: Callable[[int], bytes]) -> None:
        self.read = read
        self.buffer = bytearray()
        self.ended = False

    def fill(self) -> bool:
        """Read what the client has sent; False at the end of the stream."""
        if self.ended:
            return False
        chunk = self.read(CHUNK)
        if not chunk:
            self.ended = True
            return False
        self.buffer += chunk
        return True


def frames(read: Callable[[int], bytes]) -> Iterator[Frame]:
    """The messages of a stream, in order, until it ends. `read(n)` returns at most n bytes, at
    least one unless the stream has ended (os.read on a pipe).

    A header block without a usable Content-Length, a body that is not JSON because the declared
    length was too short, or a body that runs into the next message's headers because it was too
    long: each is a Problem, the message is recovered when its bytes are JSON, and reading goes on
    at the next header block.
    """
    stream = _Stream(read)
    buffer = stream.buffer
    while True:
        leading = _LEADING_SPACE.match(buffer)  # line ends some clients send after a body
        del buffer[: leading.end() if leading is not None else 0]
        end = buffer.find(b"\r\n\r\n")
        if end < 0:
            if len(buffer) > MAX_HEADERS:
                yield from _resync(stream, 1, f"{len(buffer)} bytes without the end of a header block")
                continue
            if not stream.fill():
                if buffer:
                    yield Problem(f"the stream ended inside a header block ({len(buffer)} bytes)")
                return
            continue
        declared = _content_length(bytes(buffer[:end]))
        start = end + 4
        if isinstance(declared, str):
            yield from _resync(stream, start, declared, body_start=start)
            continue
        if declared > MAX_BODY:
            del buffer[:start]
            yield from _resync(stream, 0, f"a message of {declared} bytes, over the limit of {MAX_BODY}")
            continue
        need = start + declared
        searched = start
        while len(buffer) < need:
            found = _HEADERS.search(buffer, max(start, searched - _LOOKBACK))
            if found is not None:  # the next message began inside this one: too long a Content-Length
                body = bytes(buffer[start : found.start()])
                del buffer[: found.start()]
                yield Problem(f"Content-Length said {declared} bytes, the message had {len(body)}")
                yield _parse(body)
                break
            searched = len(buffer)
            early = _complete(buffer, start)
            if early is not None:
                # the client sent a whole message and waits for an answer: it counted wrong
                del buffer[:searched]
                yield Problem(f"Content-Length said {declared} bytes, the message had {searched - start}")
                yield early
                break
            if not stream.fill():
                yield Problem(f"the stream ended inside a message ({len(buffer) - start} of {declared} bytes)")
                return
        else:
            body = bytes(buffer[start:need])
            parsed = _parse(body)
            if isinstance(parsed, Message) or body.rstrip(_SPACE).endswith((b"}", b"]")):
                del buffer[:need]
                yield parsed  # JSON, or a whole body that is not JSON: the client gets a parse error
                continue
            # cut short: the rest of it comes before the next header block
            yield from _resync(stream, start, f"Content-Length said {declared} bytes, short of the message",
                               body_start=start)


def _resync(stream: _Stream, search_from: int, reason: str, body_start: int | None = None) -> Iterator[Frame]:
    """Skip to the next header block at or after `search_from`; the bytes from `body_start` up to
    it are the message the framing lost, recovered when they are JSON."""
    buffer = stream.buffer
    searched = search_from
    dropped = 0
    while True:
        found = _HEADERS.search(buffer, max(search_from, searched - _LOOKBACK))
        if found is not None:
            at = found.start()
            lost = bytes(buffer[body_start:at]) if body_start is not None and at > body_start else b""
            del buffer[:at]
            recovered = _parse(lost) if lost.strip(_SPACE) else None
            if isinstance(recovered, Message):
                yield Problem(f"{reason}; the message was recovered")
                yield recovered
            else:
                yield Problem(f"{reason}; {dropped + at} bytes skipped")
            return
        searched = len(buffer)
        if body_start is not None:
            early = _complete(buffer, body_start)
            if early is not None:  # the rest of the message came, and no more: the client waits
                del buffer[:searched]
                yield Problem(f"{reason}; the message was recovered")
                yield early
                return
        if len(buffer) - (body_start or 0) > MAX_BODY:  # bounded memory: the lost message is lost
            cut = len(buffer) - _LOOKBACK
            dropped += cut
            del buffer[:cut]
            body_start, searched, search_from = None, 0, 0
        if not stream.fill():
            yield Problem(f"{reason}; the stream ended")
            return
