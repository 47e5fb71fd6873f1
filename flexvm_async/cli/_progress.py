"""Progress of a scaling run: bars on a terminal, log lines elsewhere.

`Board` keeps the latest counts of every cloud from the run's events and
its live report; `render` turns them into lines and `describe` turns one
event into a log line. Both are pure, so they are tested without a
terminal. `BarDisplay` and `LogDisplay` only decide when to write.
"""

from __future__ import annotations

import asyncio
import math
import shutil
from typing import Protocol, TextIO

import attrs

from flexvm_async import ScaleEvent, ScaleEventKind, ScaleReport
from flexvm_async.cli._output import align, short_id

__all__ = [
    "BarDisplay",
    "Board",
    "Display",
    "LogDisplay",
    "Row",
    "bar",
    "describe",
    "display_for",
    "render",
]

K = ScaleEventKind
BAR_WIDTH = 10
#: The fewest seconds between two redraws: ten a second at most.
REDRAW_INTERVAL = 0.1


@attrs.frozen
class Row:
    """One cloud's line on the board.

    Attributes:
        name: The cloud's name.
        target: Its target.
        running: Running nodes as last counted; None before its start.
        added: Nodes ordered so far.
        removed: Nodes released so far.
        failed: Nodes seen failed so far.
        fill: How far along it is, from 0 to 1.
        state: ``""`` while working, ``"met"`` or ``"short"`` once done.
    """

    name: str
    target: int
    running: int | None
    added: int = 0
    removed: int = 0
    failed: int = 0
    fill: float = 0.0
    state: str = ""


@attrs.define
class _Tally:
    """What the events tell of one cloud's running nodes.

    The run's events carry the counts of its last read of the cloud,
    which only comes after every wait of a round has ended; nodes seen
    changing in between are counted from their own events, on top of
    the nodes that were running at the first read and not touched since.
    """

    start: int
    untouched: int
    statuses: dict[str, str] = attrs.field(factory=dict)
    final: int | None = None

    @property
    def running(self) -> int:
        if self.final is not None:
            return self.final
        seen = sum(status == "running" for status in self.statuses.values())
        return self.untouched + seen


def _fill(start: int, running: int, target: int) -> float:
    # The share of the way from where the cloud started to its target.
    span = max(abs(start - target), 1)
    return min(1.0, max(0.0, 1 - abs(running - target) / span))


class Board:
    """The latest state of every cloud of a run, fed with its events."""

    def __init__(self) -> None:
        """Start empty; `follow` names the report to read."""
        self.report = ScaleReport()
        self._tallies: dict[str, _Tally] = {}
        self._done: set[str] = set()

    def follow(self, report: ScaleReport) -> None:
        """Read names and counts from `report`, which the run fills in."""
        self.report = report

    def update(self, event: ScaleEvent) -> None:
        """Take in one event."""
        tally = self._tallies.setdefault(
            event.cloud_id, _Tally(event.running, event.running)
        )
        node = event.node_id or ""
        if event.kind is K.NODE_ORDERED:
            tally.statuses[node] = "requested"
        elif event.kind is K.NODE_REMOVING:
            cloud = self.report.clouds.get(event.cloud_id)
            failed = cloud is not None and node in cloud.failed
            if node not in tally.statuses and not failed:
                # Only running nodes are released (the API refuses the
                # others), so this one was counted among the untouched.
                tally.untouched = max(0, tally.untouched - 1)
            tally.statuses[node] = "deleting"
        elif event.kind is K.NODE_CHANGED:
            tally.statuses[node] = event.status or ""
        elif event.kind is K.NODE_FAILED:
            tally.statuses[node] = "failed"
        elif event.kind is K.CLOUD_DONE:
            # The run read the cloud once more at its end: that is exact.
            tally.final = event.running
            self._done.add(event.cloud_id)

    def name(self, cloud_id: str) -> str:
        """Return a cloud's name, or its id before the report has it."""
        cloud = self.report.clouds.get(cloud_id)
        return cloud.name if cloud is not None else cloud_id

    def rows(self) -> list[Row]:
        """Return one row per cloud, in the order of the targets."""
        rows = []
        for cloud_id, cloud in self.report.clouds.items():
            tally = self._tallies.get(cloud_id)
            if tally is None:
                rows.append(Row(cloud.name, cloud.target, None))
                continue
            state = ""
            if cloud_id in self._done:
                state = "met" if cloud.met else "short"
            running = tally.running
            rows.append(
                Row(
                    cloud.name,
                    cloud.target,
                    running,
                    len(cloud.added),
                    len(cloud.removed),
                    len(cloud.failed),
                    _fill(tally.start, running, cloud.target),
                    state,
                )
            )
        return rows


def bar(fill: float, width: int = BAR_WIDTH) -> str:
    """Draw a bar; it is full only at 1, never by rounding up."""
    # The epsilon keeps 1 - 0.8 from drawing as less than a fifth.
    filled = math.floor(fill * width + 1e-9)
    return "[" + "#" * filled + "." * (width - filled) + "]"


def render(rows: list[Row], *, height: int | None = None) -> list[str]:
    """Turn rows into aligned lines, the last one a count of clouds done.

    Args:
        rows: The board's rows.
        height: The most lines to return; the rows that do not fit are
            summed up in one line, so the board never scrolls the screen.

    Returns:
        The lines, without newlines.
    """
    cells = [
        [
            row.name,
            bar(row.fill),
            ("?" if row.running is None else str(row.running))
            + f"/{row.target}",
            f"+{row.added}",
            f"-{row.removed}",
            f"!{row.failed}",
            row.state,
        ]
        for row in rows
    ]
    lines = align(cells, right={2})
    done = sum(bool(row.state) for row in rows)
    short = sum(row.state == "short" for row in rows)
    footer = f"{done} of {len(rows)} clouds done"
    if short:
        footer += f", {short} short"
    if height is not None and len(lines) + 1 > height:
        keep = max(0, height - 2)
        hidden = rows[keep:]
        lines = lines[:keep]
        lines.append(f"... and {len(hidden)} more clouds")
    return [*lines, footer]


def describe(event: ScaleEvent, name: str) -> str:
    """Return the log line for one event."""
    node = short_id(event.node_id) if event.node_id else "?"
    what = {
        K.CLOUD_STARTED: f"{event.live} live, target {event.target}",
        K.NODE_ORDERED: f"node {node} ordered",
        K.NODE_ORDER_UNKNOWN: (
            f"a node order went unanswered, reading again: {event.message}"
        ),
        K.NODE_REMOVING: f"node {node} removing",
        K.NODE_CHANGED: f"node {node} {event.status}",
        K.NODE_FAILED: f"node {node} failed",
        K.PROBLEM: f"problem: {event.message}",
    }.get(event.kind)
    if what is None:
        met = event.report is not None and event.report.met
        verdict = "target met" if met else "short of target"
        what = f"done, {event.running}/{event.target} running, {verdict}"
    return f"cloud {name}: {what}"


class Display(Protocol):
    """What a scaling command needs from a progress display."""

    def follow(self, report: ScaleReport) -> None:
        """Read cloud names and counts from the run's report."""

    def on_event(self, event: ScaleEvent) -> None:
        """Show one event."""

    def close(self) -> None:
        """Show the final state; the display is not used after this."""


class LogDisplay:
    """One plain line per event, for logs and pipes."""

    def __init__(self, stream: TextIO) -> None:
        """Write to `stream`."""
        self.stream = stream
        self.board = Board()

    def follow(self, report: ScaleReport) -> None:
        """Read cloud names from the run's report."""
        self.board.follow(report)

    def on_event(self, event: ScaleEvent) -> None:
        """Write the event's line."""
        line = describe(event, self.board.name(event.cloud_id))
        self.stream.write(line + "\n")
        self.stream.flush()

    def close(self) -> None:
        """Nothing is pending: every line is already written."""


class BarDisplay:
    """A bar per cloud, redrawn in place at most ten times a second.

    Args:
        stream: A terminal.
        width: Its columns; longer lines are cut, since a wrapped line
            would throw the cursor arithmetic off.
        height: Its lines.
        interval: Seconds between two redraws at least.
    """

    def __init__(
        self,
        stream: TextIO,
        *,
        width: int = 80,
        height: int = 24,
        interval: float = REDRAW_INTERVAL,
    ) -> None:
        """Write to `stream`; nothing is drawn before the first event."""
        self.stream = stream
        self.width = width
        self.height = height
        self.interval = interval
        self.board = Board()
        self._drawn = 0
        self._last = -math.inf
        self._pending: asyncio.TimerHandle | None = None

    def follow(self, report: ScaleReport) -> None:
        """Read cloud names and counts from the run's report."""
        self.board.follow(report)

    def on_event(self, event: ScaleEvent) -> None:
        """Record the event; redraw now, or soon if it was drawn lately."""
        self.board.update(event)
        if self._pending is not None:
            return
        loop = asyncio.get_running_loop()
        wait = self._last + self.interval - loop.time()
        if wait <= 0:
            self.draw()
        else:
            self._pending = loop.call_later(wait, self.draw)

    def draw(self) -> None:
        """Redraw the board over its previous drawing."""
        if self._pending is not None:
            self._pending.cancel()
            self._pending = None
        lines = render(self.board.rows(), height=self.height - 1)
        # Up to the first line drawn last time, then each line cleared
        # and rewritten, then anything below wiped.
        up = f"\r\x1b[{self._drawn}A" if self._drawn else ""
        body = "".join(f"\x1b[2K{line[: self.width - 1]}\n" for line in lines)
        self.stream.write(up + body + "\x1b[J")
        self.stream.flush()
        self._drawn = len(lines)
        self._last = asyncio.get_running_loop().time()

    def close(self) -> None:
        """Draw the final state, if anything was drawn or is due."""
        if self._drawn or self._pending is not None:
            self.draw()


def display_for(stream: TextIO) -> Display:
    """Return bars for a terminal and log lines for anything else."""
    if stream.isatty():
        size = shutil.get_terminal_size()
        return BarDisplay(stream, width=size.columns, height=size.lines)
    return LogDisplay(stream)
