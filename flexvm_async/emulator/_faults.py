"""Faults the emulator can inject into its answers.

A `Fault` matches a route (``"METHOD /template"``, ``"METHOD *"``, a bare
``"/template"`` for any method, or ``"*"``) and fires on some of the
requests it matches: each one with a probability, on the next ``times``
ones, or as a script with one step per request. Faults are tried in the
order they were added; latency adds up, and the first other fault that
fires decides the answer (those after it are not consulted, so their
scripts do not move).
"""

from __future__ import annotations

import enum
import math
import random
from collections.abc import Iterable, Iterator, Sequence
from typing import Any

import attrs

__all__ = [
    "Fault",
    "FaultKind",
    "FaultSet",
    "ScriptStep",
    "Strike",
    "faults_from_json",
]


class FaultKind(enum.StrEnum):
    """What a fault does to a request.

    Attributes:
        RATE_LIMIT: Answer 429 with ``Retry-After``; nothing is processed.
        SERVER_ERROR: Answer 500, 502, 503 or 504 with an error body;
            nothing is processed.
        LATENCY: Wait before processing, through the emulator's sleep.
        RESET: Reset the connection before processing; nothing changes.
        RESPONSE_LOST: Process the request (the change is made), then
            drop the connection without answering.
        MALFORMED_JSON: Process the request, then send a body that is not
            JSON with the real status.
        TRUNCATED_JSON: Process the request, then send part of the body
            and close the connection short of its ``Content-Length``.
    """

    RATE_LIMIT = "rate_limit"
    SERVER_ERROR = "server_error"
    LATENCY = "latency"
    RESET = "reset"
    RESPONSE_LOST = "response_lost"
    MALFORMED_JSON = "malformed_json"
    TRUNCATED_JSON = "truncated_json"


#: One step of a script: True fires the fault's own kind, False or None
#: lets the request through, a kind (or its name) fires that kind, and a
#: status (429, 500, 502, 503, 504) fires a rate limit or server error.
ScriptStep = bool | None | FaultKind | str | int

_SERVER_STATUSES = frozenset({500, 502, 503, 504})


@attrs.frozen
class Strike:
    """What a fault does to one request.

    Attributes:
        kind: The kind of fault.
        status: The status of a server error.
        retry_after: The ``Retry-After`` seconds of a rate limit.
        latency: The seconds of added latency.
    """

    kind: FaultKind
    status: int = 503
    retry_after: int = 1
    latency: float = 0.0


def _check_step(step: ScriptStep) -> None:
    if step is None or isinstance(step, bool):
        return
    if isinstance(step, int):
        # 429 is the one non-5xx status a script may name.
        if step != 429 and step not in _SERVER_STATUSES:  # noqa: PLR2004
            raise ValueError(f"script status {step} is not 429 or 5xx")
        return
    FaultKind(step)


def _script(
    value: Iterable[ScriptStep] | None,
) -> tuple[ScriptStep, ...] | None:
    if value is None:
        return None
    steps = tuple(value)
    for step in steps:
        _check_step(step)
    return steps


def _of(*kinds: type) -> Any:
    """Check a value's type, refusing booleans where numbers are wanted."""

    def check(_: Any, attribute: attrs.Attribute[Any], value: Any) -> None:
        if isinstance(value, bool) or not isinstance(value, kinds):
            raise TypeError(f"{attribute.name}: wrong type {value!r}")

    return check


_optional = attrs.validators.optional


def _check_fault(fault: Fault) -> None:
    given = [
        name
        for name in ("probability", "times", "script")
        if getattr(fault, name) is not None
    ]
    if len(given) > 1:
        raise ValueError(f"give one of probability, times, script: {given}")
    if fault.probability is not None and not 0 <= fault.probability <= 1:
        raise ValueError("probability must be within [0, 1]")
    if fault.times is not None and fault.times < 0:
        raise ValueError("times must not be negative")
    if fault.status not in _SERVER_STATUSES:
        raise ValueError(f"status must be one of {sorted(_SERVER_STATUSES)}")
    if fault.retry_after < 0:
        raise ValueError("retry_after must not be negative")
    if not math.isfinite(fault.latency) or fault.latency < 0:
        raise ValueError("latency must be finite and >= 0")


@attrs.define(kw_only=True, eq=False)
class Fault:
    """A fault to inject on the requests of one route.

    Give at most one of ``probability``, ``times`` and ``script``; with
    none of them the fault fires on every matching request.

    Attributes:
        kind: What the fault does.
        route: ``"METHOD /template"`` (e.g. ``"POST
            /v3/flexVM/clouds/{cloudUuid}/nodes"``), ``"METHOD *"``,
            ``"/template"`` or ``"*"``.
        probability: The chance of firing on each matching request.
        times: Fire on this many of the next matching requests, then stop.
        script: One step per matching request; once it has run out, the
            fault stops firing.
        status: The status of a server error: 500, 502, 503 or 504.
        retry_after: The ``Retry-After`` seconds of a rate limit.
        latency: The seconds a latency fault adds.
        seen: How many matching requests the fault has been consulted on.
        fired: How many of them it fired on.
    """

    kind: FaultKind = attrs.field(converter=FaultKind)
    route: str = attrs.field(default="*", validator=_of(str))
    probability: float | None = attrs.field(
        default=None, validator=_optional(_of(int, float))
    )
    times: int | None = attrs.field(
        default=None, validator=_optional(_of(int))
    )
    script: tuple[ScriptStep, ...] | None = attrs.field(
        default=None, converter=_script
    )
    status: int = attrs.field(default=503, validator=_of(int))
    retry_after: int = attrs.field(default=1, validator=_of(int))
    latency: float = attrs.field(default=1.0, validator=_of(int, float))
    seen: int = attrs.field(default=0, init=False)
    fired: int = attrs.field(default=0, init=False)

    def __attrs_post_init__(self) -> None:
        """Check that the settings make sense together."""
        _check_fault(self)

    def matches(self, method: str, template: str) -> bool:
        """Return whether the fault applies to a route."""
        if self.route == "*":
            return True
        want_method, _, want_path = self.route.rpartition(" ")
        if want_method and want_method.upper() != method:
            return False
        return want_path in {"*", template}

    def consult(self, rng: random.Random) -> Strike | None:
        """Decide for one matching request; return what to do, if anything."""
        index = self.seen
        self.seen += 1
        step: ScriptStep = True
        if self.script is not None:
            step = self.script[index] if index < len(self.script) else None
        elif self.times is not None:
            step = index < self.times
        elif self.probability is not None:
            step = rng.random() < self.probability
        strike = self._strike(step)
        if strike is not None:
            self.fired += 1
        return strike

    def _strike(self, step: ScriptStep) -> Strike | None:
        if step is None or step is False:
            return None
        kind = self.kind
        status = self.status
        if isinstance(step, int) and not isinstance(step, bool):
            kind = FaultKind.RATE_LIMIT
            if step != 429:  # noqa: PLR2004 - the others are 5xx
                kind, status = FaultKind.SERVER_ERROR, step
        elif isinstance(step, str):
            kind = FaultKind(step)
        return Strike(kind, status, self.retry_after, self.latency)

    def to_json(self) -> dict[str, Any]:
        """Return the fault as the admin routes show it."""
        return {
            "kind": self.kind.value,
            "route": self.route,
            "probability": self.probability,
            "times": self.times,
            "script": None if self.script is None else list(self.script),
            "status": self.status,
            "retry_after": self.retry_after,
            "latency": self.latency,
            "seen": self.seen,
            "fired": self.fired,
        }


class FaultSet:
    """The faults of one emulator, in the order they were added.

    Args:
        routes: Every ``"METHOD /template"`` the emulator serves, to
            catch a fault whose route has a typo.
        rng: The seeded source for probabilities.
    """

    def __init__(self, routes: Iterable[str], rng: random.Random) -> None:
        """Start with no faults."""
        self._routes = frozenset(routes)
        self._rng = rng
        self._faults: list[Fault] = []

    def add(self, fault: Fault) -> Fault:
        """Add a fault after the others.

        Args:
            fault: The fault.

        Returns:
            The same fault, to read its ``seen`` and ``fired`` later.

        Raises:
            ValueError: If the route is not one the emulator serves.
        """
        if not any(
            fault.matches(*route.split(" ", 1)) for route in self._routes
        ):
            raise ValueError(f"no route matches {fault.route!r}")

        self._faults.append(fault)

        return fault

    def remove(self, fault: Fault) -> None:
        """Remove one fault.

        Raises:
            ValueError: If the fault is not in the set.
        """
        self._faults.remove(fault)

    def clear(self) -> None:
        """Remove every fault."""
        self._faults.clear()

    def __iter__(self) -> Iterator[Fault]:
        """Iterate over the faults in order."""
        return iter(list(self._faults))

    def __len__(self) -> int:
        """Return the number of faults."""
        return len(self._faults)

    def __bool__(self) -> bool:
        """Return whether there is any fault at all."""
        return bool(self._faults)

    def decide(
        self, method: str, template: str
    ) -> tuple[float, Strike | None]:
        """Consult the faults for one request.

        Returns:
            The total added latency, and the strike that decides the
            answer, if any.
        """
        latency = 0.0
        for fault in self._faults:
            if not fault.matches(method, template):
                continue
            strike = fault.consult(self._rng)
            if strike is None:
                continue
            if strike.kind is FaultKind.LATENCY:
                latency += strike.latency
                continue
            return latency, strike
        return latency, None


def faults_from_json(body: Any) -> Sequence[Fault]:
    """Build faults from an admin body: one object or a list of them.

    Raises:
        ValueError: If a field is unknown or a value is unacceptable.
        TypeError: If a value has the wrong type.
    """
    items = body if isinstance(body, list) else [body]
    faults = []
    for item in items:
        if not isinstance(item, dict):
            raise TypeError("a fault is a JSON object")
        faults.append(Fault(**item))
    return faults
