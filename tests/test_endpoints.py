"""Every endpoint sends exactly the request the API documents."""

from __future__ import annotations

import json
from collections.abc import Awaitable, Callable
from datetime import UTC, datetime
from typing import Any

import pytest
from aioresponses import aioresponses
from aioresponses.compat import normalize_url
from yarl import URL

from flexvm_async import (
    VM,
    Capacity,
    Cloud,
    CloudCapacity,
    FlexVMClient,
    Image,
    InstanceType,
    MonthlyReport,
    Node,
    NodeStatus,
    UserData,
)
from tests import samples
from tests.conftest import API, TOKEN

C, N, V = samples.CLOUD_ID, samples.NODE_ID, samples.VM_ID
PAGE = {"RANGED-DATA": "start=0,results=100"}

Call = Callable[[FlexVMClient], Awaitable[Any]]

# (call, method, url, sent body, extra headers, status, answer, result type)
ENDPOINTS: list[tuple[str, Call, str, str, Any, dict[str, str], int, Any]] = [
    (
        "clouds.list",
        lambda c: c.clouds.list(),
        "GET",
        f"{API}/clouds",
        None,
        PAGE,
        200,
        [samples.cloud()],
    ),
    (
        "clouds.get",
        lambda c: c.clouds.get(C),
        "GET",
        f"{API}/clouds/{C}",
        None,
        {},
        200,
        samples.cloud(),
    ),
    (
        "clouds.create",
        lambda c: c.clouds.create(
            name="edge",
            site="frmtl1",
            instance_type="bm9.hmm.gpu.4rtx4000.64",
            description="d",
        ),
        "POST",
        f"{API}/clouds",
        {
            "name": "edge",
            "site": "frmtl1",
            "instance_type": "bm9.hmm.gpu.4rtx4000.64",
            "description": "d",
        },
        {"Content-Type": "application/json"},
        201,
        samples.cloud(),
    ),
    (
        "clouds.delete",
        lambda c: c.clouds.delete(C),
        "DELETE",
        f"{API}/clouds/{C}",
        None,
        {},
        204,
        None,
    ),
    (
        "nodes.list",
        lambda c: c.nodes.list(C),
        "GET",
        f"{API}/clouds/{C}/nodes",
        None,
        PAGE,
        200,
        [samples.node()],
    ),
    (
        "nodes.get",
        lambda c: c.nodes.get(C, N),
        "GET",
        f"{API}/clouds/{C}/nodes/{N}",
        None,
        {},
        200,
        samples.node(),
    ),
    (
        "nodes.add",
        lambda c: c.nodes.add(C),
        "POST",
        f"{API}/clouds/{C}/nodes",
        None,
        {"Content-Type": "application/json"},
        201,
        samples.node(status="requested"),
    ),
    (
        "nodes.remove",
        lambda c: c.nodes.remove(C, N),
        "DELETE",
        f"{API}/clouds/{C}/nodes/{N}",
        None,
        {},
        202,
        None,
    ),
    (
        "vms.list",
        lambda c: c.vms.list(C),
        "GET",
        f"{API}/clouds/{C}/vms",
        None,
        PAGE,
        200,
        [samples.vm()],
    ),
    (
        "vms.list status",
        lambda c: c.vms.list(C, status="running"),
        "GET",
        f"{API}/clouds/{C}/vms?status=running",
        None,
        PAGE,
        200,
        [samples.vm()],
    ),
    (
        "vms.get",
        lambda c: c.vms.get(C, V),
        "GET",
        f"{API}/clouds/{C}/vms/{V}",
        None,
        {},
        200,
        samples.vm(),
    ),
    (
        "vms.create ssh",
        lambda c: c.vms.create(
            C,
            name="db1",
            image_name="ubuntu-2404-server-amd64",
            instance_type_name="vm.4c.8g",
            ssh_keys=["ssh-ed25519 AAAA k"],
            tags=["env:build"],
        ),
        "POST",
        f"{API}/clouds/{C}/vms",
        {
            "name": "db1",
            "image_name": "ubuntu-2404-server-amd64",
            "instance_type_name": "vm.4c.8g",
            "ssh_keys": ["ssh-ed25519 AAAA k"],
            "tags": ["env:build"],
        },
        {"Content-Type": "application/json"},
        201,
        samples.vm(status="provisioning"),
    ),
    (
        "vms.create user_data",
        lambda c: c.vms.create(
            C,
            name="db1",
            user_data=UserData("#cloud-config\n", is_base64=False),
            description="x",
        ),
        "POST",
        f"{API}/clouds/{C}/vms",
        {
            "name": "db1",
            "description": "x",
            "user_data": {"data": "#cloud-config\n", "is_base64": False},
        },
        {"Content-Type": "application/json"},
        201,
        samples.vm(status="provisioning"),
    ),
    (
        "vms.delete",
        lambda c: c.vms.delete(C, V),
        "DELETE",
        f"{API}/clouds/{C}/vms/{V}",
        None,
        {},
        202,
        None,
    ),
    (
        "vms.command",
        lambda c: c.vms.command(C, V, "reboot"),
        "POST",
        f"{API}/clouds/{C}/vms/{V}/commands",
        {"command": "reboot"},
        {"Content-Type": "application/json"},
        202,
        None,
    ),
    (
        "images.list",
        lambda c: c.images.list(),
        "GET",
        f"{API}/images",
        None,
        PAGE,
        200,
        [samples.vm()["image"]],
    ),
    (
        "instance_types.list",
        lambda c: c.instance_types.list(),
        "GET",
        f"{API}/instanceTypes",
        None,
        PAGE,
        200,
        [samples.vm()["instance_type"]],
    ),
    (
        "capacity.list",
        lambda c: c.capacity.list(),
        "GET",
        f"{API}/capacity",
        None,
        PAGE,
        200,
        [samples.cloud_capacity()],
    ),
    (
        "reports.capacity",
        lambda c: c.reports.capacity(),
        "GET",
        f"{API}/reports/capacity",
        None,
        {},
        200,
        samples.capacity(),
    ),
    (
        "reports.monthly",
        lambda c: c.reports.monthly(),
        "GET",
        f"{API}/reports/monthly",
        None,
        {},
        200,
        samples.monthly(),
    ),
    (
        "reports.monthly period",
        lambda c: c.reports.monthly(
            datetime(2026, 6, 1, tzinfo=UTC), datetime(2026, 7, 1, tzinfo=UTC)
        ),
        "GET",
        (
            f"{API}/reports/monthly?start=2026-06-01T00:00:00Z"
            "&end=2026-07-01T00:00:00Z"
        ),
        None,
        {},
        200,
        samples.monthly(),
    ),
]

RESULT_TYPES = {
    "clouds.get": Cloud,
    "clouds.create": Cloud,
    "nodes.get": Node,
    "nodes.add": Node,
    "vms.get": VM,
    "vms.create ssh": VM,
    "vms.create user_data": VM,
    "reports.capacity": Capacity,
    "reports.monthly": MonthlyReport,
    "reports.monthly period": MonthlyReport,
    "clouds.list": Cloud,
    "nodes.list": Node,
    "vms.list": VM,
    "vms.list status": VM,
    "images.list": Image,
    "instance_types.list": InstanceType,
    "capacity.list": CloudCapacity,
}


def only_call(mock: aioresponses, method: str, url: str) -> dict[str, Any]:
    """Return the keyword arguments of the one request made to `url`."""
    key = (method, normalize_url(URL(url)))
    assert list(mock.requests) == [key]
    calls = mock.requests[key]
    assert len(calls) == 1
    kwargs: dict[str, Any] = calls[0].kwargs
    return kwargs


@pytest.mark.parametrize(
    ("name", "call", "method", "url", "body", "extra", "status", "answer"),
    ENDPOINTS,
    ids=[e[0] for e in ENDPOINTS],
)
async def test_endpoint_sends_exact_request(
    client: FlexVMClient,
    mocked: aioresponses,
    name: str,
    call: Call,
    method: str,
    url: str,
    body: Any,
    extra: dict[str, str],
    status: int,
    answer: Any,
) -> None:
    """The call sends one request with the exact method, URL, headers, body."""
    mocked.add(url, method, status=status, payload=answer)

    result = await call(client)

    sent = only_call(mocked, method, url)
    headers = dict(sent["headers"])
    assert headers.pop("PRIVATE-TOKEN") == TOKEN
    assert headers.pop("Accept") == "application/json"
    assert headers.pop("User-Agent").startswith("flexvm-async/")
    assert headers == extra
    assert sent["allow_redirects"] is False
    sent_body = None if sent["data"] is None else json.loads(sent["data"])
    assert sent_body == body
    expected = RESULT_TYPES.get(name)
    if expected is None:
        assert result is None
    elif isinstance(answer, list):
        assert [type(r) for r in result] == [expected] * len(answer)
    else:
        assert type(result) is expected


async def test_node_add_returns_provisioning_node(
    client: FlexVMClient, mocked: aioresponses
) -> None:
    """The 201 answer of nodes.add is the node in its first status."""
    mocked.post(
        f"{API}/clouds/{C}/nodes",
        status=201,
        payload=samples.node(status="requested"),
    )

    node = await client.nodes.add(C)

    assert node.status is NodeStatus.REQUESTED
    assert node.cloud.id == C


async def test_iter_is_lazy_page_by_page(
    client: FlexVMClient, mocked: aioresponses
) -> None:
    """Iterating fetches the next page only when the first is used up."""
    page = [samples.cloud(f"c{i}") for i in range(100)]
    mocked.get(f"{API}/clouds", payload=page)
    mocked.get(f"{API}/clouds", payload=[samples.cloud("last")])

    it = client.clouds.iter()
    first = await anext(it)
    assert first.id == "c0"
    assert len(mocked.requests[("GET", URL(f"{API}/clouds"))]) == 1

    rest = [cloud.id async for cloud in it]
    assert rest[-1] == "last"
    assert len(rest) == 100
