"""Request counters, by method and route template."""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterator, Mapping

__all__ = ["UNMATCHED", "Counters"]

#: The template requests to no known route are counted under.
UNMATCHED = "<unmatched>"


class Counters(Mapping[tuple[str, str], int]):
    """How many requests each ``(method, route template)`` received.

    Faulted requests count too, including those whose connection was
    reset. The mapping is live; `snapshot` copies it.
    """

    def __init__(self) -> None:
        """Start at zero."""
        self._counts: Counter[tuple[str, str]] = Counter()
        self._total = 0

    def hit(self, method: str, template: str) -> None:
        """Count one request."""
        self._counts[method, template] += 1
        self._total += 1

    @property
    def total(self) -> int:
        """The number of requests counted since the last reset."""
        return self._total

    def count(self, route: str) -> int:
        """Return the count of a ``"METHOD /template"`` route, 0 if none."""
        method, _, template = route.partition(" ")
        return self._counts.get((method, template), 0)

    def snapshot(self) -> dict[tuple[str, str], int]:
        """Return a copy of the counts."""
        return dict(self._counts)

    def reset(self) -> None:
        """Set every count back to zero."""
        self._counts.clear()
        self._total = 0

    def to_json(self) -> dict[str, object]:
        """Return the counts as the admin route shows them."""
        return {
            "total": self._total,
            "routes": {
                f"{method} {template}": count
                for (method, template), count in self._counts.items()
            },
        }

    def __getitem__(self, key: tuple[str, str]) -> int:
        """Return the count of one ``(method, template)``."""
        # Counter would answer 0 for anything, which breaks ``in``.
        if key not in self._counts:
            raise KeyError(key)
        return self._counts[key]

    def __iter__(self) -> Iterator[tuple[str, str]]:
        """Iterate over the routes counted so far."""
        return iter(list(self._counts))

    def __len__(self) -> int:
        """Return the number of routes counted so far."""
        return len(self._counts)

    def __repr__(self) -> str:
        """Show the total and the number of routes."""
        return f"Counters(total={self._total}, routes={len(self._counts)})"
