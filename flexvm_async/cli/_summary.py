"""The report printed after a scaling run, finished or interrupted."""

from __future__ import annotations

from flexvm_async import CloudReport, ScaleReport
from flexvm_async.cli._output import Column, Output, cell

__all__ = ["REPORT_COLUMNS", "report_rows", "verdict", "write_report"]


def _result(cloud: CloudReport, report: ScaleReport) -> str:
    if cloud.met:
        return "met"
    return "interrupted" if report.interrupted else "short"


REPORT_COLUMNS: tuple[Column[CloudReport], ...] = (
    Column("CLOUD", lambda c: c.name),
    Column("TARGET", lambda c: c.target, right=True),
    Column("BEFORE", lambda c: c.before, right=True),
    Column("AFTER", lambda c: c.after, right=True),
    Column("ADDED", lambda c: len(c.added), right=True),
    Column("REMOVED", lambda c: len(c.removed), right=True),
    Column("FAILED", lambda c: len(c.failed), right=True),
    Column("REQUESTS", lambda c: c.requests, right=True),
    Column("ELAPSED", lambda c: f"{c.elapsed:.1f}s", right=True),
)


def report_rows(report: ScaleReport) -> list[list[str]]:
    """Return one row of cells per cloud, with its result last."""
    return [
        [
            *(cell(c.read(cloud)) for c in REPORT_COLUMNS),
            _result(cloud, report),
        ]
        for cloud in report.clouds.values()
    ]


def _counts(clouds: list[CloudReport]) -> str:
    added = sum(len(c.added) for c in clouds)
    removed = sum(len(c.removed) for c in clouds)
    return f"+{added} -{removed} nodes"


def verdict(report: ScaleReport) -> list[str]:
    """Say how the run ended and, for clouds that fell short, why."""
    clouds = list(report.clouds.values())
    spent = (
        f"{_counts(clouds)}, {report.requests} requests, "
        f"{report.elapsed:.1f} s"
    )
    if report.interrupted:
        open_ = [c for c in clouds if not c.met]
        head = (
            f"interrupted after {report.elapsed:.1f} s, "
            f"{_counts(clouds)} so far; {len(open_)} of {len(clouds)} "
            "clouds were in flight:"
        )
        lines = [head]
        lines += [
            f"  {c.name}: +{len(c.added)} -{len(c.removed)} so far, "
            f"target {c.target}"
            for c in open_
        ]
        lines.append(
            "run the same command again to finish: it reads every cloud afresh"
        )
        return lines
    if report.ok:
        return [f"all {len(clouds)} clouds met their targets: {spent}"]
    short = report.short
    lines = [f"{len(short)} of {len(clouds)} clouds fell short ({spent}):"]
    for c in short:
        running = "?" if c.after is None else c.after
        lines.append(f"  {c.name}: {running} of {c.target} running")
        lines += [f"    {p.kind}: {cell(p.message)}" for p in c.problems]
    return lines


def write_report(output: Output, report: ScaleReport) -> None:
    """Print the report: JSON, or a table and the verdict."""
    if output.json:
        output.data(report.to_json())
        return
    headers = [c.header for c in REPORT_COLUMNS] + ["RESULT"]
    right = [i for i, c in enumerate(REPORT_COLUMNS) if c.right]
    output.table(headers, report_rows(report), right)
    output.lines(verdict(report))
