"""A local FlexVM API server: in memory, on loopback, with faults on demand.

`Emulator` serves every ``/v3/flexVM/`` route with the statuses, bodies
and errors of the real API, on a clock it owns, so twenty minutes of
bare-metal provisioning can pass in a millisecond of a test::

    from flexvm_async.emulator import Emulator, ManualClock

    async with Emulator(clock=ManualClock()) as emu:
        ...  # point a client at emu.url with emu.api_key
        emu.clock.advance(20 * 60)

Names are imported on first use, so loading the pytest plugin (which
lives in this package) costs nothing until a fixture is used.
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from flexvm_async.emulator._catalog import (
        BARE_METAL_TYPES,
        IMAGES,
        SITES,
        VM_TYPES,
    )
    from flexvm_async.emulator._clock import Clock, ManualClock, ScaledClock
    from flexvm_async.emulator._counters import Counters
    from flexvm_async.emulator._faults import Fault, FaultKind, FaultSet
    from flexvm_async.emulator._profile import Duration, DurationProfile
    from flexvm_async.emulator._server import (
        DEFAULT_EPOCH,
        Emulator,
        SeededCloud,
    )
    from flexvm_async.emulator._views import CloudView, NodeView, VMView

__all__ = [
    "BARE_METAL_TYPES",
    "DEFAULT_EPOCH",
    "IMAGES",
    "SITES",
    "VM_TYPES",
    "Clock",
    "CloudView",
    "Counters",
    "Duration",
    "DurationProfile",
    "Emulator",
    "Fault",
    "FaultKind",
    "FaultSet",
    "ManualClock",
    "NodeView",
    "ScaledClock",
    "SeededCloud",
    "VMView",
]

_HOMES = {
    "BARE_METAL_TYPES": "_catalog",
    "IMAGES": "_catalog",
    "SITES": "_catalog",
    "VM_TYPES": "_catalog",
    "Clock": "_clock",
    "ManualClock": "_clock",
    "ScaledClock": "_clock",
    "Counters": "_counters",
    "Fault": "_faults",
    "FaultKind": "_faults",
    "FaultSet": "_faults",
    "Duration": "_profile",
    "DurationProfile": "_profile",
    "DEFAULT_EPOCH": "_server",
    "Emulator": "_server",
    "SeededCloud": "_server",
    "CloudView": "_views",
    "NodeView": "_views",
    "VMView": "_views",
}


def __getattr__(name: str) -> Any:
    """Import a public name from its private module on first use."""
    home = _HOMES.get(name)
    if home is None:
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
    value = getattr(importlib.import_module(f"{__name__}.{home}"), name)
    globals()[name] = value
    return value


def __dir__() -> list[str]:
    """List the public names."""
    return sorted(__all__)
