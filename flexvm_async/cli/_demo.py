"""``flexvm demo``: a fleet scaled up and down on an emulator in process.

The emulator's clock runs `speed` times faster than real time, and the
client's waits are shortened by the same factor, so that minutes of
bare-metal provisioning pass in seconds and the polls keep pace.
"""

from __future__ import annotations

import argparse
import asyncio
import random
import time

import attrs

from flexvm_async import FlexVMClient, ScaleReport, WaitPolicy
from flexvm_async.cli._output import Output, align
from flexvm_async.cli._progress import display_for
from flexvm_async.cli._summary import verdict
from flexvm_async.emulator import BARE_METAL_TYPES, SITES, Emulator

__all__ = ["PHASES", "Demo", "Phase", "demo_command", "summary_lines"]

#: Each phase's name and the range its targets are drawn from.
PHASES = (("up", 1, 6), ("down", 0, 1))


@attrs.define
class Phase:
    """One scaling run of the demo.

    Attributes:
        name: ``up`` or ``down``.
        low: The smallest target drawn.
        high: The largest target drawn.
        report: The run's report, filled in as it goes.
    """

    name: str
    low: int
    high: int
    report: ScaleReport


class Demo:
    """Create clouds on an emulator, scale them up, then down.

    Args:
        out: Where progress goes (its standard error).
        clouds: How many clouds to create.
        speed: Emulated seconds per real second.
        seed: Seeds the emulator, the client's jitter and the targets.
    """

    def __init__(
        self,
        out: Output,
        *,
        clouds: int = 30,
        speed: float = 60.0,
        seed: int | None = None,
    ) -> None:
        """Set the demo up; nothing starts before `run`."""
        self.out = out
        self.clouds = clouds
        self.speed = speed
        self.seed = seed
        self.phases: list[Phase] = []

    async def run(self) -> list[Phase]:
        """Run both phases and return them; `phases` fills in meanwhile."""
        # Random targets for a demo, not for security.
        rng = random.Random(self.seed)  # noqa: S311
        async with (
            Emulator(speed=self.speed, seed=self.seed) as emu,
            FlexVMClient(
                emu.api_key, base_url=emu.url, seed=self.seed
            ) as client,
        ):
            names = await self._create(client, emu.url)
            for name, low, high in PHASES:
                targets = {n: rng.randint(low, high) for n in names}
                await self._phase(
                    client, Phase(name, low, high, ScaleReport()), targets
                )
        return self.phases

    async def _create(self, client: FlexVMClient, url: str) -> list[str]:
        self.out.note(
            f"emulator at {url}, {self.speed:g} times real time; "
            f"creating {self.clouds} clouds"
        )
        sites = sorted(SITES)
        types = sorted(BARE_METAL_TYPES)
        names = [f"demo-{i:02d}" for i in range(1, self.clouds + 1)]
        await asyncio.gather(
            *(
                client.clouds.create(
                    name=name,
                    site=sites[i % len(sites)],
                    instance_type=types[i % len(types)],
                    description="created by flexvm demo",
                )
                for i, name in enumerate(names)
            )
        )
        return names

    async def _phase(
        self, client: FlexVMClient, phase: Phase, targets: dict[str, int]
    ) -> None:
        self.out.note(
            f"{phase.name}: scaling {len(targets)} clouds to "
            f"{phase.low}-{phase.high} nodes each"
        )
        display = display_for(self.out.err)
        scaler = client.scaler(
            targets,
            # Every cloud at once: the point is to show them side by side.
            max_clouds=len(targets),
            policy=WaitPolicy().scaled(self.speed),
            removal_policy=WaitPolicy.removal().scaled(self.speed),
            on_event=display.on_event,
        )
        display.follow(scaler.report)
        phase.report = scaler.report
        self.phases.append(phase)
        try:
            await scaler.run()
        finally:
            display.close()


def summary_lines(phases: list[Phase], speed: float) -> list[str]:
    """Return the demo's summary: a row per phase, then any shortfall."""
    rows = [
        [
            "PHASE",
            "TARGETS",
            "MET",
            "ADDED",
            "REMOVED",
            "REQUESTS",
            "ELAPSED",
            "EMULATED",
        ]
    ]
    notes: list[str] = []
    for phase in phases:
        report = phase.report
        clouds = list(report.clouds.values())
        met = sum(c.met for c in clouds)
        rows.append(
            [
                phase.name,
                f"{phase.low}-{phase.high}",
                f"{met}/{len(clouds)}",
                str(sum(len(c.added) for c in clouds)),
                str(sum(len(c.removed) for c in clouds)),
                str(report.requests),
                f"{report.elapsed:.1f}s",
                f"{report.elapsed * speed / 60:.1f}min",
            ]
        )
        if not report.ok:
            notes += [f"{phase.name}: {line}" for line in verdict(report)]
    return [*align(rows, right=set(range(2, 8))), *notes]


async def demo_command(args: argparse.Namespace, out: Output) -> int:
    """Run the demo and print its summary; 0 when every target was met."""
    demo = Demo(out, clouds=args.clouds, speed=args.speed, seed=args.seed)
    started = time.monotonic()
    try:
        await demo.run()
    except asyncio.CancelledError:
        _summarize(out, demo, started)
        raise
    _summarize(out, demo, started)
    return 0 if all(p.report.ok for p in demo.phases) else 1


def _summarize(out: Output, demo: Demo, started: float) -> None:
    wall = time.monotonic() - started
    if out.json:
        out.data(
            {
                "clouds": demo.clouds,
                "speed": demo.speed,
                "elapsed": round(wall, 3),
                "phases": [
                    {
                        "name": p.name,
                        "low": p.low,
                        "high": p.high,
                        "report": p.report.to_json(),
                    }
                    for p in demo.phases
                ],
            }
        )
        return
    out.lines(
        [*summary_lines(demo.phases, demo.speed), f"demo took {wall:.1f} s"]
    )
