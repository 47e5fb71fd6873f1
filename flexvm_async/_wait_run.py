"""The engine of one wait: a tenacity loop over a poller's readings."""

from __future__ import annotations

import random
from collections.abc import Awaitable, Callable
from typing import Any

import attrs
import tenacity

from flexvm_async._errors import (
    FlexVMError,
    InvalidResponseError,
    RateLimitError,
    ServerError,
    TransportError,
    WaitError,
    WaitTimeoutError,
)
from flexvm_async._poller import GONE
from flexvm_async._retry import Clock
from flexvm_async._wait_types import StateChange, WaitPolicy

__all__ = ["NOT_YET", "Ended", "NotYet", "Watch", "run_wait"]

# Failures of one poll that say nothing about the resource: the wait goes
# on and polls again on its schedule.
TRANSIENT = (TransportError, RateLimitError, ServerError, InvalidResponseError)


class NotYet:
    """The type of `NOT_YET`: the resource is not in the awaited state.

    A value, not an exception: a wait polls many times, and an exception
    per poll would leave a traceback cycle per poll for the garbage
    collector, whose full passes stall the event loop when thousands of
    waits are alive.
    """

    def __repr__(self) -> str:
        """Name the sentinel."""
        return "NOT_YET"


NOT_YET = NotYet()


class Ended(Exception):  # noqa: N818 - carries a final outcome out of settle
    """The resource reached a state that ends the wait unsuccessfully."""

    def __init__(self, error: type[WaitError], reason: str) -> None:
        """Say which error ends the wait, and why."""
        super().__init__(reason)
        self.error = error
        self.reason = reason


Read = Callable[[float, float], Awaitable[Any]]
Settle = Callable[[Any], Any]
Notify = Callable[[StateChange], None]


@attrs.define
class Watch:
    """What one wait watches, and how it reports what it sees.

    Attributes:
        cloud_id: The resource's cloud.
        resource_id: The node or VM.
        kind: ``node`` or ``vm``, for messages.
        read: Returns a reading taken within a delay, bounded by an end.
        settle: Turns a reading into the result or `NOT_YET`, or raises
            `Ended`.
        notify: Receives each status change.
    """

    cloud_id: str
    resource_id: str
    kind: str
    read: Read
    settle: Settle
    notify: Notify
    reading: Any = None
    last: Any = None
    status: str | None = None
    polls: int = 0

    def observe(self, now: float) -> Any:
        """Count the poll, report a status change, and return the reading.

        Raises:
            FlexVMError: The poll failed; transient failures are retried.
        """
        self.polls += 1
        reading = self.reading
        if isinstance(reading, FlexVMError):
            raise reading
        status = "gone" if reading is GONE else reading.status.value
        if reading is not GONE:
            self.last = reading
        if status != self.status:
            resource = None if reading is GONE else reading
            change = StateChange(
                self.cloud_id,
                self.resource_id,
                self.status,
                status,
                resource,
                now,
            )
            self.status = status
            self.notify(change)
        return reading


async def run_wait(
    watch: Watch,
    policy: WaitPolicy,
    *,
    clock: Clock,
    rng: random.Random,
    deadline: float | None,
) -> Any:
    """Poll on the policy's schedule until `watch.settle` gives a result.

    A fresh tenacity `AsyncRetrying` drives the polls of this wait alone.

    Raises:
        WaitTimeoutError: The deadline or the poll limit came first.
        WaitError: `settle` ended the wait.
        FlexVMError: A poll failed in a way retrying cannot mend.
    """
    started = clock()
    end = started + policy.deadline
    if deadline is not None:
        end = min(end, deadline)
    what = f"{watch.kind} {watch.resource_id} of cloud {watch.cloud_id}"

    async def read(delay: float) -> None:
        watch.reading = await watch.read(delay, end)

    def wait(state: tenacity.RetryCallState) -> float:
        delay = policy.delay(state.attempt_number + 1, rng)
        after = getattr(watch.reading, "retry_after", None)
        if after is not None:
            delay = max(delay, after)
        return max(0.0, min(delay, end - clock()))

    def stop(_: tenacity.RetryCallState) -> bool:
        if policy.max_polls is not None and watch.polls >= policy.max_polls:
            return True
        return clock() >= end

    def poll() -> Any:
        return watch.settle(watch.observe(clock()))

    retrying = tenacity.AsyncRetrying(
        sleep=read,
        wait=wait,
        stop=stop,
        retry=tenacity.retry_if_result(lambda r: r is NOT_YET)
        | tenacity.retry_if_exception_type(TRANSIENT),
        reraise=True,
    )
    await read(min(policy.delay(1, rng), end - started))
    try:
        return await retrying(_as_coroutine(poll))
    except (tenacity.RetryError, *TRANSIENT) as exc:
        elapsed = clock() - started
        cause = None if isinstance(exc, tenacity.RetryError) else exc
        raise WaitTimeoutError(
            f"{what} did not settle within {elapsed:.1f}s "
            f"({watch.polls} polls; last seen {watch.status or 'nothing'})",
            last=watch.last,
            elapsed=elapsed,
            polls=watch.polls,
        ) from cause
    except Ended as ended:
        raise ended.error(
            f"{what} {ended.reason}",
            last=watch.last,
            elapsed=clock() - started,
            polls=watch.polls,
        ) from None


def _as_coroutine(call: Callable[[], Any]) -> Callable[[], Awaitable[Any]]:
    async def run() -> Any:
        return call()

    return run
