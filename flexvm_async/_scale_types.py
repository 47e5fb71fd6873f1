"""What a fleet scaling run reports: per-cloud results and progress events."""

from __future__ import annotations

import enum
from collections.abc import Callable, Mapping
from typing import Any, Self

import attrs

from flexvm_async._errors import FlexVMError

__all__ = [
    "CloudReport",
    "ScaleError",
    "ScaleEvent",
    "ScaleEventKind",
    "ScaleProblem",
    "ScaleReport",
    "UnknownCloudError",
]


class ScaleError(FlexVMError):
    """A scaling run could not start: its targets are not valid."""


class UnknownCloudError(ScaleError):
    """Some clouds named in the targets do not exist.

    Attributes:
        names: The ids or names that matched no cloud.
    """

    def __init__(self, names: list[str]) -> None:
        """Name the clouds that were not found."""
        super().__init__("no such cloud: " + ", ".join(map(repr, names)))
        self.names = names


@attrs.frozen
class ScaleProblem:
    """Something that went wrong in one cloud, with its reason.

    Attributes:
        kind: The error's class name (``NodeFailedError``, say).
        message: What happened.
        node_id: The node concerned, if any.
    """

    kind: str
    message: str
    node_id: str | None = None

    @classmethod
    def of(cls, error: BaseException, node_id: str | None = None) -> Self:
        """Describe an exception."""
        return cls(type(error).__name__, str(error), node_id)


@attrs.define
class CloudReport:
    """How one cloud's scaling went.

    Attributes:
        cloud_id: The cloud's id.
        name: The cloud's name.
        target: The number of live nodes asked for.
        before: Live nodes (running or provisioning) at the start.
        after: Running nodes at the end; None if the end was not read.
        added: Nodes ordered by this run.
        removed: Nodes released by this run.
        failed: Nodes seen ending ``failed``.
        pending: Nodes still provisioning or being removed when the cloud
            was last read; after an interruption, the work in flight.
        requests: HTTP requests this cloud's work spent.
        elapsed: Seconds from the cloud's start to its end.
        problems: What went wrong, with reasons.
    """

    cloud_id: str
    name: str
    target: int
    before: int = 0
    after: int | None = None
    added: list[str] = attrs.field(factory=list)
    removed: list[str] = attrs.field(factory=list)
    failed: list[str] = attrs.field(factory=list)
    pending: list[str] = attrs.field(factory=list)
    requests: int = 0
    elapsed: float = 0.0
    problems: list[ScaleProblem] = attrs.field(factory=list)

    @property
    def met(self) -> bool:
        """True when the cloud ended with exactly its target running."""
        return self.after == self.target

    def to_json(self) -> dict[str, Any]:
        """Return the report as a JSON-ready dict."""
        return {
            "cloud_id": self.cloud_id,
            "name": self.name,
            "target": self.target,
            "before": self.before,
            "after": self.after,
            "met": self.met,
            "added": list(self.added),
            "removed": list(self.removed),
            "failed": list(self.failed),
            "pending": list(self.pending),
            "requests": self.requests,
            "elapsed": round(self.elapsed, 3),
            "problems": [attrs.asdict(p) for p in self.problems],
        }


@attrs.define
class ScaleReport:
    """The outcome of `FlexVMClient.scale`.

    Attributes:
        clouds: One report per cloud, keyed by cloud id, in target order.
        elapsed: Seconds the whole run took.
        interrupted: True when the run was cancelled before it ended.
    """

    clouds: dict[str, CloudReport] = attrs.field(factory=dict)
    elapsed: float = 0.0
    interrupted: bool = False

    @property
    def ok(self) -> bool:
        """True when every cloud met its target."""
        return not self.interrupted and all(
            c.met for c in self.clouds.values()
        )

    @property
    def requests(self) -> int:
        """HTTP requests spent by the whole run."""
        return sum(c.requests for c in self.clouds.values())

    @property
    def short(self) -> list[CloudReport]:
        """The clouds that did not meet their target."""
        return [c for c in self.clouds.values() if not c.met]

    def to_json(self) -> dict[str, Any]:
        """Return the report as a JSON-ready dict."""
        return {
            "ok": self.ok,
            "interrupted": self.interrupted,
            "elapsed": round(self.elapsed, 3),
            "requests": self.requests,
            "clouds": [c.to_json() for c in self.clouds.values()],
        }


class ScaleEventKind(enum.StrEnum):
    """What a `ScaleEvent` reports."""

    CLOUD_STARTED = "cloud_started"
    """The cloud's nodes were read; `live` and `target` are set."""
    NODE_ORDERED = "node_ordered"
    """A node was added (201)."""
    NODE_ORDER_UNKNOWN = "node_order_unknown"
    """A node order got no answer; the cloud is read again before more."""
    NODE_REMOVING = "node_removing"
    """A node's removal was accepted (202)."""
    NODE_CHANGED = "node_changed"
    """A node awaited by the run changed status; `status` is the new one."""
    NODE_FAILED = "node_failed"
    """A node ended ``failed``."""
    PROBLEM = "problem"
    """Something went wrong; `message` says what."""
    CLOUD_DONE = "cloud_done"
    """The cloud's work ended; `report` is its final report."""


@attrs.frozen
class ScaleEvent:
    """A step of a scaling run, for progress displays and services.

    Attributes:
        kind: What happened.
        cloud_id: The cloud concerned.
        cloud_name: Its name.
        node_id: The node concerned, if any.
        status: The node's new status, for `NODE_CHANGED`.
        live: The cloud's live nodes (running or provisioning), counted
            at the last read and kept up to date with the run's changes.
        running: The cloud's running nodes, likewise.
        target: The cloud's target.
        message: A human-readable line.
        report: The cloud's report, for `CLOUD_DONE`.
    """

    kind: ScaleEventKind
    cloud_id: str
    target: int
    live: int
    running: int
    cloud_name: str = ""
    node_id: str | None = None
    status: str | None = None
    message: str = ""
    report: CloudReport | None = None


OnEvent = Callable[[ScaleEvent], object]
Targets = Mapping[str, int]
