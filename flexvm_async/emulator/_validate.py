"""Checks on request bodies, path ids and headers.

Shape problems (not JSON, wrong types, unknown or missing fields) answer
400, like the API's "Invalid request body"; values that are well formed
but unacceptable (an unknown image, both ``ssh_keys`` and ``user_data``)
answer 422. Every problem found is listed in ``errors``, not just the
first.
"""

from __future__ import annotations

import base64
import binascii
import json
import re
from collections.abc import Mapping
from typing import Any

from aiohttp import web

from flexvm_async.emulator import _apierror as err
from flexvm_async.emulator._catalog import IMAGES, VM_TYPES, Image, VMType

__all__ = [
    "VMRequest",
    "check_uuid",
    "cloud_request",
    "command_request",
    "page_bounds",
    "read_json",
    "vm_request",
]

_UUID = re.compile(
    r"[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}"
    r"-[0-9a-fA-F]{12}"
)
_RANGE_PART = re.compile(r"\s*(start|results)\s*=\s*(\d{1,9})\s*")
_USER_DATA_MAX = 64000
_TAG_MAX = 128
COMMANDS = ("start", "stop", "reboot", "reset")


def check_uuid(request: web.Request, *names: str) -> list[str]:
    """Return the named path ids, or raise 422 if one is not a UUID."""
    values = [request.match_info[name] for name in names]
    bad = [
        (name, "must be a UUID")
        for name, value in zip(names, values, strict=True)
        if _UUID.fullmatch(value) is None
    ]
    if bad:
        raise err.unprocessable("Invalid identifier", bad)
    return [value.lower() for value in values]


async def read_json(request: web.Request) -> Any:
    """Return the decoded body, or raise 400 if it is not JSON."""
    raw = await request.read()
    try:
        return json.loads(raw)
    except (UnicodeDecodeError, json.JSONDecodeError) as exc:
        raise err.invalid_body([("body", f"not valid JSON: {exc}")]) from None


def _object(
    body: Any,
    allowed: Mapping[str, type | tuple[type, ...]],
    required: set[str],
) -> dict[str, Any]:
    """Check a JSON object's field names and types, or raise 400."""
    if not isinstance(body, dict):
        raise err.invalid_body([("body", "must be a JSON object")])
    problems = [
        (name, "is required") for name in sorted(required) if name not in body
    ]
    for name, value in body.items():
        kind = allowed.get(name)
        if kind is None:
            problems.append((name, "is not a known field"))
        elif not isinstance(value, kind) or (
            # JSON true is no number, though Python's bool is an int.
            isinstance(value, bool) and kind is not bool
        ):
            problems.append((name, "has the wrong type"))
    if problems:
        raise err.invalid_body(problems)
    return body


def cloud_request(body: Any) -> dict[str, Any]:
    """Check a cloud create body; return its fields."""
    fields = _object(
        body,
        {"name": str, "site": str, "instance_type": str, "description": str},
        {"name", "site", "instance_type"},
    )
    if not fields["name"].strip():
        raise err.invalid_body([("name", "must not be empty")])
    return fields


def command_request(body: Any) -> str:
    """Check a VM command body; return the command, or raise 422."""
    command: str = _object(body, {"command": str}, {"command"})["command"]
    if command not in COMMANDS:
        raise err.unprocessable(
            "Invalid command",
            [("command", f"must be one of {', '.join(COMMANDS)}")],
        )
    return command


class VMRequest:
    """A checked VM create body.

    Attributes:
        name: The VM name.
        description: The optional description.
        vm_type: The instance type.
        image: The image.
        tags: The tags, in the order given.
    """

    def __init__(
        self,
        name: str,
        description: str | None,
        vm_type: VMType,
        image: Image,
        tags: tuple[str, ...],
    ) -> None:
        """Keep the checked fields."""
        self.name = name
        self.description = description
        self.vm_type = vm_type
        self.image = image
        self.tags = tags


def _strings(fields: dict[str, Any], name: str) -> list[tuple[str, str]]:
    value = fields.get(name, [])
    if all(isinstance(item, str) for item in value):
        return []
    return [(name, "must be an array of strings")]


def _user_data_shape(user_data: Any) -> list[tuple[str, str]]:
    if user_data is None:
        return []
    try:
        _object(user_data, {"data": str, "is_base64": bool}, {"data"})
    except err.ApiError as exc:
        return [(f"user_data.{prop}", text) for prop, text in exc.errors]
    return []


def _user_data_value(user_data: dict[str, Any]) -> list[tuple[str, str]]:
    data: str = user_data["data"]
    if not 1 <= len(data) <= _USER_DATA_MAX:
        return [("user_data.data", "length must be between 1 and 64000")]
    if user_data.get("is_base64", False):
        try:
            base64.b64decode(data, validate=True)
        except binascii.Error:
            return [("user_data.data", "is not valid base64")]
    return []


def vm_request(body: Any) -> VMRequest:
    """Check a VM create body, or raise 400 (shape) or 422 (values)."""
    fields = _object(
        body,
        {
            "name": str,
            "description": str,
            "instance_type_name": str,
            "image_name": str,
            "ssh_keys": list,
            "user_data": dict,
            "tags": list,
        },
        {"name"},
    )
    shape = _strings(fields, "ssh_keys") + _strings(fields, "tags")
    shape += _user_data_shape(fields.get("user_data"))
    if not fields["name"].strip():
        shape.append(("name", "must not be empty"))
    if shape:
        raise err.invalid_body(shape)

    problems: list[tuple[str, str]] = []
    has_keys, has_data = "ssh_keys" in fields, "user_data" in fields
    if has_keys == has_data:
        problems.append(
            ("ssh_keys", "exactly one of ssh_keys and user_data is required")
        )
    elif has_keys and not fields["ssh_keys"]:
        problems.append(("ssh_keys", "must hold at least one key"))
    elif has_data:
        problems += _user_data_value(fields["user_data"])
    tags = tuple(fields.get("tags", ()))
    if any(not tag or len(tag) > _TAG_MAX for tag in tags):
        problems.append(("tags", "each tag must be 1 to 128 characters"))
    vm_type = VM_TYPES.get(fields.get("instance_type_name", ""))
    if vm_type is None:
        problems.append(("instance_type_name", "unknown instance type"))
    image = IMAGES.get(fields.get("image_name", ""))
    if image is None:
        problems.append(("image_name", "unknown image"))
    if problems or vm_type is None or image is None:
        raise err.unprocessable("Unprocessable content", problems)

    return VMRequest(
        fields["name"], fields.get("description"), vm_type, image, tags
    )


def page_bounds(header: str | None, max_page_size: int) -> tuple[int, int]:
    """Parse ``RANGED-DATA: start=<offset>,results=<n>``.

    Args:
        header: The header's value, or None when it was not sent.
        max_page_size: The cap on ``results``, applied without a word,
            like a server that limits its pages.

    Returns:
        ``(start, results)``; ``(0, 25)`` when the header is absent.

    Raises:
        ApiError: 400 when the header cannot be read.
    """
    bounds = {"start": 0, "results": 25}
    if header is not None:
        seen = set()
        for part in header.split(","):
            match = _RANGE_PART.fullmatch(part)
            if match is None or match[1] in seen:
                raise _bad_range(header)
            seen.add(match[1])
            bounds[match[1]] = int(match[2])
        if bounds["results"] < 1:
            raise _bad_range(header)

    return bounds["start"], min(bounds["results"], max_page_size)


def _bad_range(header: str) -> err.ApiError:
    return err.ApiError(
        400,
        err.BAD_RANGE,
        "Invalid RANGED-DATA header",
        [("RANGED-DATA", f"expected start=<n>,results=<n>, got {header!r}")],
    )
