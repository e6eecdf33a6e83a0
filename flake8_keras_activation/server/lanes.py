"""Worker threads for the language server's analyses, which the protocol loop awaits and never runs itself."""

from __future__ import annotations

import asyncio
import gc
import queue
import threading
from typing import Any, Callable, Generic, TypeVar

T = TypeVar("T")


def _settle(future: asyncio.Future[Any], value: Any, error: BaseException | None) -> None:
    if future.done():  # cancelled while it ran: nobody wants the result
        return
    if error is not None:
        future.set_exception(error)
    else:
        future.set_result(value)


class Lane(Generic[T]):
    """One thread that runs jobs in turn.

    A job whose future was cancelled before its turn (the document changed again, so a newer job
    is queued behind it) is skipped. The thread is a daemon: the process must be able to end while
    it is in the middle of a long analysis, which nothing can interrupt.
    """

    def __init__(self, name: str, pause_collector: bool = False) -> None:
        self._pause_collector = pause_collector
        self._jobs: queue.SimpleQueue[tuple[Callable[[], T], asyncio.AbstractEventLoop, asyncio.Future[T]] | None]
        self._jobs = queue.SimpleQueue()
        threading.Thread(target=self._work, name=name, daemon=True).start()

    def run(self, job: Callable[[], T]) -> asyncio.Future[T]:
        """The job's result, to await on the running loop; cancelling it before the job starts skips the job."""
        loop = asyncio.get_running_loop()
        future: asyncio.Future[T] = loop.create_future()
        self._jobs.put((job, loop, future))
        return future

    def close(self) -> None:
        """Stop taking jobs; the one running, if any, finishes unheard."""
        self._jobs.put(None)

    def _work(self) -> None:
        while True:
            item = self._jobs.get()
            if item is None:
                return
            job, loop, future = item
            if future.done():  # a read across threads: at worst a job just cancelled still runs
                continue
            value: T | None = None
            error: BaseException | None = None
            # An analysis of a big file makes millions of objects and frees them without cycles
            # (some 600 cyclic ones for 3 MiB). With the collector on, each of its full passes
            # over that heap holds the interpreter for half a second, stalling the other lane and
            # the protocol loop, and all of them add half the analysis's time.
            collecting = self._pause_collector and gc.isenabled()
            if collecting:
                gc.disable()
            try:
                value = job()
            except Exception as caught:  # the awaiting side reports it
                error = caught
            finally:
                if collecting:
                    gc.enable()
            try:
                loop.call_soon_threadsafe(_settle, future, value, error)
            except RuntimeError:  # the loop is closed: the server is ending
                return
