"""Clocks that drive the emulator's lifecycles.

Every status in the emulator is computed from timestamps taken on one of
these clocks, when a resource is read. Nothing runs in the background, so
a test can jump twenty minutes ahead with `ManualClock.advance` and see a
node that has finished provisioning, without waiting.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from typing import Protocol

__all__ = ["Clock", "ManualClock", "ScaledClock"]


class Clock(Protocol):
    """What the emulator needs from a clock."""

    def now(self) -> float:
        """Return the current time in seconds on this clock."""
        ...


class ManualClock:
    """A clock that only moves when told to.

    Args:
        start: The reading before the first `advance`, in seconds.
    """

    def __init__(self, start: float = 0.0) -> None:
        """Start the clock at ``start`` seconds."""
        self._now = float(start)

    def now(self) -> float:
        """Return the current reading in seconds."""
        return self._now

    def advance(self, seconds: float) -> float:
        """Move the clock forward.

        Args:
            seconds: How far to move; zero is allowed, negative is not.

        Returns:
            The new reading.

        Raises:
            ValueError: If ``seconds`` is negative; time never runs back.
        """
        if seconds < 0:
            raise ValueError(f"cannot move a clock back ({seconds} s)")

        self._now += seconds

        return self._now

    def __repr__(self) -> str:
        """Show the current reading."""
        return f"ManualClock(now={self._now!r})"


class ScaledClock:
    """Real time, sped up by a constant factor.

    Args:
        speed: How many emulated seconds pass per real second.
        start: The reading at construction, in seconds.
        timer: The real-time source; `time.monotonic` unless a test
            substitutes its own.

    Raises:
        ValueError: If ``speed`` is not positive.
    """

    def __init__(
        self,
        speed: float = 1.0,
        *,
        start: float = 0.0,
        timer: Callable[[], float] = time.monotonic,
    ) -> None:
        """Anchor the clock at ``start`` on the timer's current reading."""
        if not speed > 0:
            raise ValueError(f"speed must be positive, not {speed!r}")

        self._speed = float(speed)
        self._start = float(start)
        self._timer = timer
        self._origin = timer()

    @property
    def speed(self) -> float:
        """The number of emulated seconds per real second."""
        return self._speed

    def now(self) -> float:
        """Return the emulated seconds since the anchor, plus ``start``."""
        return self._start + (self._timer() - self._origin) * self._speed

    def __repr__(self) -> str:
        """Show the speed and the current reading."""
        return f"ScaledClock(speed={self._speed!r}, now={self.now():.3f})"
