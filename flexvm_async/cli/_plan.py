"""Scaling targets: ``CLOUD=N`` arguments or a plan file in JSON or TOML.

A plan maps cloud ids or names to node counts, at the top level or under
a ``targets`` key, so that a plan can later carry other settings::

    # plan.toml
    [targets]
    edge-01 = 3
    "0193c1de-0000-7000-8000-000000000001" = 0
"""

from __future__ import annotations

import json
import re
import tomllib
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

from flexvm_async.cli._config import UsageError

__all__ = ["load_plan", "parse_targets", "plan_targets"]

# Digits only: int() would also take "+3", " 3", "3_0" and non-ASCII digits.
_COUNT = re.compile(r"[0-9]+")


def parse_targets(items: Sequence[str]) -> dict[str, int]:
    """Turn ``CLOUD=N`` arguments into targets.

    The count follows the last ``=``, so a cloud name may itself hold one.

    Raises:
        UsageError: An item is malformed or names a cloud twice.
    """
    targets: dict[str, int] = {}
    for item in items:
        cloud, equals, count = item.rpartition("=")
        if not equals or not cloud:
            raise UsageError(f"target {item!r} is not CLOUD=N")
        if _COUNT.fullmatch(count) is None:
            raise UsageError(f"target {item!r}: N must be a whole number >= 0")
        if cloud in targets:
            raise UsageError(f"cloud {cloud!r} is given twice")
        targets[cloud] = int(count)
    return targets


def _no_duplicates(pairs: list[tuple[str, Any]]) -> dict[str, Any]:
    # json keeps the last of two equal keys; in a plan that hides a typo.
    data: dict[str, Any] = {}
    for key, value in pairs:
        if key in data:
            raise UsageError(f"key {key!r} appears twice")
        data[key] = value
    return data


def load_plan(path: str) -> dict[str, int]:
    """Read a plan file; its extension says whether it is JSON or TOML.

    Raises:
        UsageError: The file cannot be read or is not a valid plan.
    """
    suffix = Path(path).suffix.lower()
    if suffix not in {".json", ".toml"}:
        raise UsageError(f"plan {path}: the name must end in .json or .toml")
    try:
        raw = Path(path).read_bytes()
    except OSError as exc:
        raise UsageError(f"cannot read plan: {exc}") from exc
    try:
        if suffix == ".toml":
            data: object = tomllib.loads(raw.decode("utf-8"))
        else:
            data = json.loads(raw, object_pairs_hook=_no_duplicates)
    except (ValueError, UsageError) as exc:
        # tomllib, json and utf-8 errors are all ValueErrors.
        message = str(exc).splitlines()[0]
        raise UsageError(f"plan {path} is not valid: {message}") from exc
    return plan_targets(data, path)


def plan_targets(data: object, source: str) -> dict[str, int]:
    """Check a decoded plan and return its targets.

    Args:
        data: The decoded JSON or TOML document.
        source: Where it came from, for messages.

    Raises:
        UsageError: The plan is not a mapping of clouds to whole numbers
            of at least 0, or it is empty.
    """
    if isinstance(data, Mapping) and isinstance(data.get("targets"), Mapping):
        others = sorted(set(data) - {"targets"})
        if others:
            raise UsageError(
                f"plan {source}: unexpected keys beside targets: "
                + ", ".join(others)
            )
        data = data["targets"]
    if not isinstance(data, Mapping):
        raise UsageError(f"plan {source}: expected a mapping of clouds")
    if not data:
        raise UsageError(f"plan {source} has no targets")
    targets: dict[str, int] = {}
    for cloud, count in data.items():
        whole = isinstance(count, int) and not isinstance(count, bool)
        if not whole or count < 0:
            raise UsageError(
                f"plan {source}: target for {cloud!r} must be a whole "
                f"number >= 0, not {count!r}"
            )
        targets[str(cloud)] = count
    return targets
