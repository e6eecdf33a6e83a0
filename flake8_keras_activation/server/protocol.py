"""JSON-RPC as this server speaks it: pygls's protocol, with what it gets wrong for a long-lived server put right."""

from __future__ import annotations

from typing import Any, Callable

from pygls.protocol import LanguageServerProtocol


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
