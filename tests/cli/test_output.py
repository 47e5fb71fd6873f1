"""Tables, cells and JSON, on their own."""

from __future__ import annotations

import enum
import json
from datetime import UTC, datetime
from types import MappingProxyType

from flexvm_async import Cloud
from flexvm_async.cli._output import align, cell, jsonable, short_id


class _Colour(enum.Enum):
    RED = "red"


def test_cells_are_one_line_each():
    """Every value renders on one line; missing values as a dash."""
    when = datetime(2026, 6, 1, 12, 30, 5, 123, tzinfo=UTC)

    assert cell(None) == "-"
    assert cell("") == "-"
    assert cell(_Colour.RED) == "red"
    assert cell(when) == "2026-06-01T12:30:05+00:00"
    assert cell(("a", "b")) == "a,b"
    assert cell(()) == "-"
    assert cell("two\nlines\tand tab") == "two lines and tab"
    assert cell(3) == "3"


def test_align_pads_columns_and_right_aligns_numbers():
    """Columns line up two spaces apart; no line ends in spaces."""
    lines = align([["NAME", "N", ""], ["a", "10", "x"]], right={1})

    assert lines == ["NAME   N", "a     10  x"]
    assert align([]) == []


def test_short_ids_keep_the_random_end():
    """UUIDv7 share their start; the end tells nodes apart."""
    assert short_id("019e807a-ec02-7311-ade5-c0e1fee29476") == "…fee29476"
    assert short_id("n1") == "n1"


def test_models_turn_into_json():
    """Datetimes become ISO 8601 and unknown keys a plain object."""
    cloud = Cloud(
        "c1",
        "edge-01",
        "frmtl1",
        "bm7.std.32",
        datetime(2026, 6, 1, tzinfo=UTC),
        extra=MappingProxyType({"region": "eu"}),
    )

    data = jsonable(cloud)

    assert json.loads(json.dumps(data)) == {
        "id": "c1",
        "name": "edge-01",
        "site": "frmtl1",
        "instance_type": "bm7.std.32",
        "created_at": "2026-06-01T00:00:00+00:00",
        "description": None,
        "extra": {"region": "eu"},
    }
