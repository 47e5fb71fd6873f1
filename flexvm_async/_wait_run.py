"""The engine of one wait: a tenacity loop over a poller's readings."""

from __future__ import annotations

import asyncio
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


Ask = Callable[[float, float], "asyncio.Future[Any]"]
Withdraw = Callable[["asyncio.Future[Any]"], None]
Settle = Callable[[Any], Any]
Notify = Callable[[StateChange], None]


@attrs.define
class Watch:
    """What one wait watches, and how it reports what it sees.

    Attributes:
        cloud_id: The resource's cloud.
        resource_id: The node or VM.
        kind: ``node`` or ``vm``, for messages.
        ask: Returns a future of a reading to be taken within a delay,
            bounded by an end.
        withdraw: Drops an ask the wait no longer awaits.
        settle: Turns a reading into the result or `NOT_YET`, or raises
            `Ended`.
        notify: Receives each status change.
    """

    cloud_id: str
    resource_id: str
    kind: str
    ask: Ask
    withdraw: Withdraw
    settle: Settle
    notify: Notify
    reading: Any = None
    asked: asyncio.Future[Any] | None = None
    last: Any = None
    status: str | None = None
    polls: int = 0

    def observe(self, now: float) -> Any:
        """Count the poll, report a status change, and return the reading.

        Raises:
            FlexVMError: The poll failed; transient failures are retried.
        """
        self.polls += 1
        if self.asked is not None:
            self.reading = self.asked.result()
            self.asked = None
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


_Sync = tenacity.BaseRetrying


class PlainAsyncRetrying(tenacity.AsyncRetrying):
    """An `AsyncRetrying` whose strategies are all plain functions.

    The stock asynchronous loop wraps each strategy and each step of its
    state machine in a new coroutine function on every iteration, which
    more than doubles the CPU of an iteration; and the wrappers live on
    through the sleep that follows, so thousands of waits keep the garbage
    collector busy. When `retry`, `stop`, `wait`, `before`, `after` and
    `before_sleep` are plain functions, tenacity's synchronous state
    machine makes the same decisions; only the attempt and the sleep are
    awaited.
    """

    _add_action_func = _Sync._add_action_func  # noqa: SLF001
    _run_retry = _Sync._run_retry  # type: ignore[assignment]  # noqa: SLF001
    _run_wait = _Sync._run_wait  # type: ignore[assignment]  # noqa: SLF001
    _run_stop = _Sync._run_stop  # type: ignore[assignment]  # noqa: SLF001

    async def iter(self, retry_state: tenacity.RetryCallState) -> Any:
        """Run one turn of tenacity's synchronous state machine."""
        try:
            return _Sync.iter(self, retry_state)
        finally:
            # The steps of the turn are spent: free them now, rather than
            # keep them alive through the sleep that usually follows (the
            # next turn would reset them only then). They also refer back
            # to this object, a cycle only the garbage collector breaks.
            self.iter_state.reset()


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
    Its sleep is the ask for the next reading: the wait sleeps on the
    future of that reading.

    Raises:
        WaitTimeoutError: The deadline or the poll limit came first.
        WaitError: `settle` ended the wait.
        FlexVMError: A poll failed in a way retrying cannot mend.
    """
    started = clock()
    end = started + policy.deadline
    if deadline is not None:
        end = min(end, deadline)

    def ask(delay: float) -> asyncio.Future[Any]:
        watch.asked = watch.ask(delay, end)
        return watch.asked

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

    retrying = PlainAsyncRetrying(
        sleep=ask,
        wait=wait,
        stop=stop,
        retry=tenacity.retry_if_result(lambda r: r is NOT_YET)
        | tenacity.retry_if_exception_type(TRANSIENT),
        reraise=True,
    )
    try:
        await ask(min(policy.delay(1, rng), end - started))
        return await retrying(_as_coroutine(poll))
    except (tenacity.RetryError, *TRANSIENT, Ended) as exc:
        raise _outcome(exc, watch, clock() - started) from _cause(exc)
    finally:
        if watch.asked is not None:
            # Cancelled while asleep: the poller stops serving this wait.
            watch.withdraw(watch.asked)


def _outcome(exc: Exception, watch: Watch, elapsed: float) -> WaitError:
    """Return the error that ends a wait that did not settle."""
    what = f"{watch.kind} {watch.resource_id} of cloud {watch.cloud_id}"
    if isinstance(exc, Ended):
        return exc.error(
            f"{what} {exc.reason}",
            last=watch.last,
            elapsed=elapsed,
            polls=watch.polls,
        )
    return WaitTimeoutError(
        f"{what} did not settle within {elapsed:.1f}s "
        f"({watch.polls} polls; last seen {watch.status or 'nothing'})",
        last=watch.last,
        elapsed=elapsed,
        polls=watch.polls,
    )


def _cause(exc: Exception) -> Exception | None:
    """The failure behind a wait's end: the last poll's, if one failed."""
    if isinstance(exc, tenacity.RetryError | Ended):
        return None
    return exc


def _as_coroutine(call: Callable[[], Any]) -> Callable[[], Awaitable[Any]]:
    async def run() -> Any:
        return call()

    return run
