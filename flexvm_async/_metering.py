"""Counting the requests a piece of work spends."""

from __future__ import annotations

import contextlib
import contextvars
from collections.abc import Iterator

import attrs

__all__ = ["Spent", "count_request", "spending"]


@attrs.define
class Spent:
    """A count of the HTTP requests sent within a `spending` block."""

    count: int = 0


_SPENT: contextvars.ContextVar[Spent | None] = contextvars.ContextVar(
    "flexvm_async_spent", default=None
)


@contextlib.contextmanager
def spending() -> Iterator[Spent]:
    """Count every request sent by this task, and tasks it starts, inside.

    Yields:
        The count, which grows as requests are sent.
    """
    spent = Spent()
    token = _SPENT.set(spent)
    try:
        yield spent
    finally:
        _SPENT.reset(token)


def count_request() -> None:
    """Add one request to the innermost `spending` block, if any."""
    spent = _SPENT.get()
    if spent is not None:
        spent.count += 1
