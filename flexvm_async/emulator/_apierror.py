"""API v3 error answers, and the error codes the emulator sends.

i3D documents only a few codes (10001 for a missing entity, 90001 and
90002 for VM deletes in the wrong state). The other integer codes here are
the emulator's own choice. The string codes for conflicts follow what this
project's SDK maps to specific errors; the API documents none for them.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from aiohttp import web

__all__ = [
    "BAD_QUERY",
    "BAD_RANGE",
    "CLOUD_HAS_NODES",
    "CLOUD_HAS_VMS",
    "CLOUD_NAME_TAKEN",
    "COMMAND_NOT_ALLOWED",
    "INVALID_BODY",
    "INVALID_CREDENTIALS",
    "METHOD_NOT_ALLOWED",
    "NODE_HAS_VMS",
    "NODE_NOT_RUNNING",
    "NOT_FOUND",
    "NO_CAPACITY",
    "RATE_LIMITED",
    "SERVER_ERROR",
    "UNPROCESSABLE",
    "VM_DELETING",
    "VM_TERMINAL",
    "VM_TRANSITIONAL",
    "ApiError",
    "error_response",
    "invalid_body",
    "not_found",
    "unprocessable",
]

NOT_FOUND = 10001
INVALID_BODY = 10002
INVALID_CREDENTIALS = 10003
UNPROCESSABLE = 10004
BAD_RANGE = 10005
METHOD_NOT_ALLOWED = 10006
BAD_QUERY = 10007
RATE_LIMITED = 10008
SERVER_ERROR = 10009
VM_TRANSITIONAL = 90001
VM_TERMINAL = 90002
COMMAND_NOT_ALLOWED = 90003
VM_DELETING = 90004
NO_CAPACITY = 90005
CLOUD_NAME_TAKEN = "cloud_name_taken"
CLOUD_HAS_VMS = "cloud_has_vms"
CLOUD_HAS_NODES = "cloud_has_nodes"
NODE_HAS_VMS = "node_has_vms"
NODE_NOT_RUNNING = "node_not_running"


class ApiError(Exception):
    """An error answer, raised anywhere in a handler.

    Args:
        status: The HTTP status.
        code: The ``errorCode`` of the body.
        message: The ``errorMessage`` of the body.
        errors: ``(property, message)`` pairs for the ``errors`` list.
        headers: Extra response headers, e.g. ``Retry-After``.
    """

    def __init__(
        self,
        status: int,
        code: int | str,
        message: str,
        errors: Sequence[tuple[str, str]] = (),
        headers: Mapping[str, str] | None = None,
    ) -> None:
        """Record the parts of the answer."""
        super().__init__(message)
        self.status = status
        self.code = code
        self.message = message
        self.errors = tuple(errors)
        self.headers = dict(headers or {})

    def body(self) -> dict[str, Any]:
        """Return the API v3 error body."""
        return {
            "errorCode": self.code,
            "errorMessage": self.message,
            "errors": [
                {"property": prop, "message": text}
                for prop, text in self.errors
            ],
        }

    def response(self) -> web.Response:
        """Return the answer as an aiohttp response."""
        return web.json_response(
            self.body(), status=self.status, headers=self.headers
        )


def error_response(
    status: int,
    code: int | str,
    message: str,
    errors: Sequence[tuple[str, str]] = (),
) -> web.Response:
    """Build an error answer without raising.

    Args:
        status: The HTTP status.
        code: The ``errorCode`` of the body.
        message: The ``errorMessage`` of the body.
        errors: ``(property, message)`` pairs for the ``errors`` list.

    Returns:
        A JSON response carrying the API v3 error body.
    """
    return ApiError(status, code, message, errors).response()


def not_found(kind: str) -> ApiError:
    """Return the 404 answer for a missing entity of some kind."""
    return ApiError(404, NOT_FOUND, "Entity not found", [(kind, "not found")])


def unprocessable(
    message: str, errors: Sequence[tuple[str, str]] = ()
) -> ApiError:
    """Return a 422 answer with the generic validation code."""
    return ApiError(422, UNPROCESSABLE, message, errors)


def invalid_body(errors: Sequence[tuple[str, str]]) -> ApiError:
    """Return a 400 answer for a body that does not match its schema."""
    return ApiError(400, INVALID_BODY, "Invalid request body", errors)
