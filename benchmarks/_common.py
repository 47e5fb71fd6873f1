"""What every benchmark shares: results, tables, medians and constants."""

from __future__ import annotations

import statistics
from collections.abc import Iterable, Sequence
from pathlib import Path
from typing import Any

import attrs

__all__ = [
    "API_KEY",
    "BARE_METAL",
    "BenchmarkError",
    "Options",
    "Result",
    "median",
    "percentile",
    "table",
]

#: The token every emulator of the benchmarks accepts; loopback only.
API_KEY = "benchmark-token-0123456789abcdef0123456789"

#: The bare-metal type of every cloud the benchmarks create.
BARE_METAL = "bm9.hmm.gpu.4rtx4000.64"


class BenchmarkError(RuntimeError):
    """A benchmark could not run, or ran into a state it cannot measure."""


@attrs.frozen
class Options:
    """What the command line asks of every benchmark.

    Attributes:
        results: The folder for outputs (git-ignored).
        plot: Another path for the fleet plot, if asked for.
    """

    results: Path
    plot: Path | None = None


@attrs.define
class Result:
    """What one benchmark measured.

    Attributes:
        name: The benchmark's name.
        figures: The figures, by their JSON key.
        rows: The table printed for people: label, then values.
        notes: Lines printed under the table.
    """

    name: str
    figures: dict[str, Any] = attrs.field(factory=dict)
    rows: list[tuple[str, ...]] = attrs.field(factory=list)
    notes: list[str] = attrs.field(factory=list)

    def row(self, label: str, *values: object) -> None:
        """Add a row to the table, formatting each value."""
        self.rows.append((label, *(_cell(v) for v in values)))

    def render(self) -> str:
        """Return the table and the notes as text."""
        lines = [f"== {self.name} ==", table(self.rows)]
        lines += [f"  {note}" for note in self.notes]
        return "\n".join(lines)


def _cell(value: object) -> str:
    if isinstance(value, float):
        size = abs(value)
        if value == 0 or size >= 100:
            return f"{value:,.0f}"
        if size >= 10:
            return f"{value:.1f}"
        return f"{value:.2f}" if size >= 1 else f"{value:.3f}"
    if isinstance(value, int):
        return f"{value:,}"
    return str(value)


def table(rows: Sequence[Sequence[str]]) -> str:
    """Return rows as a text table, the first column left-aligned."""
    if not rows:
        return ""
    widths = [0] * max(len(r) for r in rows)
    for row in rows:
        for i, cell in enumerate(row):
            widths[i] = max(widths[i], len(cell))
    lines = []
    for row in rows:
        cells = [
            cell.ljust(widths[i]) if i == 0 else cell.rjust(widths[i])
            for i, cell in enumerate(row)
        ]
        lines.append("  " + "  ".join(cells).rstrip())
    return "\n".join(lines)


def median(values: Iterable[float]) -> float:
    """Return the median of some numbers.

    Raises:
        BenchmarkError: There are none.
    """
    data = list(values)
    if not data:
        raise BenchmarkError("no measurements to take a median of")
    return float(statistics.median(data))


def percentile(values: Sequence[float], share: float) -> float:
    """Return the `share` (0 to 1) percentile, the nearest rank.

    Raises:
        BenchmarkError: There are no values.
    """
    if not values:
        raise BenchmarkError("no samples to take a percentile of")
    ordered = sorted(values)
    rank = min(len(ordered) - 1, max(0, round(share * len(ordered)) - 1))
    return ordered[rank]
