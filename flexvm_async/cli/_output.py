"""What commands print: aligned tables on a terminal, JSON for scripts.

On a terminal a list is a table with a header. Otherwise it is one line
per item with tab-separated fields and no header, for ``cut`` and
``awk``; ``--json`` gives the full records.
"""

from __future__ import annotations

import enum
import json
import sys
from collections.abc import Callable, Collection, Mapping, Sequence
from datetime import datetime
from typing import Any, Generic, TextIO, TypeVar

import attrs

from flexvm_async import VM, Cloud, Node

__all__ = [
    "CLOUD_COLUMNS",
    "NODE_COLUMNS",
    "VM_COLUMNS",
    "Column",
    "Output",
    "align",
    "cell",
    "jsonable",
    "short_id",
]


T = TypeVar("T")


@attrs.frozen
class Column(Generic[T]):
    """One column of a table: its header and how to read its cell."""

    header: str
    read: Callable[[T], object]
    right: bool = False


def cell(value: object) -> str:
    """Render one value for a table cell, on one line."""
    if value is None:
        return "-"
    if isinstance(value, enum.Enum):
        return str(value.value)
    if isinstance(value, datetime):
        return value.isoformat(timespec="seconds")
    if isinstance(value, tuple | list):
        return ",".join(cell(v) for v in value) or "-"
    text = str(value)
    # A tab or a newline inside a field would break the columns.
    return " ".join(text.split()) if text.strip() else "-"


def align(
    rows: Sequence[Sequence[str]], right: Collection[int] = ()
) -> list[str]:
    """Pad cells so that columns line up, two spaces apart.

    Args:
        rows: The cells, row by row; every row has the same length.
        right: Indexes of the columns to align to the right (numbers).

    Returns:
        One line per row, without trailing spaces.
    """
    if not rows:
        return []
    widths = [max(len(row[i]) for row in rows) for i in range(len(rows[0]))]
    lines = []
    for row in rows:
        cells = [
            text.rjust(width) if i in right else text.ljust(width)
            for i, (text, width) in enumerate(zip(row, widths, strict=True))
        ]
        lines.append("  ".join(cells).rstrip())
    return lines


_SHORT_ID = 8


def short_id(value: str) -> str:
    """Return the end of a UUID, enough to tell nodes apart in a line.

    The end, not the start: FlexVM ids are UUIDv7, whose first digits
    are a timestamp that nodes ordered together share.
    """
    if len(value) <= _SHORT_ID:
        return value
    return "\N{HORIZONTAL ELLIPSIS}" + value[-_SHORT_ID:]


def _serialize(_: object, __: object, value: Any) -> Any:
    if isinstance(value, datetime):
        return value.isoformat()
    if isinstance(value, enum.Enum):
        return value.value
    if isinstance(value, Mapping) and not isinstance(value, dict):
        # Models keep unknown keys in a read-only mapping.
        return dict(value)
    return value


def jsonable(model: Any) -> dict[str, Any]:
    """Return an attrs model as JSON-ready data, datetimes in ISO 8601."""
    return attrs.asdict(model, value_serializer=_serialize)


class Output:
    """Writes a command's results in the form asked for.

    Args:
        json: Print JSON instead of tables and lines.
    """

    def __init__(self, *, json: bool = False) -> None:
        """Choose between JSON and text."""
        self.json = json

    @property
    def out(self) -> TextIO:
        """Standard output, looked up on each use (tests replace it)."""
        return sys.stdout

    @property
    def err(self) -> TextIO:
        """Standard error, looked up on each use."""
        return sys.stderr

    def lines(self, lines: Sequence[str], *, err: bool = False) -> None:
        """Write lines of text."""
        stream = self.err if err else self.out
        stream.write("".join(f"{line}\n" for line in lines))
        stream.flush()

    def note(self, text: str) -> None:
        """Write one line on standard error, for a person watching."""
        self.lines([text], err=True)

    def data(self, data: object) -> None:
        """Write one JSON document."""
        self.out.write(json.dumps(data, indent=2, ensure_ascii=False) + "\n")
        self.out.flush()

    def table(
        self,
        headers: Sequence[str],
        rows: Sequence[Sequence[str]],
        right: Collection[int] = (),
    ) -> None:
        """Write rows of cells: a table on a terminal, else tab-separated.

        Args:
            headers: The column headers, shown on a terminal only.
            rows: The cells, row by row.
            right: Indexes of the columns to align to the right.
        """
        if self.out.isatty():
            self.lines(align([headers, *rows], right))
        else:
            self.lines(["\t".join(row) for row in rows])

    def items(self, columns: Sequence[Column[T]], models: Sequence[T]) -> None:
        """Write a list of models."""
        if self.json:
            self.data([jsonable(m) for m in models])
            return
        rows = [[cell(c.read(m)) for c in columns] for m in models]
        right = [i for i, c in enumerate(columns) if c.right]
        self.table([c.header for c in columns], rows, right)

    def item(self, columns: Sequence[Column[T]], model: T) -> None:
        """Write one model: a field per line, or one JSON object."""
        if self.json:
            self.data(jsonable(model))
            return
        rows = [[c.header.lower() + ":", cell(c.read(model))] for c in columns]
        self.lines(align(rows))

    def done(self, message: str, data: Mapping[str, object]) -> None:
        """Report an action that returns nothing: a line, or its JSON."""
        if self.json:
            self.data(dict(data))
        else:
            self.lines([message])


CLOUD_COLUMNS: tuple[Column[Cloud], ...] = (
    Column("ID", lambda c: c.id),
    Column("NAME", lambda c: c.name),
    Column("SITE", lambda c: c.site),
    Column("TYPE", lambda c: c.instance_type),
    Column("CREATED", lambda c: c.created_at),
    Column("DESCRIPTION", lambda c: c.description),
)

NODE_COLUMNS: tuple[Column[Node], ...] = (
    Column("ID", lambda n: n.id),
    Column("NAME", lambda n: n.name),
    Column("SERIAL", lambda n: n.serial),
    Column("STATUS", lambda n: n.status),
)

VM_COLUMNS: tuple[Column[VM], ...] = (
    Column("ID", lambda v: v.id),
    Column("NAME", lambda v: v.name),
    Column("STATUS", lambda v: v.status),
    Column("TYPE", lambda v: v.instance_type.name),
    Column("IMAGE", lambda v: v.image.name),
    Column("NODE", lambda v: v.node.name if v.node else None),
    Column("IPS", lambda v: tuple(ip.address for ip in v.ips)),
    Column("TAGS", lambda v: v.tags),
    Column("CREATED", lambda v: v.created_at),
)
