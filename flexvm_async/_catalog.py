"""Organisation-wide reads: images, instance types, capacity, reports."""

from __future__ import annotations

from datetime import UTC, datetime

from flexvm_async._models import Image, InstanceType
from flexvm_async._reports import Capacity, CloudCapacity, MonthlyReport
from flexvm_async._resource import API, Resource

__all__ = ["CapacityAPI", "Images", "InstanceTypes", "Reports"]


class Images(Resource):
    """The OS images VMs can be made from: ``client.images``."""

    async def list(self) -> list[Image]:
        """Return every image."""
        return await self._list(f"{API}/images", Image)


class InstanceTypes(Resource):
    """The VM sizes on offer: ``client.instance_types``."""

    async def list(self) -> list[InstanceType]:
        """Return every VM instance type."""
        return await self._list(f"{API}/instanceTypes", InstanceType)


class CapacityAPI(Resource):
    """Capacity per cloud: ``client.capacity``."""

    async def list(self) -> list[CloudCapacity]:
        """Return the capacity and its use for each of the caller's clouds."""
        return await self._list(f"{API}/capacity", CloudCapacity)


def _instant(value: datetime, what: str) -> str:
    if value.tzinfo is None:
        raise ValueError(f"{what} must be timezone-aware, not {value!r}")
    text = value.astimezone(UTC).isoformat()
    return text.replace("+00:00", "Z")


class Reports(Resource):
    """Usage and capacity reports: ``client.reports``."""

    async def capacity(self) -> Capacity:
        """Return the organisation-wide capacity snapshot."""
        return await self._get(f"{API}/reports/capacity", Capacity)

    async def monthly(
        self, start: datetime | None = None, end: datetime | None = None
    ) -> MonthlyReport:
        """Return VM usage over ``[start, end)``.

        Args:
            start: The first instant included, timezone-aware.
            end: The first instant no longer included, timezone-aware.
                Give both or neither; with neither, the API reports the
                current calendar month.

        Raises:
            ValueError: Only one of `start` and `end` was given, either is
                naive, or `start` is not before `end`.
        """
        if (start is None) != (end is None):
            raise ValueError("give both start and end, or neither")
        path = f"{API}/reports/monthly"
        if start is None or end is None:
            response = await self._transport.request("GET", path)
        else:
            params = {
                "start": _instant(start, "start"),
                "end": _instant(end, "end"),
            }
            if start >= end:
                raise ValueError("start must be before end")
            response = await self._transport.request(
                "GET", path, params=params
            )
        return self._transport.model(response, MonthlyReport)
