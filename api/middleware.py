"""Pure ASGI middleware: what every request goes through before routing, auth and parsing.

:class:`BodyLimit` caps every request body, declared (``Content-Length``) or chunked, at
the route's limit: a declared body over it is refused before a byte is read, a chunked
one as soon as it passes it, so a request holds at most its route's limit in memory
whoever sends it and whatever route it names (with or without a token).
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from typing import Any

from starlette.exceptions import HTTPException
from starlette.types import ASGIApp, Message, Receive, Scope, Send


class BodyTooLarge(HTTPException):
    """Raised by the counted ``receive`` when a body passes its limit.

    An HTTPException, so that FastAPI's body parsing passes it on (it turns any other
    error while reading into a 400) to the error handlers, which answer 413 with the one
    error body; :class:`BodyLimit` answers it itself when nothing else did.
    """

    def __init__(self, limit: int) -> None:
        super().__init__(413, f"request body larger than {limit} bytes")


def _refusal(limit: int) -> tuple[dict[str, Any], bytes]:
    body = json.dumps({"detail": f"request body larger than {limit} bytes",
                       "error": "PayloadTooLargeError"}).encode()
    start = {"type": "http.response.start", "status": 413, "headers": [
        (b"content-type", b"application/json"), (b"content-length", str(len(body)).encode()),
        # the rest of the body is not read: the client must open a new connection
        (b"connection", b"close")]}
    return start, body


class BodyLimit:
    """413 for a request body over its route's limit, counted as it arrives.

    Parameters
    ----------
    app
        The application behind.
    default
        The limit of every route, in bytes.
    larger
        Path prefixes and their own limit in bytes (imports take files).
    """

    def __init__(self, app: ASGIApp, *, default: int,
                 larger: Mapping[str, int] | None = None) -> None:
        self.app = app
        self.default = default
        self.larger = sorted((larger or {}).items(), key=lambda kv: -len(kv[0]))

    def limit_for(self, path: str) -> int:
        """The body limit of ``path``, in bytes."""
        for prefix, limit in self.larger:
            if path.startswith(prefix):
                return limit
        return self.default

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        limit = self.limit_for(scope.get("path", ""))
        for key, value in scope["headers"]:
            if key == b"content-length":
                if value.isdigit() and int(value) > limit:
                    await self._refuse(send, limit)
                    return
                break
        received = 0
        started = False

        async def counted() -> Message:
            nonlocal received
            message = await receive()
            if message["type"] == "http.request":
                received += len(message.get("body", b""))
                if received > limit:
                    raise BodyTooLarge(limit)
            return message

        async def tracked(message: Message) -> None:
            nonlocal started
            if message["type"] == "http.response.start":
                started = True
            await send(message)

        try:
            await self.app(scope, counted, tracked)
        except BodyTooLarge:
            if started:  # the route answered before reading it all: nothing more to say
                return
            await self._refuse(send, limit)

    @staticmethod
    async def _refuse(send: Send, limit: int) -> None:
        start, body = _refusal(limit)
        await send(start)
        await send({"type": "http.response.body", "body": body})
