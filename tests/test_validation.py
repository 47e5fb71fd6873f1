"""Wrong arguments raise before anything is sent."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

import pytest
from aioresponses import aioresponses

from flexvm_async import FlexVMClient, UserData
from tests import samples
from tests.conftest import API

C, V = samples.CLOUD_ID, samples.VM_ID
JUNE = datetime(2026, 6, 1, tzinfo=UTC)


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [
        ({"name": ""}, "name"),
        ({"name": "a", "site": " "}, "site"),
        ({"name": "a", "site": "frmtl1", "instance_type": 3}, "instance_type"),
    ],
)
async def test_cloud_create_checks_fields(
    client: FlexVMClient,
    mocked: aioresponses,
    kwargs: dict[str, Any],
    message: str,
) -> None:
    """Empty or non-string cloud fields are refused locally."""
    full = {"name": "a", "site": "frmtl1", "instance_type": "bm"} | kwargs

    with pytest.raises(ValueError, match=message):
        await client.clouds.create(**full)

    assert mocked.requests == {}


@pytest.mark.parametrize(
    ("kwargs", "error", "message"),
    [
        ({"name": ""}, ValueError, "name"),
        ({"ssh_keys": None}, ValueError, "exactly one"),
        ({"user_data": UserData("x")}, ValueError, "exactly one"),
        ({"ssh_keys": "ssh-rsa A"}, TypeError, "list of keys"),
        ({"tags": [""]}, ValueError, "tags"),
        ({"tags": ["x" * 129]}, ValueError, "tags"),
        ({"tags": "env"}, ValueError, "tags"),
    ],
)
async def test_vm_create_checks_the_request(
    client: FlexVMClient,
    mocked: aioresponses,
    kwargs: dict[str, Any],
    error: type[Exception],
    message: str,
) -> None:
    """The VMRequest rules are checked locally, and nothing is sent."""
    full: dict[str, Any] = {"name": "vm", "ssh_keys": ["k"]} | kwargs

    with pytest.raises(error, match=message):
        await client.vms.create(C, **full)

    assert mocked.requests == {}


async def test_unknown_command_is_refused(
    client: FlexVMClient, mocked: aioresponses
) -> None:
    """Only start, stop, reboot and reset are sent."""
    with pytest.raises(ValueError, match="command"):
        await client.vms.command(C, V, "explode")

    assert mocked.requests == {}


@pytest.mark.parametrize(
    ("start", "end", "message"),
    [
        (JUNE, None, "both"),
        (None, JUNE, "both"),
        (datetime(2026, 6, 1), JUNE, "timezone"),  # noqa: DTZ001
        (JUNE, JUNE, "before"),
    ],
)
async def test_monthly_report_checks_the_period(
    client: FlexVMClient,
    mocked: aioresponses,
    start: datetime | None,
    end: datetime | None,
    message: str,
) -> None:
    """The period needs both ends, aware, in order."""
    with pytest.raises(ValueError, match=message):
        await client.reports.monthly(start, end)

    assert mocked.requests == {}


async def test_find_cloud_by_name(
    client: FlexVMClient, mocked: aioresponses
) -> None:
    """Finding by name returns the cloud with that name, or None."""
    body = [samples.cloud("c1", "alpha"), samples.cloud("c2", "beta")]
    mocked.get(f"{API}/clouds", payload=body, repeat=True)

    found = await client.clouds.find("beta")

    assert found is not None
    assert found.id == "c2"
    assert await client.clouds.find("gamma") is None


async def test_vm_list_passes_a_status_filter(
    client: FlexVMClient, mocked: aioresponses
) -> None:
    """Iterating with a status sends it as the status query parameter."""
    mocked.get(f"{API}/clouds/{C}/vms?status=stopped", payload=[])

    assert [vm async for vm in client.vms.iter(C, status="stopped")] == []


@pytest.mark.parametrize("value", [0, -1])
def test_client_limits_must_be_positive(value: int) -> None:
    """max_in_flight and max_body_bytes must be at least 1."""
    with pytest.raises(ValueError, match="max_in_flight"):
        FlexVMClient("k", base_url="https://a.test", max_in_flight=value)
    with pytest.raises(ValueError, match="max_body_bytes"):
        FlexVMClient("k", base_url="https://a.test", max_body_bytes=value)
