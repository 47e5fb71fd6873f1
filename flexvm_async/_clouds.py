"""Clouds: the private clouds of bare-metal nodes."""

from __future__ import annotations

from collections.abc import AsyncIterator

from flexvm_async._errors import CloudNameConflictError, NotFoundError
from flexvm_async._ids import check_id
from flexvm_async._models import Cloud
from flexvm_async._resource import API, Resource

__all__ = ["Clouds"]


def _require_text(value: object, what: str) -> str:
    if not isinstance(value, str) or not value.strip():
        raise ValueError(f"{what} must be a non-empty string, not {value!r}")
    return value


class Clouds(Resource):
    """The caller's clouds: ``client.clouds``."""

    async def list(self) -> list[Cloud]:
        """Return every cloud, fetching all pages."""
        return await self._list(f"{API}/clouds", Cloud)

    def iter(self) -> AsyncIterator[Cloud]:
        """Yield every cloud, fetching one page at a time."""
        return self._iter(f"{API}/clouds", Cloud)

    async def get(self, cloud_id: str) -> Cloud:
        """Return one cloud.

        Raises:
            NotFoundError: No cloud has that id.
        """
        cloud_id = check_id(cloud_id, "cloud_id")
        return await self._get(f"{API}/clouds/{cloud_id}", Cloud)

    async def find(self, name: str) -> Cloud | None:
        """Return the cloud with this exact name, or None.

        Cloud names are unique within an organisation, so at most one
        matches.
        """
        async for cloud in self.iter():
            if cloud.name == name:
                return cloud
        return None

    async def create(
        self,
        *,
        name: str,
        site: str,
        instance_type: str,
        description: str | None = None,
    ) -> Cloud:
        """Create a cloud and return it.

        The request is never repeated unless the API said it did not
        process it (429, 503), so a failure cannot create two clouds.

        Args:
            name: A name no other cloud of the organisation has.
            site: The i3D site, e.g. ``frmtl1``.
            instance_type: The bare-metal type every node will have.
            description: Free text.

        Raises:
            CloudNameConflictError: A cloud with that name exists.
        """
        body = {
            "name": _require_text(name, "name"),
            "site": _require_text(site, "site"),
            "instance_type": _require_text(instance_type, "instance_type"),
        }
        if description is not None:
            body["description"] = description
        response = await self._transport.request(
            "POST",
            f"{API}/clouds",
            body=body,
            conflict=CloudNameConflictError,
        )
        return self._transport.model(response, Cloud)

    async def delete(self, cloud_id: str) -> None:
        """Delete a cloud (204); the API refuses while it has VMs.

        A repeated try that meets 404, after one whose answer was lost,
        counts as done.
        """
        cloud_id = check_id(cloud_id, "cloud_id")
        await self._transport.request(
            "DELETE",
            f"{API}/clouds/{cloud_id}",
            landed=lambda error: isinstance(error, NotFoundError),
        )
