"""VMs of a cloud and the commands they take."""

from __future__ import annotations

from collections.abc import AsyncIterator, Collection, Sequence
from typing import Any

from flexvm_async._converter import unstructure
from flexvm_async._errors import (
    APIError,
    ConflictError,
    NotFoundError,
    UnprocessableError,
)
from flexvm_async._http import Transport
from flexvm_async._ids import check_id
from flexvm_async._models import VM, UserData, VMCommand, VMStatus
from flexvm_async._paging import PageSizes
from flexvm_async._resource import API, Resource
from flexvm_async._wait_types import OnChange, WaitPolicy
from flexvm_async._waiters import Waiters

__all__ = ["VMs"]

# i3D's error code for deleting a VM that is already failed or deleted.
VM_TERMINAL = 90002
_MAX_TAG = 128


def _deletion_landed(error: APIError) -> bool:
    # 404: gone; 409: already deleting; 422 90002: already terminal.
    return isinstance(error, NotFoundError | ConflictError) or (
        isinstance(error, UnprocessableError) and error.code == VM_TERMINAL
    )


def _vm_body(
    name: str,
    image_name: str | None,
    instance_type_name: str | None,
    ssh_keys: Sequence[str] | None,
    user_data: UserData | None,
    description: str | None,
    tags: Sequence[str] | None,
) -> dict[str, Any]:
    if not name:
        raise ValueError(f"name must be a non-empty string, not {name!r}")
    if (ssh_keys is None) == (user_data is None):
        raise ValueError("give exactly one of ssh_keys and user_data")
    if isinstance(ssh_keys, str):
        raise TypeError("ssh_keys must be a list of keys, not one string")
    body: dict[str, Any] = {"name": name}
    optional = {
        "description": description,
        "image_name": image_name,
        "instance_type_name": instance_type_name,
    }
    body.update({k: v for k, v in optional.items() if v is not None})
    if ssh_keys is not None:
        body["ssh_keys"] = list(ssh_keys)
    if user_data is not None:
        body["user_data"] = unstructure(user_data)
    if tags is not None:
        bad = [t for t in tags if not t or len(t) > _MAX_TAG]
        if bad or isinstance(tags, str):
            raise ValueError(
                f"tags must be non-empty strings of at most {_MAX_TAG} "
                f"characters, not {tags!r}"
            )
        body["tags"] = list(tags)
    return body


class VMs(Resource):
    """The VMs of each cloud: ``client.vms``."""

    def __init__(
        self,
        transport: Transport,
        *,
        page_size: int,
        sizes: PageSizes,
        waiters: Waiters,
    ) -> None:
        """Share the client's transport, paging state and waiters."""
        super().__init__(transport, page_size=page_size, sizes=sizes)
        self._waiters = waiters

    async def wait_until_status(
        self,
        cloud_id: str,
        vm_id: str,
        statuses: Collection[VMStatus | str],
        policy: WaitPolicy | None = None,
        *,
        on_change: OnChange | None = None,
    ) -> VM:
        """Wait until a VM is in one of `statuses` and return it.

        Raises:
            VMFailedError: The VM ended ``failed`` (unless awaited).
            WaitError: The VM no longer exists.
            WaitTimeoutError: The policy's deadline passed first.
        """
        return await self._waiters.until_vm_status(
            cloud_id, vm_id, statuses, policy, on_change=on_change
        )

    async def wait_until_deleted(
        self,
        cloud_id: str,
        vm_id: str,
        policy: WaitPolicy | None = None,
        *,
        on_change: OnChange | None = None,
    ) -> None:
        """Wait until a VM is gone (404, or status ``deleted``).

        Raises:
            VMFailedError: The VM ended ``failed`` instead.
            WaitTimeoutError: The policy's deadline passed first.
        """
        await self._waiters.until_vm_deleted(
            cloud_id, vm_id, policy, on_change=on_change
        )

    @staticmethod
    def _path(cloud_id: str, *vm_id: str) -> str:
        path = f"{API}/clouds/{check_id(cloud_id, 'cloud_id')}/vms"
        for value in vm_id:
            path += "/" + check_id(value, "vm_id")
        return path

    @staticmethod
    def _params(status: VMStatus | str | None) -> dict[str, str] | None:
        if status is None:
            return None
        return {"status": VMStatus(status).value}

    async def list(
        self, cloud_id: str, status: VMStatus | str | None = None
    ) -> list[VM]:
        """Return every VM of a cloud, optionally only those in `status`."""
        return await self._list(self._path(cloud_id), VM, self._params(status))

    def iter(
        self, cloud_id: str, status: VMStatus | str | None = None
    ) -> AsyncIterator[VM]:
        """Yield every VM of a cloud, fetching one page at a time."""
        return self._iter(self._path(cloud_id), VM, self._params(status))

    async def get(self, cloud_id: str, vm_id: str) -> VM:
        """Return one VM.

        Raises:
            NotFoundError: The cloud or the VM does not exist.
        """
        return await self._get(self._path(cloud_id, vm_id), VM)

    async def create(
        self,
        cloud_id: str,
        *,
        name: str,
        image_name: str | None = None,
        instance_type_name: str | None = None,
        ssh_keys: Sequence[str] | None = None,
        user_data: UserData | None = None,
        description: str | None = None,
        tags: Sequence[str] | None = None,
    ) -> VM:
        """Create a VM (201, status ``provisioning``) and return it.

        Exactly one of `ssh_keys` and `user_data` must be given; `tags`
        are fixed at creation and group the VM in the monthly report.

        Raises:
            ValueError: The arguments break the API's rules; nothing sent.
        """
        body = _vm_body(
            name,
            image_name,
            instance_type_name,
            ssh_keys,
            user_data,
            description,
            tags,
        )
        response = await self._transport.request(
            "POST", self._path(cloud_id), body=body
        )
        return self._transport.model(response, VM)

    async def delete(self, cloud_id: str, vm_id: str) -> None:
        """Delete a VM (202); deletion goes on in the background.

        The API only deletes a ``running`` or ``stopped`` VM; it answers
        422 with code 90001 while the VM is changing state. When a try
        whose answer was lost is repeated and the API then says the VM is
        gone, already deleting or already deleted, that counts as done.
        """
        await self._transport.request(
            "DELETE", self._path(cloud_id, vm_id), landed=_deletion_landed
        )

    async def command(
        self, cloud_id: str, vm_id: str, command: VMCommand | str
    ) -> None:
        """Send ``start``, ``stop``, ``reboot`` or ``reset`` to a VM (202).

        Raises:
            ValueError: `command` is not one of the four.
        """
        if command not in {c.value for c in VMCommand}:
            raise ValueError(
                "command must be one of start, stop, reboot, reset, "
                f"not {command!r}"
            )
        await self._transport.request(
            "POST",
            self._path(cloud_id, vm_id) + "/commands",
            body={"command": VMCommand(command).value},
        )
