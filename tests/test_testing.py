"""The testing helpers: the clock driver and the virtual-time loop."""

from __future__ import annotations

import asyncio
import contextlib

from flexvm_async.emulator import ManualClock
from flexvm_async.testing import ClockDriver, run_virtual


async def test_driver_wakes_sleepers_in_order_on_the_clock() -> None:
    """Sleepers wake in order of their wake-up, the clock jumping to each."""
    clock = ManualClock()
    driver = ClockDriver(clock)
    woke: list[tuple[str, float]] = []

    async def sleeper(name: str, seconds: float) -> None:
        await driver.sleep(seconds)
        woke.append((name, clock.now()))

    await asyncio.gather(sleeper("late", 600), sleeper("early", 60))

    assert woke == [("early", 60.0), ("late", 600.0)]


async def test_driver_holds_the_clock_while_busy() -> None:
    """While work is under way the clock does not move."""
    clock = ManualClock()
    busy = [True]
    driver = ClockDriver(clock, busy=lambda: busy[0])
    nap = asyncio.create_task(driver.sleep(30))
    for _ in range(20):
        await asyncio.sleep(0)
    assert clock.now() == 0
    assert not nap.done()

    busy[0] = False
    await nap

    assert clock.now() == 30


async def test_driver_skips_cancelled_sleepers() -> None:
    """A cancelled sleeper neither wakes nor moves the clock."""
    clock = ManualClock()
    driver = ClockDriver(clock)
    gone = asyncio.create_task(driver.sleep(10))
    await asyncio.sleep(0)
    gone.cancel()
    with contextlib.suppress(asyncio.CancelledError):
        await gone

    await driver.sleep(50)

    assert clock.now() == 50


def test_virtual_loop_jumps_over_idle_waits() -> None:
    """An hour of sleeping passes at once on the virtual clock."""

    async def main() -> float:
        loop = asyncio.get_running_loop()
        start = loop.time()
        hour = 3600.0
        await asyncio.sleep(hour)  # on the virtual clock: no real time
        return loop.time() - start

    assert run_virtual(main(), start=100.0) == 3600
