"""Admin routes under ``/_emulator/``: counters, faults and the clock.

They take the same ``PRIVATE-TOKEN`` as the API, and are never counted
or faulted, so a test can clear faults even after a ``"*"`` fault.
"""

from __future__ import annotations

import math
from typing import Any

from aiohttp import web

from flexvm_async.emulator import _apierror as err
from flexvm_async.emulator._api import route
from flexvm_async.emulator._clock import Clock
from flexvm_async.emulator._counters import Counters
from flexvm_async.emulator._faults import FaultSet, faults_from_json
from flexvm_async.emulator._store import rfc3339
from flexvm_async.emulator._validate import read_json

__all__ = ["ADMIN_ROUTES", "Admin"]

#: Every admin route, as ``(method, path, handler name)``.
ADMIN_ROUTES = (
    ("GET", "/_emulator/counters", "get_counters"),
    ("POST", "/_emulator/counters/reset", "reset_counters"),
    ("GET", "/_emulator/faults", "get_faults"),
    ("POST", "/_emulator/faults", "add_faults"),
    ("DELETE", "/_emulator/faults", "clear_faults"),
    ("GET", "/_emulator/clock", "get_clock"),
    ("POST", "/_emulator/clock/advance", "advance_clock"),
)


def _json(data: Any, status: int = 200) -> web.Response:
    return web.json_response(data, status=status)


class Admin:
    """Handlers for the admin routes.

    Args:
        counters: The request counters.
        faults: The fault set.
        clock: The emulator's clock.
        epoch: The wall time of clock reading zero, in POSIX seconds.
    """

    def __init__(
        self, counters: Counters, faults: FaultSet, clock: Clock, epoch: float
    ) -> None:
        """Keep what the routes act on."""
        self.counters = counters
        self.faults = faults
        self.clock = clock
        self.epoch = epoch

    def routes(self) -> list[web.RouteDef]:
        """Return the route table for an aiohttp application."""
        return [
            route(method, path, getattr(self, name))
            for method, path, name in ADMIN_ROUTES
        ]

    async def get_counters(self, request: web.Request) -> web.Response:
        """Show the request counts: ``{"total": n, "routes": {...}}``."""
        del request
        return _json(self.counters.to_json())

    async def reset_counters(self, request: web.Request) -> web.Response:
        """Set every count back to zero."""
        del request
        self.counters.reset()
        return web.Response(status=204)

    async def get_faults(self, request: web.Request) -> web.Response:
        """List the faults, with how often each was seen and fired."""
        del request
        return _json([fault.to_json() for fault in self.faults])

    async def add_faults(self, request: web.Request) -> web.Response:
        """Add one fault (a JSON object) or several (a list of them)."""
        body = await read_json(request)
        try:
            faults = faults_from_json(body)
            for fault in faults:
                self.faults.add(fault)
        except (TypeError, ValueError) as exc:
            raise err.invalid_body([("fault", str(exc))]) from None
        return _json([fault.to_json() for fault in faults], 201)

    async def clear_faults(self, request: web.Request) -> web.Response:
        """Remove every fault."""
        del request
        self.faults.clear()
        return web.Response(status=204)

    def _clock_json(self) -> dict[str, Any]:
        now = self.clock.now()
        return {"now": now, "time": rfc3339(self.epoch + now)}

    async def get_clock(self, request: web.Request) -> web.Response:
        """Show the clock: ``{"now": seconds, "time": RFC 3339}``."""
        del request
        return _json(self._clock_json())

    async def advance_clock(self, request: web.Request) -> web.Response:
        """Move a manual clock forward by ``{"seconds": n}``."""
        body = await read_json(request)
        seconds = body.get("seconds") if isinstance(body, dict) else None
        if (
            isinstance(seconds, bool)
            or not isinstance(seconds, int | float)
            or not math.isfinite(seconds)
            or seconds < 0
        ):
            raise err.invalid_body([("seconds", "must be a number >= 0")])
        advance = getattr(self.clock, "advance", None)
        if advance is None:
            raise err.ApiError(
                409,
                err.UNPROCESSABLE,
                "The emulator's clock cannot be moved by hand",
            )
        advance(seconds)
        return _json(self._clock_json())
