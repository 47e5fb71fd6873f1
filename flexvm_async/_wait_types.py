"""What a wait is given and what it hands back: policies, operations."""

from __future__ import annotations

import enum
import random
from collections.abc import Callable, Mapping
from datetime import UTC, datetime, timedelta
from typing import Any

import attrs

from flexvm_async._ids import check_id
from flexvm_async._models import VM, Node

__all__ = [
    "Operation",
    "OperationKind",
    "Outcome",
    "StateChange",
    "WaitPolicy",
    "WaitResults",
]


def _non_negative(
    _: object, attribute: attrs.Attribute[float], v: float
) -> None:
    if v < 0:
        raise ValueError(f"{attribute.name} must not be negative, not {v}")


@attrs.frozen
class WaitPolicy:
    """How often to poll while waiting, and for how long at most.

    The first poll comes `first_delay` seconds after the wait starts; each
    later delay is the previous one times `multiplier`, never more than
    `max_delay`. Each delay is moved at random by up to `jitter` of itself
    either way, so that nodes ordered together do not poll in step. A
    ``Retry-After`` from the API is a floor on the next delay. The wait
    ends with `WaitTimeoutError` at `deadline` seconds, or after
    `max_polls` polls when that is set; no sleep runs past the deadline.

    The defaults are for bare-metal provisioning: machines take minutes,
    and never seconds, so polling starts after 15 s and settles at one
    poll every 20 s. A node that becomes ``running`` is then noticed
    10 s later on average, against 15 s for a 30 s fixed interval, while
    the waits of a cloud share their polls (see `FlexVMClient`). Thirty
    minutes bound the wait, as in i3D's own tooling. `removal` and `vm`
    give shorter waits for the faster operations.

    Attributes:
        first_delay: Seconds before the first poll.
        multiplier: Growth of the delay from one poll to the next (>= 1).
        max_delay: The longest delay between two polls.
        jitter: The share (0 to 1) by which a delay may move either way.
        deadline: Seconds after which the wait gives up.
        max_polls: The most polls to make, or None for no limit.
    """

    first_delay: float = attrs.field(default=15.0, validator=_non_negative)
    multiplier: float = attrs.field(default=1.25)
    max_delay: float = attrs.field(default=20.0)
    jitter: float = attrs.field(default=0.2)
    deadline: float = attrs.field(default=1800.0)
    max_polls: int | None = attrs.field(default=None)

    @multiplier.validator
    def _check_multiplier(self, _: object, value: float) -> None:
        if value < 1:
            raise ValueError(f"multiplier must be at least 1, not {value}")

    @max_delay.validator
    def _check_max_delay(self, _: object, value: float) -> None:
        if value <= 0:
            raise ValueError(f"max_delay must be positive, not {value}")

    @jitter.validator
    def _check_jitter(self, _: object, value: float) -> None:
        if not 0 <= value <= 1:
            raise ValueError(f"jitter must be between 0 and 1, not {value}")

    @deadline.validator
    def _check_deadline(self, _: object, value: float) -> None:
        if value <= 0:
            raise ValueError(f"deadline must be positive, not {value}")

    @max_polls.validator
    def _check_polls(self, _: object, value: int | None) -> None:
        if value is not None and value < 1:
            raise ValueError(f"max_polls must be at least 1, not {value}")

    @classmethod
    def removal(cls) -> WaitPolicy:
        """Return the default policy for a node's removal (10 minutes)."""
        return cls(first_delay=5.0, max_delay=15.0, deadline=600.0)

    @classmethod
    def vm(cls) -> WaitPolicy:
        """Return the default policy for VM state changes (10 minutes)."""
        return cls(first_delay=5.0, max_delay=10.0, deadline=600.0)

    def scaled(self, speed: float) -> WaitPolicy:
        """Return this policy for a clock running `speed` times too fast.

        Every duration is divided by `speed`, so waiting on an emulator
        sped up 60 times polls as often, in emulated time, as the policy
        says.
        """
        if speed <= 0:
            raise ValueError(f"speed must be positive, not {speed}")
        return attrs.evolve(
            self,
            first_delay=self.first_delay / speed,
            max_delay=self.max_delay / speed,
            deadline=self.deadline / speed,
        )

    def delay(self, poll: int, rng: random.Random) -> float:
        """Return the jittered delay before poll number `poll` (from 1)."""
        base = min(
            self.max_delay, self.first_delay * self.multiplier ** (poll - 1)
        )
        return base * (1 + self.jitter * (2 * rng.random() - 1))


class OperationKind(enum.StrEnum):
    """What an `Operation` waits for."""

    PROVISION = "provision"
    """A node added to a cloud, awaited ``running``."""
    REMOVAL = "removal"
    """A node being removed, awaited gone (404 or ``deleted``)."""


def _aware(value: datetime | None) -> datetime | None:
    if value is not None and value.tzinfo is None:
        raise ValueError(f"deadline must be timezone-aware, not {value!r}")
    return value


@attrs.frozen
class Operation:
    """A node operation in progress, which any process can wait on.

    It turns into plain JSON with `to_json` and back with `from_json`, so
    a wait started in one process can be resumed in another.

    Attributes:
        kind: What is awaited.
        cloud_id: The node's cloud.
        node_id: The node.
        deadline: The wall-clock instant (UTC) after which waiting gives
            up, or None to use the waiting side's policy.
    """

    kind: OperationKind = attrs.field(converter=OperationKind)
    cloud_id: str = attrs.field()
    node_id: str = attrs.field()
    deadline: datetime | None = attrs.field(default=None, converter=_aware)

    @cloud_id.validator
    def _check_cloud(self, _: object, value: str) -> None:
        check_id(value, "cloud_id")

    @node_id.validator
    def _check_node(self, _: object, value: str) -> None:
        check_id(value, "node_id")

    @classmethod
    def start(
        cls,
        kind: OperationKind | str,
        cloud_id: str,
        node_id: str,
        *,
        within: float,
        now: datetime | None = None,
    ) -> Operation:
        """Return an operation whose deadline is `within` seconds from now."""
        start = now or datetime.now(UTC)
        return cls(
            OperationKind(kind),
            cloud_id,
            node_id,
            start + timedelta(seconds=within),
        )

    def to_json(self) -> dict[str, Any]:
        """Return the operation as a JSON-ready dict."""
        deadline = None
        if self.deadline is not None:
            deadline = self.deadline.astimezone(UTC).isoformat()
        return {
            "kind": self.kind.value,
            "cloud_id": self.cloud_id,
            "node_id": self.node_id,
            "deadline": deadline,
        }

    @classmethod
    def from_json(cls, data: Mapping[str, Any]) -> Operation:
        """Rebuild an operation from `to_json` output.

        Raises:
            ValueError: The data is not an operation.
        """
        try:
            raw = data.get("deadline")
            deadline = None if raw is None else datetime.fromisoformat(raw)
            return cls(
                data["kind"], data["cloud_id"], data["node_id"], deadline
            )
        except (KeyError, TypeError, AttributeError) as exc:
            raise ValueError(f"not an operation: {data!r}") from exc


@attrs.frozen
class StateChange:
    """A status change seen by a wait, for progress displays.

    Attributes:
        cloud_id: The resource's cloud.
        resource_id: The node or VM.
        old: The status before, or None for the first reading.
        new: The status now; ``"gone"`` when it no longer exists.
        resource: The reading itself, None when gone.
        at: The client's clock time of the reading.
    """

    cloud_id: str
    resource_id: str
    old: str | None
    new: str
    resource: Node | VM | None
    at: float


OnChange = Callable[[StateChange], object]


@attrs.frozen
class Outcome:
    """How one awaited operation ended.

    Attributes:
        operation: The operation.
        result: The node it ended with: the running node for a
            provision, None for a removal or on error.
        error: What ended it otherwise, or None on success.
    """

    operation: Operation
    result: Node | None = None
    error: BaseException | None = None

    @property
    def ok(self) -> bool:
        """True when the operation succeeded."""
        return self.error is None


@attrs.frozen
class WaitResults:
    """The outcomes of `wait_all`, partitioned.

    Attributes:
        succeeded: Operations that reached their state.
        failed: Operations that ended in an error other than a timeout
            (a failed node, a node gone, an API error).
        timed_out: Operations whose deadline passed first.
        cancelled: Operations left unfinished because another failed and
            `wait_all` was asked to stop at the first failure.
    """

    succeeded: tuple[Outcome, ...] = ()
    failed: tuple[Outcome, ...] = ()
    timed_out: tuple[Outcome, ...] = ()
    cancelled: tuple[Operation, ...] = ()

    @property
    def ok(self) -> bool:
        """True when every operation succeeded."""
        return not (self.failed or self.timed_out or self.cancelled)
