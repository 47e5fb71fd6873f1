"""What ends each kind of wait: a reading is a result, a failure or not yet.

Each function takes a reading (a model, or `GONE`) and returns the wait's
result, returns `NOT_YET` to keep waiting, or raises `Ended` to stop with
an error.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from flexvm_async._errors import (
    NodeFailedError,
    NodeGoneError,
    VMFailedError,
    WaitError,
)
from flexvm_async._models import VM, Node, NodeStatus, VMStatus
from flexvm_async._poller import GONE
from flexvm_async._wait_run import NOT_YET, Ended, NotYet

__all__ = ["node_removed", "node_running", "vm_deleted", "vm_in"]


def node_running(reading: Any) -> Node | NotYet:
    """Settle a provisioning wait: done when ``running``."""
    if reading is GONE:
        raise Ended(NodeGoneError, "vanished while provisioning")
    if reading.status is NodeStatus.RUNNING:
        return reading  # type: ignore[no-any-return]
    if reading.status is NodeStatus.FAILED:
        raise Ended(NodeFailedError, "ended failed")
    if reading.status.is_removing:
        raise Ended(NodeGoneError, "is being removed")
    return NOT_YET


def node_removed(reading: Any) -> NotYet | None:
    """Settle a removal wait: done at 404 or ``deleted``."""
    if reading is GONE or reading.status is NodeStatus.DELETED:
        return None
    if reading.status is NodeStatus.FAILED:
        raise Ended(NodeFailedError, "ended failed while removed")
    return NOT_YET


def vm_in(wanted: set[VMStatus]) -> Callable[[Any], VM | NotYet]:
    """Return a settle for a VM wait that is done in any of `wanted`."""

    def settle(reading: Any) -> VM | NotYet:
        if reading is GONE:
            raise Ended(WaitError, "no longer exists")
        if reading.status in wanted:
            return reading  # type: ignore[no-any-return]
        if reading.status is VMStatus.FAILED:
            raise Ended(VMFailedError, "ended failed")
        return NOT_YET

    return settle


def vm_deleted(reading: Any) -> NotYet | None:
    """Settle a VM deletion wait: done at 404 or ``deleted``."""
    if reading is GONE or reading.status is VMStatus.DELETED:
        return None
    if reading.status is VMStatus.FAILED:
        raise Ended(VMFailedError, "ended failed while deleted")
    return NOT_YET
