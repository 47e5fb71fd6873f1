"""Pytest fixtures for testing against the emulator.

Installed with flexvm-async and loaded by pytest on its own. It imports
nothing heavy until a fixture runs, so projects that never use it pay
nothing.

* ``flexvm_emulator``: a started `Emulator` on a `ManualClock`. Options
  go through a marker: ``@pytest.mark.flexvm_emulator(max_page_size=5)``.
* ``flexvm_client``: a ``flexvm_async.FlexVMClient`` pointed at it. On
  a `ManualClock` the client sleeps on that clock, which a
  `flexvm_async.testing.ClockDriver` moves forward whenever the client
  has nothing else to do: waits for bare metal that take twenty emulated
  minutes end in milliseconds, and the test may also advance the clock by
  hand.
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from typing import TYPE_CHECKING, Any

import pytest
import pytest_asyncio

if TYPE_CHECKING:
    from flexvm_async import FlexVMClient
    from flexvm_async.emulator._server import Emulator

__all__ = ["flexvm_client", "flexvm_emulator", "pytest_configure"]


def pytest_configure(config: pytest.Config) -> None:
    """Register the ``flexvm_emulator`` marker."""
    config.addinivalue_line(
        "markers",
        "flexvm_emulator(**kwargs): options for the flexvm_emulator"
        " fixture's Emulator",
    )


@pytest_asyncio.fixture
async def flexvm_emulator(
    request: pytest.FixtureRequest,
) -> AsyncIterator[Emulator]:
    """Yield a started emulator on a manual clock, stopped afterwards.

    The closest ``flexvm_emulator`` marker's keyword arguments go to
    `Emulator`; without ``clock`` or ``speed`` among them, the clock is
    a `ManualClock` at 0.
    """
    # Imported on use, so that loading the plugin stays cheap.
    from flexvm_async.emulator._clock import ManualClock  # noqa: PLC0415
    from flexvm_async.emulator._server import Emulator  # noqa: PLC0415

    marker = request.node.get_closest_marker("flexvm_emulator")
    options: dict[str, Any] = dict(marker.kwargs) if marker else {}
    if "clock" not in options and "speed" not in options:
        options["clock"] = ManualClock()

    async with Emulator(**options) as emulator:
        yield emulator


@pytest_asyncio.fixture
async def flexvm_client(
    flexvm_emulator: Emulator,
) -> AsyncIterator[FlexVMClient]:
    """Yield a ``FlexVMClient`` for the emulator, closed afterwards.

    With the emulator on a `ManualClock`, the client's sleeps and clock
    are that clock's, driven forward while the client is idle.
    """
    # Imported here, not at load: the client pulls in the whole SDK,
    # which a suite that never uses this fixture should not pay for.
    from flexvm_async import FlexVMClient  # noqa: PLC0415
    from flexvm_async.emulator._clock import ManualClock  # noqa: PLC0415
    from flexvm_async.testing import ClockDriver  # noqa: PLC0415

    options: dict[str, Any] = {}
    clock = flexvm_emulator.clock
    driver = None
    if isinstance(clock, ManualClock):
        driver = ClockDriver(clock)
        options = {"sleep": driver.sleep, "clock": driver.now}
    async with FlexVMClient(
        flexvm_emulator.api_key, base_url=flexvm_emulator.url, **options
    ) as client:
        if driver is not None:
            transport = client.transport
            driver.busy = lambda: transport.in_flight > 0
        yield client
