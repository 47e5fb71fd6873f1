"""Responses, and structuring their JSON bodies into models."""

from __future__ import annotations

from typing import Any, TypeVar

import attrs

from flexvm_async._converter import ShapeError, structure
from flexvm_async._errors import APIError, InvalidResponseError

__all__ = ["Response", "structure_body", "structure_items"]

T = TypeVar("T")


@attrs.define
class Response:
    """A successful answer, its body already decoded from JSON.

    Attributes:
        method: The request's HTTP method.
        path: The request's path.
        status: The HTTP status.
        data: The decoded body; None when it was empty.
        request_id: The request id from the headers, if the API sent one.
        attempts: How many tries it took.
        landed_earlier: True when an earlier try that got no answer had
            already done the work, and the `error` of the last try only
            shows that (a 404 on a repeated DELETE, say).
        error: The error answer behind `landed_earlier`.
    """

    method: str
    path: str
    status: int
    data: Any
    request_id: str | None = None
    attempts: int = 1
    landed_earlier: bool = False
    error: APIError | None = None


def structure_body(response: Response, cls: type[T]) -> T:
    """Structure a response body into `cls`, or raise.

    Raises:
        InvalidResponseError: The body does not have the shape of `cls`.
    """
    return _structure(response.data, cls, response, "")


def structure_items(
    response: Response,
    cls: type[T],
    known: dict[str, tuple[Any, T]] | None = None,
) -> list[T]:
    """Structure a JSON array body into a list of `cls`, or raise.

    Args:
        response: The response whose body is the array.
        cls: The model of one item.
        known: The items of an earlier listing by id, each with the
            JSON it was structured from. An item whose JSON is the
            same is given back as that model instead of being
            structured again (models are frozen, so sharing one is
            safe); every item structured is added.

    Raises:
        InvalidResponseError: The body is not an array of `cls`.
    """
    if not isinstance(response.data, list):
        raise _invalid(
            response,
            f"expected a JSON array of {cls.__name__}, "
            f"got {type(response.data).__name__}",
        )
    if known is None:
        return [
            _structure(item, cls, response, f" at index {index}")
            for index, item in enumerate(response.data)
        ]
    items = []
    for index, item in enumerate(response.data):
        key = item.get("id") if isinstance(item, dict) else None
        if not isinstance(key, str):
            key = None
        elif (hit := known.get(key)) is not None and hit[0] == item:
            items.append(hit[1])
            continue
        model = _structure(item, cls, response, f" at index {index}")
        if key is not None:
            known[key] = (item, model)
        items.append(model)
    return items


def _structure(data: Any, cls: type[T], response: Response, where: str) -> T:
    try:
        return structure(data, cls)
    except ShapeError as exc:
        raise _invalid(
            response, f"not a valid {cls.__name__}{where}: {exc}"
        ) from exc


def _invalid(response: Response, message: str) -> InvalidResponseError:
    return InvalidResponseError(
        message,
        method=response.method,
        path=response.path,
        status=response.status,
        request_id=response.request_id,
    )
