"""The fleet benchmark's figure: nodes settled over time, and lags."""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

from matplotlib.backends.backend_agg import FigureCanvasAgg
from matplotlib.figure import Figure

from benchmarks._runs import Run

__all__ = ["fleet_figure"]

_NAMES = {
    "sdk": "SDK client.scale",
    "terraform": "Terraform schedule (10 s, then 30 s)",
    "handwritten_schedule": "hand-written schedule (30 s rounds)",
    "handwritten": "hand-written: requests, 32 threads",
}
_COLOURS = {
    "sdk": "tab:blue",
    "terraform": "tab:orange",
    "handwritten_schedule": "tab:green",
    "handwritten": "tab:green",
}


def _steps(times: Sequence[float]) -> tuple[list[float], list[int]]:
    xs = [0.0]
    ys = [0]
    for count, at in enumerate(sorted(times), start=1):
        xs.append(at / 60)
        ys.append(count)
    return xs, ys


def fleet_figure(
    virtual: Sequence[Run],
    real: Sequence[Run],
    *,
    speed: float,
    caption: str,
    paths: Sequence[Path],
) -> None:
    """Draw the fleet benchmark's three panels and save them as PNG.

    Args:
        virtual: Runs on virtual time; the first one's emulator gives the
            true running times.
        real: Runs on the sped-up real clock.
        speed: The real clock's speed.
        caption: A line under the title (date, fleet).
        paths: Where to write the PNG.
    """
    figure = Figure(figsize=(16, 5), layout="constrained")
    FigureCanvasAgg(figure)
    settled, lag, sped = figure.subplots(1, 3)

    first = virtual[0]
    truth = [up - first.started for _, up in first.truth.values()]
    settled.step(
        *_steps(truth),
        where="post",
        color="black",
        lw=2.5,
        alpha=0.35,
        label="emulator: actually running",
    )
    for run in virtual:
        seen = [at - run.started for at in run.noticed.values()]
        settled.step(
            *_steps(seen),
            where="post",
            label=_NAMES[run.label],
            color=_COLOURS[run.label],
        )
        lags = sorted(run.lags)
        share = [(i + 1) / len(lags) for i in range(len(lags))]
        mean = sum(lags) / len(lags)
        lag.step(
            lags,
            share,
            where="post",
            color=_COLOURS[run.label],
            label=f"{_NAMES[run.label]}: mean {mean:.1f} s",
        )
    settled.set(
        title="Nodes seen running (virtual time, exact)",
        xlabel="minutes since the run began",
        ylabel="nodes",
    )
    lag.set(
        title="Lag: running until seen running (virtual time)",
        xlabel="seconds",
        ylabel="share of nodes",
        ylim=(0, 1.02),
    )

    for run in real:
        colour = _COLOURS[run.label]
        seen = [at - run.started for at in run.noticed.values()]
        up = [at - run.started for _, at in run.truth.values()]
        sped.step(*_steps(up), where="post", color=colour, lw=1, ls=":")
        sped.step(
            *_steps(seen),
            where="post",
            color=colour,
            label=f"{_NAMES[run.label]}: done at {run.wall / 60:.1f} min",
        )
    sped.set(
        title=f"Real clock sped up {speed:g}x (dotted: emulator)",
        xlabel="emulated minutes since the run began",
        ylabel="nodes",
    )
    begin = min(truth) / 60 - 0.5
    settled.set_xlim(left=begin)
    sped.set_xlim(left=begin)
    for axes in (settled, lag, sped):
        axes.grid(alpha=0.3)
        axes.legend(loc="lower right", fontsize="small")
    figure.suptitle(f"fleet: scaling clouds from 0 to 5 nodes - {caption}")
    for path in paths:
        path.parent.mkdir(parents=True, exist_ok=True)
        figure.savefig(path, dpi=90)
