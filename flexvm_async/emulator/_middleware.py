"""What happens to every request around its handler.

In order: the request is counted under its route template; the faults
are consulted (latency, then a reset, rate limit or server error instead
of the handler); the token is checked; the handler runs, its refusals
becoming API v3 error bodies; last, a fault may spoil the answer after
the change was made (lost, malformed or truncated). The admin routes
under ``/_emulator/`` are neither counted nor faulted, so a test can
always reach them.
"""

from __future__ import annotations

import logging
import secrets
import socket
import struct
from collections.abc import Awaitable, Callable
from typing import cast

from aiohttp import web

from flexvm_async.emulator import _apierror as err
from flexvm_async.emulator._counters import UNMATCHED, Counters
from flexvm_async.emulator._faults import FaultKind, FaultSet, Strike

__all__ = ["ADMIN_PREFIX", "Middleware"]

ADMIN_PREFIX = "/_emulator/"

_log = logging.getLogger("flexvm_async.emulator")
_Handler = Callable[[web.Request], Awaitable[web.StreamResponse]]
_REASONS = {
    500: "Internal server error",
    502: "Bad gateway",
    503: "Service unavailable",
    504: "Gateway timeout",
}
# SO_LINGER on, with a zero timeout: closing the socket then sends a TCP
# RST instead of a FIN, which is what a reset connection looks like.
_LINGER_RESET = struct.pack("ii", 1, 0)


def _template(request: web.Request) -> str:
    resource = request.match_info.route.resource
    return UNMATCHED if resource is None else resource.canonical


def _body(response: web.Response) -> bytes:
    # Handlers only ever set bytes (or nothing) as a body.
    return response.body if isinstance(response.body, bytes) else b""


def _kill(request: web.Request, how: str) -> None:
    """End the connection: ``reset``, ``abort`` or ``close``.

    ``reset`` sends a TCP RST, ``abort`` a FIN with anything unsent
    dropped, and ``close`` a FIN after what is already written.
    """
    transport = request.transport
    if transport is None:
        return  # the client has gone already
    if how == "close":
        transport.close()
        return
    sock = transport.get_extra_info("socket")
    if how == "reset" and sock is not None:
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, _LINGER_RESET)
    transport.abort()


def _drop(request: web.Request, *, reset: bool) -> web.Response:
    """Kill the connection; the returned response can never be written."""
    _kill(request, "reset" if reset else "abort")
    # aiohttp writes this into the closed transport, gets a
    # ConnectionResetError, and treats it as the client going away.
    return web.Response(status=500)


async def _truncate(
    request: web.Request, response: web.Response
) -> web.StreamResponse:
    """Send the headers and half the body, then close the connection."""
    if response.status == 204:  # noqa: PLR2004 - 204 cannot carry a body
        return _drop(request, reset=False)
    # An empty answer (a 202) gets a body of its own, so the cut shows.
    body = _body(response) or b"{}"
    partial = web.StreamResponse(status=response.status)
    partial.content_type = "application/json"
    partial.content_length = len(body)
    await partial.prepare(request)
    await partial.write(body[: len(body) // 2])
    # close, not abort: what was written must reach the client first.
    _kill(request, "close")
    return partial


def _malformed(response: web.Response) -> web.Response:
    """Keep the status, send a body that is not JSON."""
    if response.status == 204:  # noqa: PLR2004 - 204 cannot carry a body
        return response
    body = _body(response)
    return web.Response(
        status=response.status,
        body=body[: len(body) // 2] + b"<html>\x00",
        content_type="application/json",
    )


class Middleware:
    """The emulator's aiohttp middleware.

    Args:
        api_key: The token every request must carry in ``PRIVATE-TOKEN``.
        counters: Where requests are counted.
        faults: The faults to consult.
        sleep: The sleep latency faults go through.
    """

    def __init__(
        self,
        api_key: str,
        counters: Counters,
        faults: FaultSet,
        sleep: Callable[[float], Awaitable[object]],
    ) -> None:
        """Keep what every request needs."""
        self._key = api_key.encode()
        self._counters = counters
        self._faults = faults
        self.sleep = sleep

    @web.middleware
    async def handle(
        self, request: web.Request, handler: _Handler
    ) -> web.StreamResponse:
        """Count, fault, authenticate and run one request."""
        template = _template(request)
        if request.path.startswith(ADMIN_PREFIX):
            return await self._answer(request, handler)

        self._counters.hit(request.method, template)
        strike = None
        if self._faults:
            latency, strike = self._faults.decide(request.method, template)
            if latency:
                await self.sleep(latency)
        if strike is not None:
            early = self._early(request, strike)
            if early is not None:
                return early

        response = await self._answer(request, handler)

        if strike is None:
            return response
        if strike.kind is FaultKind.RESPONSE_LOST:
            return _drop(request, reset=False)
        if strike.kind is FaultKind.MALFORMED_JSON:
            return _malformed(response)
        return await _truncate(request, response)

    def _early(
        self, request: web.Request, strike: Strike
    ) -> web.Response | None:
        """Answer a fault that strikes before processing, if it is one."""
        if strike.kind is FaultKind.RESET:
            return _drop(request, reset=True)
        if strike.kind is FaultKind.RATE_LIMIT:
            return err.ApiError(
                429,
                err.RATE_LIMITED,
                "Too many requests",
                headers={"Retry-After": str(strike.retry_after)},
            ).response()
        if strike.kind is FaultKind.SERVER_ERROR:
            return err.error_response(
                strike.status, err.SERVER_ERROR, _REASONS[strike.status]
            )
        return None

    async def _answer(
        self, request: web.Request, handler: _Handler
    ) -> web.Response:
        """Check the token, run the handler, turn refusals into bodies."""
        token = request.headers.get("PRIVATE-TOKEN", "")
        sent = token.encode("utf-8", "surrogateescape")
        if not secrets.compare_digest(sent, self._key):
            # The answer never repeats the token, right or wrong.
            return err.error_response(
                403,
                err.INVALID_CREDENTIALS,
                "Invalid credentials",
                [("PRIVATE-TOKEN", "missing or not valid")],
            )
        try:
            # Every handler of the emulator answers with a plain Response.
            return cast("web.Response", await handler(request))
        except err.ApiError as exc:
            return exc.response()
        except web.HTTPException as exc:
            return _http_error(exc)
        except Exception:  # noqa: BLE001 - a bug still answers an API 500
            _log.exception("unexpected error in %s", request.path)
            return err.error_response(500, err.SERVER_ERROR, "Internal error")


def _http_error(exc: web.HTTPException) -> web.Response:
    """Give aiohttp's own refusals (404, 405, 413) an API v3 body."""
    code: int = {404: err.NOT_FOUND, 405: err.METHOD_NOT_ALLOWED}.get(
        exc.status, err.INVALID_BODY
    )
    headers = {"Allow": exc.headers["Allow"]} if "Allow" in exc.headers else {}
    return err.ApiError(
        exc.status, code, exc.reason, headers=headers
    ).response()
