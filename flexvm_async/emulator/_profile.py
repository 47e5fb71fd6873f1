"""How long each lifecycle phase takes in the emulator.

A phase's duration is one of three things: a fixed number of seconds, a
``(low, high)`` pair drawn uniformly, or any callable that takes the
emulator's `random.Random` and returns seconds. The defaults are shaped
like real bare metal: minutes for a node, tens of seconds for a VM.
"""

from __future__ import annotations

import math
import random
from collections.abc import Callable
from typing import Any

import attrs

__all__ = ["Duration", "DurationProfile", "sample"]

#: A fixed number of seconds, a uniform range, or a sampling callable.
Duration = float | tuple[float, float] | Callable[[random.Random], float]


def _check(_: Any, attribute: attrs.Attribute[Any], value: Any) -> None:
    """Reject a duration that could yield a negative or unusable number."""
    if callable(value):
        return
    if isinstance(value, tuple):
        if len(value) != 2:  # noqa: PLR2004 - a range has two ends
            raise ValueError(f"{attribute.name}: a range is (low, high)")
        low, high = value
        _check_seconds(attribute.name, low)
        _check_seconds(attribute.name, high)
        if low > high:
            raise ValueError(f"{attribute.name}: low {low} > high {high}")
        return
    _check_seconds(attribute.name, value)


def _check_seconds(name: str, value: Any) -> None:
    if isinstance(value, bool) or not isinstance(value, int | float):
        raise TypeError(f"{name}: expected seconds, got {value!r}")
    if not math.isfinite(value) or value < 0:
        raise ValueError(f"{name}: seconds must be finite and >= 0")


def _check_rate(_: Any, attribute: attrs.Attribute[Any], value: float) -> None:
    if not 0.0 <= value <= 1.0:
        raise ValueError(f"{attribute.name} must be within [0, 1]")


@attrs.frozen(kw_only=True)
class DurationProfile:
    """Durations of every phase, and how often provisioning fails.

    Attributes:
        node_requested: Time a node spends ``requested``.
        node_bootstrapping: Time a node spends ``bootstrapping`` before it
            is ``running`` (or ``failed``).
        node_deleting: Time a node spends ``deleting``.
        node_deleted_grace: Time a ``deleted`` node is still served
            before the API answers 404 for it.
        vm_provisioning: Time a new VM spends ``provisioning``.
        vm_starting: Time a VM spends ``starting`` (after provisioning,
            a ``start``, a ``reboot`` or a ``reset``).
        vm_stopping: Time a VM spends ``stopping``.
        vm_deleting: Time a VM spends ``deleting``.
        vm_deleted_grace: Time a ``deleted`` VM is still listed before the
            API answers 404 for it.
        node_failure_rate: Share of nodes that end ``failed`` instead of
            ``running``, from 0 to 1.
        vm_failure_rate: Share of VMs that end ``failed`` instead of
            ``starting``, from 0 to 1.
    """

    node_requested: Duration = attrs.field(
        default=(30.0, 90.0), validator=_check
    )
    node_bootstrapping: Duration = attrs.field(
        default=(240.0, 720.0), validator=_check
    )
    node_deleting: Duration = attrs.field(
        default=(60.0, 180.0), validator=_check
    )
    node_deleted_grace: Duration = attrs.field(default=300.0, validator=_check)
    vm_provisioning: Duration = attrs.field(
        default=(20.0, 60.0), validator=_check
    )
    vm_starting: Duration = attrs.field(default=(10.0, 30.0), validator=_check)
    vm_stopping: Duration = attrs.field(default=(5.0, 20.0), validator=_check)
    vm_deleting: Duration = attrs.field(default=(10.0, 30.0), validator=_check)
    vm_deleted_grace: Duration = attrs.field(default=300.0, validator=_check)
    node_failure_rate: float = attrs.field(default=0.0, validator=_check_rate)
    vm_failure_rate: float = attrs.field(default=0.0, validator=_check_rate)

    @classmethod
    def instant(cls, **overrides: Any) -> DurationProfile:
        """Build a profile where every phase takes no time at all.

        Args:
            **overrides: Fields to set to something other than zero.

        Returns:
            A profile whose resources reach their next stable state on
            the very next read.
        """
        zeros: dict[str, Any] = {
            field.name: 0.0
            for field in attrs.fields(cls)
            if not field.name.endswith("_rate")
        }

        return cls(**{**zeros, **overrides})


def sample(duration: Duration, rng: random.Random) -> float:
    """Draw a number of seconds from a duration.

    Args:
        duration: A fixed number, a ``(low, high)`` range or a callable.
        rng: The source of randomness, so runs are reproducible.

    Returns:
        Seconds, never negative.

    Raises:
        ValueError: If a callable returned a negative or non-finite value.
    """
    if callable(duration):
        seconds = float(duration(rng))
        if not math.isfinite(seconds) or seconds < 0:
            raise ValueError(f"duration callable returned {seconds!r}")
        return seconds
    if isinstance(duration, tuple):
        low, high = duration
        return rng.uniform(low, high)

    return float(duration)
