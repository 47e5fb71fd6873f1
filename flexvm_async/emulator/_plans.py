"""Timelines for what happens to a node or a VM, drawn from a profile.

Each function returns the steps a record goes through from ``now``, with
durations sampled from the `DurationProfile` on the emulator's seeded
random source, so a seed reproduces a run exactly.
"""

from __future__ import annotations

import random

from flexvm_async.emulator._profile import DurationProfile, sample
from flexvm_async.emulator._records import Timeline

__all__ = ["Planner"]

# Statuses the emulator never enters by itself; a seeded record in one of
# them stays there until something is done to it.
_STATIC_NODE = {"created", "running", "failed"}
_STATIC_VM = {"created", "running", "stopped", "paused", "failed"}
# A VM seeded mid-transition carries on as if this command had been run.
_VM_ENTRY = {"starting": "start", "stopping": "stop"}


class Planner:
    """Plans timelines with one profile and one random source.

    Args:
        profile: The phase durations and failure rates.
        rng: The seeded random source.
    """

    def __init__(self, profile: DurationProfile, rng: random.Random) -> None:
        """Keep the profile and the random source."""
        self.profile = profile
        self.rng = rng

    def _draw(self, phase: str) -> float:
        return sample(getattr(self.profile, phase), self.rng)

    def node(self, now: float, status: str = "requested") -> Timeline:
        """Plan a new node that starts out in ``status``."""
        if status in _STATIC_NODE:
            return Timeline([(now, status)])
        if status == "deleting":
            return self.node_delete(now)
        if status == "deleted":
            grace = self._draw("node_deleted_grace")
            return Timeline([(now, "deleted")], now + grace)

        steps = []
        since = now
        if status == "requested":
            steps.append((since, "requested"))
            since += self._draw("node_requested")
        steps.append((since, "bootstrapping"))
        since += self._draw("node_bootstrapping")
        failed = self.rng.random() < self.profile.node_failure_rate
        steps.append((since, "failed" if failed else "running"))

        return Timeline(steps)

    def node_delete(self, now: float) -> Timeline:
        """Plan the removal of a node from ``now``."""
        deleted = now + self._draw("node_deleting")
        grace = self._draw("node_deleted_grace")

        return Timeline(
            [(now, "deleting"), (deleted, "deleted")], deleted + grace
        )

    def vm(self, now: float, status: str = "provisioning") -> Timeline:
        """Plan a new VM that starts out in ``status``."""
        if status in _STATIC_VM:
            return Timeline([(now, status)])
        if status in _VM_ENTRY:
            return self.vm_command(now, _VM_ENTRY[status])
        if status == "deleting":
            return self.vm_delete(now)
        if status == "deleted":
            grace = self._draw("vm_deleted_grace")
            return Timeline([(now, "deleted")], now + grace)

        started = now + self._draw("vm_provisioning")
        if self.rng.random() < self.profile.vm_failure_rate:
            return Timeline([(now, "provisioning"), (started, "failed")])
        running = started + self._draw("vm_starting")

        return Timeline(
            [
                (now, "provisioning"),
                (started, "starting"),
                (running, "running"),
            ]
        )

    def vm_command(self, now: float, command: str) -> Timeline:
        """Plan what a ``start``, ``stop``, ``reboot`` or ``reset`` does."""
        if command == "stop":
            stopped = now + self._draw("vm_stopping")
            return Timeline([(now, "stopping"), (stopped, "stopped")])

        running = now + self._draw("vm_starting")

        return Timeline([(now, "starting"), (running, "running")])

    def vm_delete(self, now: float) -> Timeline:
        """Plan the removal of a VM from ``now``."""
        deleted = now + self._draw("vm_deleting")
        grace = self._draw("vm_deleted_grace")

        return Timeline(
            [(now, "deleting"), (deleted, "deleted")], deleted + grace
        )
