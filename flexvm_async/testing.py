"""Helpers for testing code that waits on FlexVM for minutes.

`run_virtual` runs a coroutine on an event loop whose clock is virtual:
whenever every task is waiting on a timer and no socket has data, the
clock jumps straight to the next timer. Sleeps, timeouts and backoff run
on that clock, so a scaling run that waits twenty minutes for bare metal
finishes in a fraction of a second, with its schedule intact. Socket I/O
(an in-process emulator on loopback, say) takes no virtual time.

Pair it with the emulator on `LoopClock`, so the emulated machines age on
the same virtual clock::

    async def main():
        async with Emulator(clock=LoopClock()) as emu:
            ...

    run_virtual(main())
"""

from __future__ import annotations

import asyncio
import heapq
import itertools
import selectors
from collections.abc import Callable, Coroutine
from typing import Any, Protocol, TypeVar

__all__ = ["ClockDriver", "LoopClock", "VirtualTimeLoop", "run_virtual"]

T = TypeVar("T")


class _JumpingSelector(selectors.DefaultSelector):
    """A selector that advances the loop's virtual clock instead of blocking.

    The event loop asks to block for ``timeout`` seconds only when it has
    nothing to run before its next timer. Then, if no socket is ready, the
    wait is skipped and the clock moved on by ``timeout``.
    """

    def __init__(self, loop_time: list[float]) -> None:
        super().__init__()
        self._now = loop_time

    def select(
        self, timeout: float | None = None
    ) -> list[tuple[selectors.SelectorKey, int]]:
        events = super().select(0)
        if events or timeout == 0:
            return events
        if timeout is None:
            # No timer at all: only outside I/O can wake the loop.
            return super().select(None)
        self._now[0] += timeout
        return []


class VirtualTimeLoop(asyncio.SelectorEventLoop):
    """An event loop whose `time` is virtual and jumps over idle waits."""

    def __init__(self, start: float = 0.0) -> None:
        """Start the virtual clock at `start` seconds."""
        self._virtual = [start]
        super().__init__(_JumpingSelector(self._virtual))

    def time(self) -> float:
        """Return the virtual time in seconds."""
        return self._virtual[0]


def run_virtual(main: Coroutine[Any, Any, T], *, start: float = 0.0) -> T:
    """Run `main` to completion on a fresh `VirtualTimeLoop`.

    Args:
        main: The coroutine to run.
        start: The virtual time the loop starts at.

    Returns:
        What `main` returned.
    """
    with asyncio.Runner(loop_factory=lambda: VirtualTimeLoop(start)) as r:
        return r.run(main)


class LoopClock:
    """A clock that reads the running event loop's time.

    Given to the emulator under `run_virtual`, it makes emulated machines
    provision on the virtual clock the SDK's waiters sleep on.
    """

    def now(self) -> float:
        """Return the running loop's time in seconds."""
        return asyncio.get_running_loop().time()


class AdvanceableClock(Protocol):
    """A clock that can be moved forward by hand (`ManualClock`)."""

    def now(self) -> float:
        """Return the time in seconds."""
        ...  # pragma: no cover

    def advance(self, seconds: float) -> float:
        """Move the clock forward and return the new time."""
        ...  # pragma: no cover


class ClockDriver:
    """Moves a hand-driven clock forward whenever the SDK sits idle.

    Give `sleep` and `now` to a `FlexVMClient` pointed at an emulator on
    the same `ManualClock`: once every sleeper is asleep and no request is
    on the wire, the clock jumps to the earliest wake-up and wakes it. So
    the client's waits run on the emulator's time, on any event loop, and
    the test can still move the clock by hand between steps.

    Args:
        clock: The clock the emulator runs on.
        busy: Tells whether work is under way that must end first (the
            client's requests in flight, say).
        quiet_rounds: Loop turns with nothing new before the clock moves,
            so that tasks just woken reach their next sleep first.
    """

    def __init__(
        self,
        clock: AdvanceableClock,
        *,
        busy: Callable[[], bool] = lambda: False,
        quiet_rounds: int = 3,
    ) -> None:
        """Drive `clock`; nothing happens until something sleeps."""
        self.clock = clock
        self.busy = busy
        self._quiet_rounds = quiet_rounds
        self._sleepers: list[tuple[float, int, asyncio.Future[None]]] = []
        self._order = itertools.count()
        self._quiet = 0
        self._handle: asyncio.Handle | None = None

    def now(self) -> float:
        """Return the clock's time."""
        return self.clock.now()

    async def sleep(self, seconds: float) -> None:
        """Sleep `seconds` of the clock's time."""
        future = asyncio.get_running_loop().create_future()
        wake = self.clock.now() + max(0.0, seconds)
        heapq.heappush(self._sleepers, (wake, next(self._order), future))
        self._quiet = 0
        self._poke()
        await future

    def _poke(self, delay: float = 0.0) -> None:
        if self._handle is None:
            loop = asyncio.get_running_loop()
            self._handle = loop.call_later(delay, self._check)

    def _check(self) -> None:
        self._handle = None
        while self._sleepers and self._sleepers[0][2].done():
            heapq.heappop(self._sleepers)  # cancelled sleepers
        if not self._sleepers:
            return
        if self.busy():
            # A request is on the wire: its answer takes real time.
            self._quiet = 0
            self._poke(0.0005)
            return
        if self._quiet < self._quiet_rounds:
            self._quiet += 1
            self._poke()
            return
        self._quiet = 0
        wake = self._sleepers[0][0]
        if wake > self.clock.now():
            self.clock.advance(wake - self.clock.now())
        while self._sleepers and self._sleepers[0][0] <= self.clock.now():
            _, _, future = heapq.heappop(self._sleepers)
            if not future.done():
                future.set_result(None)
        if self._sleepers:
            self._poke()
