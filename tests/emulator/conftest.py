"""Fixtures for the emulator's tests: a started emulator and a raw client."""

from __future__ import annotations

import json
from collections.abc import AsyncIterator
from typing import Any

import aiohttp
import attrs
import pytest

from flexvm_async.emulator import Emulator, ManualClock

V3 = "/v3/flexVM"
GPU_BM = "bm9.hmm.gpu.4rtx4000.64"
GPU_VM = "vm.gpu.1rtx4000.15c.248g"
SMALL_VM = "vm.4c.8g"
IMAGE = "ubuntu-2404-server-amd64"


@attrs.frozen
class Reply:
    """What came back: status, decoded JSON (or None) and headers."""

    status: int
    json: Any
    headers: Any
    raw: bytes


class Raw:
    """A thin aiohttp wrapper that returns a `Reply` for each request."""

    def __init__(self, session: aiohttp.ClientSession) -> None:
        # aiohttp resends an idempotent request once after a disconnect;
        # these tests must see what happened to each single request.
        session._retry_connection = False
        self.session = session

    async def call(
        self,
        method: str,
        path: str,
        *,
        body: Any = None,
        data: bytes | None = None,
        headers: dict[str, str] | None = None,
        params: dict[str, str] | None = None,
    ) -> Reply:
        """Send one request and read the whole answer."""
        payload = data if data is not None else None
        if body is not None:
            payload = json.dumps(body).encode()
        async with self.session.request(
            method, path, data=payload, headers=headers, params=params
        ) as resp:
            raw = await resp.read()
        try:
            decoded = json.loads(raw) if raw else None
        except ValueError:
            # Left to the test: some faults send bodies that are not JSON.
            decoded = None
        return Reply(resp.status, decoded, resp.headers, raw)

    async def get(self, path: str, **kwargs: Any) -> Reply:
        return await self.call("GET", path, **kwargs)

    async def post(self, path: str, body: Any = None, **kwargs: Any) -> Reply:
        return await self.call("POST", path, body=body, **kwargs)

    async def delete(self, path: str, **kwargs: Any) -> Reply:
        return await self.call("DELETE", path, **kwargs)


@pytest.fixture
def clock() -> ManualClock:
    """The manual clock the emulator runs on."""
    return ManualClock()


@pytest.fixture
async def emu(
    request: pytest.FixtureRequest, clock: ManualClock
) -> AsyncIterator[Emulator]:
    """A seeded emulator on the manual clock, options from the marker."""
    marker = request.node.get_closest_marker("flexvm_emulator")
    options: dict[str, Any] = {"clock": clock, "seed": 7}
    if marker is not None:
        options.update(marker.kwargs)
    async with Emulator(**options) as emulator:
        yield emulator


@pytest.fixture
async def api(emu: Emulator) -> AsyncIterator[Raw]:
    """A raw client that sends the emulator's token."""
    headers = {"PRIVATE-TOKEN": emu.api_key}
    async with aiohttp.ClientSession(emu.url, headers=headers) as session:
        yield Raw(session)


@pytest.fixture
async def anon(emu: Emulator) -> AsyncIterator[Raw]:
    """A raw client that sends no token."""
    async with aiohttp.ClientSession(emu.url) as session:
        yield Raw(session)


def vm_body(**fields: Any) -> dict[str, Any]:
    """Return a valid VM create body, with ``fields`` on top."""
    body: dict[str, Any] = {
        "name": "web-1",
        "instance_type_name": SMALL_VM,
        "image_name": IMAGE,
        "ssh_keys": ["ssh-ed25519 AAAA test"],
    }
    body.update(fields)
    return {k: v for k, v in body.items() if v is not None}


def cloud_body(**fields: Any) -> dict[str, Any]:
    """Return a valid cloud create body, with ``fields`` on top."""
    body: dict[str, Any] = {
        "name": "alpha",
        "site": "frmtl1",
        "instance_type": GPU_BM,
    }
    body.update(fields)
    return {k: v for k, v in body.items() if v is not None}


def vms_path(cloud: Any) -> str:
    """Return the VM collection path of a seeded cloud."""
    return f"{V3}/clouds/{cloud.cloud_id}/vms"


async def vm_status(api: Raw, cloud: Any, vm_id: str) -> str | int:
    """Return a VM's status, or the HTTP status if it is not served."""
    reply = await api.get(f"{vms_path(cloud)}/{vm_id}")
    return reply.json["status"] if reply.status == 200 else reply.status


async def create_vm(api: Raw, cloud: Any, **fields: Any) -> Reply:
    """POST a valid VM body, with ``fields`` on top, to a seeded cloud."""
    return await api.post(vms_path(cloud), vm_body(**fields))
