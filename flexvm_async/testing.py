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
import selectors
from collections.abc import Coroutine
from typing import Any, TypeVar

__all__ = ["LoopClock", "VirtualTimeLoop", "run_virtual"]

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
