"""JSON-RPC as this server speaks it: pygls's protocol, with what it gets wrong for a long-lived server
put right, and the loop that feeds it framed messages from stdin."""

from __future__ import annotations

import asyncio
import logging
import os
import threading
from typing import Any, BinaryIO, Callable

import cattrs
from lsprotocol import types
from pygls.io_ import StdoutWriter
from pygls.protocol import LanguageServerProtocol

from .framing import Frame, NotJson, Problem, frames

LOG = logging.getLogger(__name__)
IN_FLIGHT = 16  # frames read ahead of the protocol loop: a flooding client waits, memory does not grow


def _what_is_wrong(error: BaseException) -> str:
    """cattrs's own words for a message of the wrong shape (`required field missing @ $.params.range`)."""
    cause = error.__cause__ if error.__cause__ is not None else error
    if isinstance(cause, cattrs.BaseValidationError):
        return "; ".join(cattrs.transform_error(cause))
    return f"{type(cause).__name__}: {cause}"


def _valid_id(value: Any) -> bool:
    return isinstance(value, (str, int)) and not isinstance(value, bool)


class KerasProtocol(LanguageServerProtocol):
    def _execute_handler(
        self,
        msg_id: Any,
        handler: Callable[..., Any],
        callback: Callable[[Any], None],
        args: tuple[Any, ...] | None = None,
        kwargs: dict[str, Any] | None = None,
    ) -> None:
        # pygls files the future of every handler that does not finish at once (a generator, a
        # coroutine) under its id, and only sending a response takes it out again. Notifications
        # have no response: each didChange left its future behind, about 2 KB, for the life of
        # the server. A finished future leaves the table whatever it was for.
        def done(future: Any) -> None:
            if self._request_futures.get(msg_id) is future:
                del self._request_futures[msg_id]
            callback(future)

        super()._execute_handler(msg_id, handler, done, args, kwargs)

    def handle_message(self, message: Any) -> None:
        # pygls drops every request after shutdown without a word; the client would wait forever
        method = getattr(message, "method", None)
        if self._shutdown and method is not None and method != types.EXIT and _valid_id(getattr(message, "id", None)):
            self.answer_error(message.id, types.ErrorCodes.InvalidRequest, f"{method}: the server is shut down")
            return
        super().handle_message(message)

    def send_json(self, body: bytes) -> None:
        """A message serialized already (off the protocol loop), framed as pygls frames its own."""
        if self.writer is not None:
            self.writer.write(b"Content-Length: %d\r\n\r\n" % len(body))
            self.writer.write(body)

    def answer_error(self, msg_id: Any, code: int, text: str) -> None:
        self._send_response(msg_id, error=types.ResponseError(code=code, message=text))

    def problem(self, text: str) -> None:
        """A message the protocol could not take: logged where the user and the server's stderr see it."""
        LOG.warning("%s", text)
        log = getattr(self._server, "log", None)
        if log is not None:
            log(text, types.MessageType.Warning)

    def receive(self, frame: Frame) -> None:
        """One frame from the client: a message goes to its handler; anything else gets the
        JSON-RPC error a request is owed (a parse error, an invalid request, invalid params)."""
        if isinstance(frame, Problem):
            self.problem(f"framing error: {frame.reason}")
            return
        if isinstance(frame, NotJson):
            self.problem(f"a message that is not JSON ({frame.reason})")
            self.answer_error(None, types.ErrorCodes.ParseError, f"not JSON: {frame.reason}")
            return
        value = frame.value
        if not isinstance(value, dict) or value.get("jsonrpc") != self.VERSION:
            msg_id = value.get("id") if isinstance(value, dict) else None
            self.problem("a message that is not a JSON-RPC 2.0 object")
            self.answer_error(msg_id if _valid_id(msg_id) else None, types.ErrorCodes.InvalidRequest,
                              "not a JSON-RPC 2.0 message")
            return
        request = "method" in value and "id" in value
        if request and not (_valid_id(value["id"]) and isinstance(value["method"], str)):
            self.problem("a request whose id or method is not valid")
            self.answer_error(None, types.ErrorCodes.InvalidRequest, "a request needs a string method and an id")
            return
        try:
            message = self.structure_message(value)
        except Exception as error:  # params of the wrong shape: cattrs says which
            method = value.get("method", "a response")
            detail = _what_is_wrong(error)
            if request:
                self.answer_error(value["id"], types.ErrorCodes.InvalidParams, f"{method}: invalid params ({detail})")
            else:
                self.problem(f"{method}: ignored, its params are not valid ({detail})")
            return
        self.handle_message(message)


def run_stdio(protocol: KerasProtocol, stdin: BinaryIO, stdout: BinaryIO) -> None:
    """Serve until the client says exit or the stream ends.

    Our own loop rather than pygls's: its reader trusts every Content-Length and leaves the
    stream out of step for good after one wrong header. Frames are read (and their JSON parsed)
    on a daemon thread, so that the process can end while it waits on stdin.
    """
    protocol.set_writer(StdoutWriter(stdout))
    descriptor = stdin.fileno()
    asyncio.run(_serve(protocol, lambda size: os.read(descriptor, size)))


async def _serve(protocol: KerasProtocol, read: Callable[[int], bytes]) -> None:
    loop = asyncio.get_running_loop()
    finished: asyncio.Future[None] = loop.create_future()
    slots = threading.Semaphore(IN_FLIGHT)

    def deliver(frame: Frame | None) -> None:
        try:
            if frame is None:
                if not finished.done():
                    finished.set_result(None)
                return
            protocol.receive(frame)
        except SystemExit:  # pygls's exit handler ends the process this way
            if not finished.done():
                finished.set_result(None)
        except Exception:  # a bug of ours or pygls's: one message lost, the server goes on
            LOG.exception("cannot handle a message")
        finally:
            slots.release()

    def pump() -> None:
        try:
            for frame in frames(read):
                slots.acquire()
                loop.call_soon_threadsafe(deliver, frame)
        except OSError as error:  # stdin closed under us: the same as its end
            LOG.warning("reading stdin failed: %s", error)
        except RuntimeError:  # the loop is closed: the server is ending anyway
            return
        try:
            slots.acquire()
            loop.call_soon_threadsafe(deliver, None)
        except RuntimeError:
            pass

    threading.Thread(target=pump, name="ka-stdin", daemon=True).start()
    await finished
