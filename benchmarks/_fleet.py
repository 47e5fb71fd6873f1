"""``fleet``: 200 clouds from 0 to 5 nodes, SDK against two baselines.

Provisioning times come from the emulator's default profile (30-90 s
requested, then 240-720 s bootstrapping), drawn with one seed, so every
variant meets the same machines.

Two phases:

- Virtual time, exact: the SDK's ``client.scale``, the Terraform
  provider's schedule and the hand-written script's schedule, each
  against a fresh in-process emulator on the loop's virtual clock. CPU
  takes no time there, so lags, request counts and the SDK's wall time
  over the ideal are the schedules' own, as they would be at real speed.
- A real clock, sped up: the SDK against the hand-written script itself
  (synchronous `requests`, 32 threads), each against a fresh emulator in
  a process of its own. Threads cannot run on virtual time, so this is
  where their wall times are compared. A sped-up clock also speeds up
  every CPU cost: a second of work is `SPEED` emulated seconds.
"""

from __future__ import annotations

import functools
import statistics
import time
from datetime import UTC, datetime

from benchmarks._common import Options, Result
from benchmarks._plot import fleet_figure
from benchmarks._runs import Run, in_parallel, real_run, virtual_run

__all__ = ["run"]

CLOUDS = 200
PER_CLOUD = 5
SEED = 7
#: Emulated seconds per real second for the real-clock phase.
SPEED = 30.0
# The longest first: one worker takes it while the other does the rest.
VIRTUAL = ("sdk_max_clouds_16", "sdk", "terraform", "handwritten_schedule")
REAL = ("sdk", "handwritten")


def _mean_lag(run: Run) -> float:
    return statistics.fmean(run.lags)


def run(options: Options) -> Result:
    """Scale the fleet with the SDK and the baselines; compare them."""
    nodes = CLOUDS * PER_CLOUD
    started = time.perf_counter()
    shape = {"clouds": CLOUDS, "per_cloud": PER_CLOUD, "seed": SEED}
    virtual = dict(
        zip(
            VIRTUAL,
            in_parallel(
                [
                    functools.partial(virtual_run, label, **shape)
                    for label in VIRTUAL
                ]
            ),
            strict=True,
        )
    )
    virtual_done = time.perf_counter()
    real = {label: real_run(label, speed=SPEED, **shape) for label in REAL}
    real_done = time.perf_counter()
    sdk, terraform = virtual["sdk"], virtual["terraform"]
    schedule = virtual["handwritten_schedule"]
    by_16 = virtual["sdk_max_clouds_16"]
    real_sdk, hand = real["sdk"], real["handwritten"]

    result = Result("fleet")
    result.figures = {
        "wall_vs_ideal": round(sdk.wall / sdk.ideal, 3),
        "requests_per_node": round(sdk.requests / nodes, 2),
        "handwritten_vs_sdk_wall": round(hand.wall / real_sdk.wall, 3),
        "terraform_schedule_vs_sdk_requests": round(
            terraform.requests / sdk.requests, 3
        ),
        "terraform_schedule_vs_sdk_lag": round(
            _mean_lag(terraform) / _mean_lag(sdk), 3
        ),
        "wall_vs_ideal_sped_up": round(real_sdk.wall / real_sdk.ideal, 3),
        "handwritten_schedule_vs_sdk_wall_virtual": round(
            schedule.wall / sdk.wall, 3
        ),
        "handwritten_vs_sdk_requests": round(
            hand.requests / real_sdk.requests, 3
        ),
        "handwritten_vs_sdk_lag_sped_up": round(
            _mean_lag(hand) / _mean_lag(real_sdk), 3
        ),
        "max_clouds_16_wall_vs_ideal": round(by_16.wall / by_16.ideal, 3),
        "ideal_s": round(sdk.ideal, 1),
        "sdk_mean_lag_s": round(_mean_lag(sdk), 2),
        "terraform_mean_lag_s": round(_mean_lag(terraform), 2),
        "speed": SPEED,
        "nodes": nodes,
    }

    result.row(
        "variant",
        "clock",
        "wall (s)",
        "wall/ideal",
        "requests",
        "per node",
        "mean lag (s)",
        "orders done (s)",
    )
    rows = [
        ("SDK client.scale", "virtual", sdk),
        ("Terraform schedule", "virtual", terraform),
        ("hand-written schedule", "virtual", schedule),
        ("SDK, max_clouds=16", "virtual", by_16),
        ("SDK client.scale", f"{SPEED:g}x", real_sdk),
        ("hand-written, 32 threads", f"{SPEED:g}x", hand),
    ]
    for label, clock, one in rows:
        result.row(
            label,
            clock,
            one.wall,
            one.wall / one.ideal,
            one.requests,
            one.requests / nodes,
            _mean_lag(one),
            one.startup,
        )
    result.notes.append(
        f"{CLOUDS} clouds x {PER_CLOUD} nodes, seed {SEED}, ideal (slowest "
        f"node) {sdk.ideal:.0f} s; all times in emulated seconds"
    )
    result.notes.append(
        "targets: wall/ideal <= 1.10, Terraform/SDK requests >= 2 and lag >= 2"
    )
    result.notes.append(
        f"virtual phase {virtual_done - started:.0f} s (two workers), "
        f"real phase {real_done - virtual_done:.0f} s"
    )

    date = datetime.now(UTC).date().isoformat()
    paths = [options.results / "fleet.png"]
    if options.plot is not None:
        paths.append(options.plot)
    fleet_figure(
        [sdk, terraform, schedule],
        [real_sdk, hand],
        speed=SPEED,
        caption=f"{CLOUDS} x {PER_CLOUD} nodes, seed {SEED}, {date}",
        paths=paths,
    )
    result.notes.append("plot: " + ", ".join(str(p) for p in paths))
    return result
