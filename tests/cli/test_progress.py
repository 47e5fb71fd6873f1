"""The progress display: rows from events, lines from rows, redraws."""

from __future__ import annotations

import asyncio
import io

from flexvm_async import CloudReport, ScaleEvent, ScaleEventKind, ScaleReport
from flexvm_async.cli._progress import (
    BarDisplay,
    Board,
    LogDisplay,
    Row,
    bar,
    describe,
    display_for,
    render,
)
from flexvm_async.testing import run_virtual
from tests.cli.conftest import FakeTTY

K = ScaleEventKind
NODE = "019e807a-ec02-7311-ade5-c0e1fee29476"


def _report(*clouds: tuple[str, str, int]) -> ScaleReport:
    report = ScaleReport()
    for cloud_id, name, target in clouds:
        report.clouds[cloud_id] = CloudReport(cloud_id, name, target)
    return report


def _event(kind, cloud="c1", *, target=4, live=0, running=0, **fields):
    return ScaleEvent(kind, cloud, target, live, running, **fields)


def _board(report: ScaleReport, *events: ScaleEvent) -> Board:
    board = Board()
    board.follow(report)
    for event in events:
        board.update(event)
    return board


def test_a_cloud_not_started_shows_no_count():
    """Before its first read a cloud's count is unknown."""
    board = _board(_report(("c1", "edge-01", 4)))

    assert board.rows() == [Row("edge-01", 4, None)]


def test_growth_counts_nodes_as_their_events_say_running():
    """Nodes seen running count before the run reads the cloud again."""
    report = _report(("c1", "edge-01", 4))
    report.clouds["c1"].added += ["n1", "n2", "n3", "n4"]
    events = [_event(K.CLOUD_STARTED)]
    events += [_event(K.NODE_ORDERED, node_id=f"n{i}") for i in range(1, 5)]
    events += [
        _event(K.NODE_CHANGED, node_id="n1", status="bootstrapping"),
        _event(K.NODE_CHANGED, node_id="n2", status="running"),
        _event(K.NODE_CHANGED, node_id="n3", status="running"),
    ]

    [row] = _board(report, *events).rows()

    assert (row.running, row.added, row.fill, row.state) == (2, 4, 0.5, "")


def test_shrinking_counts_released_nodes_out_at_once():
    """A running node released leaves the count when accepted."""
    report = _report(("c1", "edge-01", 1))
    board = _board(
        report,
        _event(K.CLOUD_STARTED, target=1, live=3, running=3),
        _event(K.NODE_REMOVING, target=1, live=2, running=3, node_id="a"),
    )

    [row] = board.rows()

    assert (row.running, row.fill) == (2, 0.5)


def test_a_released_failed_node_was_not_running():
    """Removing a failed node leaves the running count alone."""
    report = _report(("c1", "edge-01", 2))
    report.clouds["c1"].failed.append("f")
    board = _board(
        report,
        _event(K.CLOUD_STARTED, target=2, live=2, running=2),
        _event(K.NODE_REMOVING, target=2, live=2, running=2, node_id="f"),
    )

    assert board.rows()[0].running == 2


def test_a_node_provisioning_at_the_start_counts_once_running():
    """A node awaited from the first read counts when it runs."""
    board = _board(
        _report(("c1", "edge-01", 2)),
        _event(K.CLOUD_STARTED, target=2, live=2, running=0),
        _event(
            K.NODE_CHANGED, target=2, live=2, node_id="p", status="running"
        ),
        _event(K.NODE_FAILED, target=2, live=2, node_id="q"),
    )

    assert board.rows()[0].running == 1


def test_the_end_of_a_cloud_takes_its_last_read():
    """At the end the run's own count is shown, with the verdict."""
    report = _report(("c1", "edge-01", 2), ("c2", "edge-02", 3))
    report.clouds["c1"].after = 2
    report.clouds["c2"].after = 1
    board = _board(
        report,
        _event(K.CLOUD_STARTED, target=2),
        _event(K.CLOUD_DONE, target=2, live=2, running=2),
        _event(K.CLOUD_STARTED, "c2", target=3),
        _event(K.CLOUD_DONE, "c2", target=3, live=1, running=1),
    )

    rows = board.rows()

    assert [(r.running, round(r.fill, 3), r.state) for r in rows] == [
        (2, 1.0, "met"),
        (1, 0.333, "short"),
    ]


def test_a_cloud_at_its_target_from_the_start_is_full():
    """Nothing to do is all done."""
    board = _board(
        _report(("c1", "edge-01", 0)),
        _event(K.CLOUD_STARTED, target=0),
    )

    assert board.rows()[0].fill == 1.0


def test_names_come_from_the_report():
    """A cloud is shown by name; its id stands in until it is known."""
    board = _board(_report(("c1", "edge-01", 1)))

    assert (board.name("c1"), board.name("c9")) == ("edge-01", "c9")


def test_the_bar_is_full_only_when_done():
    """The bar rounds down, and never past its width."""
    assert bar(0.0) == "[..........]"
    assert bar(0.2) == "[##........]"
    assert bar(1 - 0.8) == "[##........]"
    assert bar(0.99) == "[#########.]"
    assert bar(1.0) == "[##########]"


def test_render_aligns_rows_and_counts_the_done():
    """Columns line up; the last line counts clouds done and short."""
    rows = [
        Row("edge-01", 10, 5, 5, 0, 0, 0.5),
        Row("core-long-name", 2, 2, 2, 1, 1, 1.0, "met"),
        Row("edge-03", 3, None),
        Row("edge-04", 3, 1, 3, 0, 2, 1 / 3, "short"),
    ]

    assert render(rows) == [
        "edge-01         [#####.....]  5/10  +5  -0  !0",
        "core-long-name  [##########]   2/2  +2  -1  !1  met",
        "edge-03         [..........]   ?/3  +0  -0  !0",
        "edge-04         [###.......]   1/3  +3  -0  !2  short",
        "2 of 4 clouds done, 1 short",
    ]


def test_render_keeps_within_the_height():
    """Rows that do not fit are summed up, so the board never scrolls."""
    rows = [Row(f"c{i}", 1, 0) for i in range(5)]

    lines = render(rows, height=4)

    assert lines == [
        "c0  [..........]  0/1  +0  -0  !0",
        "c1  [..........]  0/1  +0  -0  !0",
        "... and 3 more clouds",
        "0 of 5 clouds done",
    ]


def test_describe_gives_one_line_per_kind():
    """Every kind of event has its line, with the node's id shortened."""
    done = CloudReport("c1", "edge-01", 2, after=2)
    short = CloudReport("c1", "edge-01", 2, after=1)
    cases = [
        (_event(K.CLOUD_STARTED, live=1), "1 live, target 4"),
        (_event(K.NODE_ORDERED, node_id=NODE), "node …fee29476 ordered"),
        (
            _event(K.NODE_ORDER_UNKNOWN, message="timed out"),
            "a node order went unanswered, reading again: timed out",
        ),
        (_event(K.NODE_REMOVING, node_id=NODE), "node …fee29476 removing"),
        (
            _event(K.NODE_CHANGED, node_id="n1", status="running"),
            "node n1 running",
        ),
        (_event(K.NODE_FAILED, node_id=NODE), "node …fee29476 failed"),
        (_event(K.PROBLEM, message="boom"), "problem: boom"),
        (
            _event(K.CLOUD_DONE, target=2, running=2, report=done),
            "done, 2/2 running, target met",
        ),
        (
            _event(K.CLOUD_DONE, target=2, running=1, report=short),
            "done, 1/2 running, short of target",
        ),
        (_event(K.NODE_FAILED), "node ? failed"),
    ]

    for event, expected in cases:
        assert describe(event, "edge-01") == f"cloud edge-01: {expected}"


def test_the_log_display_writes_a_line_per_event():
    """Outside a terminal each event is one plain line."""
    stream = io.StringIO()
    display = LogDisplay(stream)
    display.follow(_report(("c1", "edge-01", 4)))

    display.on_event(_event(K.CLOUD_STARTED))
    display.on_event(_event(K.NODE_ORDERED, node_id="n1"))
    display.close()

    assert stream.getvalue() == (
        "cloud edge-01: 0 live, target 4\ncloud edge-01: node n1 ordered\n"
    )


def test_display_for_picks_bars_only_on_a_terminal(monkeypatch):
    """A terminal gets bars sized to it; a pipe gets log lines."""
    monkeypatch.setenv("COLUMNS", "120")
    monkeypatch.setenv("LINES", "30")

    bars = display_for(FakeTTY())
    lines = display_for(io.StringIO())

    assert isinstance(bars, BarDisplay)
    assert (bars.width, bars.height) == (120, 30)
    assert isinstance(lines, LogDisplay)


def _draws(stream: io.StringIO) -> int:
    return stream.getvalue().count("\x1b[J")


def test_bars_redraw_at_most_ten_times_a_second():
    """A burst draws now and 0.1 s later; a stream, ten times a second."""

    async def main() -> tuple[int, int, int]:
        stream = FakeTTY()
        display = BarDisplay(stream, width=80, height=10)
        display.follow(_report(("c1", "edge-01", 4)))
        for _ in range(50):
            display.on_event(_event(K.CLOUD_STARTED))
        burst = _draws(stream)
        await asyncio.sleep(0.1)
        after_burst = _draws(stream)
        for _ in range(100):  # one event every 10 ms for a second
            display.on_event(_event(K.CLOUD_STARTED))
            await asyncio.sleep(0.01)
        return burst, after_burst, _draws(stream) - after_burst

    burst, after_burst, steady = run_virtual(main())

    assert (burst, after_burst) == (1, 2)
    assert 9 <= steady <= 11


def test_bars_are_redrawn_in_place():
    """Each redraw goes back up over the lines drawn before."""

    async def main() -> str:
        stream = FakeTTY()
        display = BarDisplay(stream, width=30, height=10, interval=0)
        display.follow(_report(("c1", "edge-01-with-a-long-name", 4)))
        display.on_event(_event(K.CLOUD_STARTED))
        display.on_event(_event(K.NODE_ORDERED, node_id="n1"))
        display.close()
        return stream.getvalue()

    written = run_virtual(main())

    first, second, third = written.split("\x1b[J")[:3]
    assert not first.startswith("\r")
    assert second.startswith("\r\x1b[2A\x1b[2K")
    assert third.startswith("\r\x1b[2A")
    assert "\x1b[2Kedge-01-with-a-long-name  [..\n" in first
    assert "\x1b[2K0 of 1 clouds done\n" in first


def test_closing_bars_draws_what_is_pending():
    """The last state is drawn at the end, even inside the interval."""

    async def main() -> tuple[int, int]:
        stream = FakeTTY()
        display = BarDisplay(stream)
        display.follow(_report(("c1", "edge-01", 4)))
        display.on_event(_event(K.CLOUD_STARTED))
        display.on_event(_event(K.NODE_ORDERED, node_id="n1"))
        before = _draws(stream)
        display.close()
        return before, _draws(stream)

    assert run_virtual(main()) == (1, 2)


def test_closing_bars_that_never_drew_writes_nothing():
    """A run that ended before any event leaves the terminal alone."""
    stream = FakeTTY()

    BarDisplay(stream).close()

    assert stream.getvalue() == ""
