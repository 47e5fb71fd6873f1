"""Turning raw HTTP answers into data or `flexvm_async` errors."""

from __future__ import annotations

import json
from collections.abc import Mapping
from typing import Any

import aiohttp

from flexvm_async._errors import (
    APIError,
    ConflictError,
    ConnectError,
    FieldError,
    InvalidResponseError,
    RequestTimeoutError,
    ResponseLostError,
    TransportError,
    error_for_status,
)
from flexvm_async._retry import parse_retry_after

__all__ = ["api_error", "decode", "request_id", "transport_error"]

_REQUEST_ID_HEADERS = ("X-Request-Id", "Request-Id", "X-Correlation-Id")


def request_id(headers: Mapping[str, str]) -> str | None:
    for name in _REQUEST_ID_HEADERS:
        value = headers.get(name)
        if value:
            return value
    return None


def decode(
    raw: bytes, method: str, path: str, status: int, request_id: str | None
) -> Any:
    if not raw.strip():
        return None
    try:
        return json.loads(raw)
    except ValueError as exc:
        raise InvalidResponseError(
            f"body is not JSON: {exc}",
            method=method,
            path=path,
            status=status,
            request_id=request_id,
        ) from exc


def _as_list(value: object) -> list[Any]:
    return value if isinstance(value, list) else []


def transport_error(
    exc: aiohttp.ClientError, method: str, path: str
) -> TransportError:
    if isinstance(
        exc, aiohttp.ClientConnectorError | aiohttp.ConnectionTimeoutError
    ):
        return ConnectError(
            f"could not connect: {exc}", method=method, path=path
        )
    if isinstance(exc, aiohttp.ServerTimeoutError):
        return RequestTimeoutError(
            f"timed out: {exc}", method=method, path=path
        )
    return ResponseLostError(
        f"connection lost before the answer was complete: "
        f"{type(exc).__name__}: {exc}",
        method=method,
        path=path,
    )


def api_error(
    status: int,
    raw: bytes,
    headers: Mapping[str, str],
    method: str,
    path: str,
    request_id: str | None,
    conflict: type[ConflictError] | None,
) -> APIError:
    code: int | str | None = None
    message = f"Received {status} status code."
    errors: list[FieldError] = []
    try:
        data = json.loads(raw) if raw.strip() else None
    except ValueError:
        data = None
    if isinstance(data, dict):
        raw_code = data.get("errorCode")
        if isinstance(raw_code, int | str) and not isinstance(raw_code, bool):
            code = raw_code
        if isinstance(data.get("errorMessage"), str) and data["errorMessage"]:
            message = data["errorMessage"]
        errors.extend(
            FieldError(
                str(item.get("property", "")), str(item.get("message", ""))
            )
            for item in _as_list(data.get("errors"))
            if isinstance(item, dict)
        )
    if 300 <= status < 400:  # noqa: PLR2004
        message = f"redirect to {headers.get('Location')!r} not followed"
    cls = error_for_status(status, code)
    if cls is ConflictError and conflict is not None:
        cls = conflict
    return cls(
        status=status,
        code=code,
        message=message,
        errors=errors,
        request_id=request_id,
        method=method,
        path=path,
        retry_after=parse_retry_after(headers.get("Retry-After")),
    )
