"""Scaling targets from ``CLOUD=N`` arguments and from plan files."""

from __future__ import annotations

import json

import pytest

from flexvm_async.cli._config import UsageError
from flexvm_async.cli._plan import load_plan, parse_targets, plan_targets


def test_targets_parse_in_order():
    """Each CLOUD=N becomes one target, in the order given."""
    assert parse_targets(["b=0", "a=12"]) == {"b": 0, "a": 12}


def test_a_cloud_name_may_hold_an_equals_sign():
    """The count follows the last '='."""
    assert parse_targets(["x=y=3"]) == {"x=y": 3}


def test_a_cloud_named_twice_is_refused():
    """The same cloud twice is a mistake, not a last-one-wins."""
    with pytest.raises(UsageError, match="'a' is given twice"):
        parse_targets(["a=1", "a=2"])


@pytest.mark.parametrize("count", ["٣", " 3", "3_0", "1e2", "0x1"])
def test_only_ascii_digits_count(count):
    """int() would take some of these; a target takes digits only."""
    with pytest.raises(UsageError, match="whole number"):
        parse_targets([f"a={count}"])


@pytest.mark.parametrize(
    ("name", "text"),
    [
        ("plan.json", '{"edge-01": 3, "edge-02": 0}'),
        ("plan.json", '{"targets": {"edge-01": 3, "edge-02": 0}}'),
        ("plan.toml", 'edge-01 = 3\n"edge-02" = 0\n'),
        ("plan.TOML", "[targets]\nedge-01 = 3\nedge-02 = 0\n"),
    ],
)
def test_plans_in_json_and_toml_both_forms(tmp_path, name, text):
    """Targets sit at the top level or under ``targets``, in either."""
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")

    assert load_plan(str(path)) == {"edge-01": 3, "edge-02": 0}


@pytest.mark.parametrize(
    ("name", "text", "message"),
    [
        ("plan.yaml", "a: 1", "must end in .json or .toml"),
        ("plan.json", "[1, 2]", "expected a mapping of clouds"),
        ("plan.json", '{"targets": {}}', "has no targets"),
        ("plan.json", "{}", "has no targets"),
        ("plan.json", '{"a": -1}', "'a' must be a whole number >= 0, not -1"),
        ("plan.json", '{"a": 1.0}', "not 1.0"),
        ("plan.json", '{"a": true}', "not True"),
        ("plan.json", '{"a": "3"}', "not '3'"),
        ("plan.json", '{"a": 1, "a": 2}', "key 'a' appears twice"),
        ("plan.json", "{nope", "is not valid: Expecting property name"),
        ("plan.toml", "a = [1]", "not [1]"),
        ("plan.toml", "a = ", "is not valid: "),
        ("plan.toml", "[targets]\na = 1\n[other]\n", "beside targets: other"),
    ],
)
def test_malformed_plans_are_refused(tmp_path, name, text, message):
    """Anything but a mapping of clouds to counts >= 0 is refused."""
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")

    with pytest.raises(UsageError, match=r"^plan ") as info:
        load_plan(str(path))

    assert message in str(info.value)


def test_a_plan_that_is_not_utf8_is_refused(tmp_path):
    """Bytes that do not decode are a malformed plan, not a crash."""
    path = tmp_path / "plan.toml"
    path.write_bytes(b"a = 1\xff\n")

    with pytest.raises(UsageError, match="is not valid"):
        load_plan(str(path))


def test_a_missing_plan_is_refused(tmp_path):
    """A plan that cannot be read says so."""
    with pytest.raises(UsageError, match=r"^cannot read plan: "):
        load_plan(str(tmp_path / "none.json"))


def test_a_cloud_named_targets_is_still_a_target():
    """``targets`` holding a number is a cloud of that name."""
    assert plan_targets(json.loads('{"targets": 2}'), "p") == {"targets": 2}
