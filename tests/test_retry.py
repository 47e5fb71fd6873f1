"""Retries: what is retried, when, and what never is."""

from __future__ import annotations

import email.utils
import logging
import time

import aiohttp
import pytest
from aioresponses import aioresponses
from yarl import URL

from flexvm_async import (
    ConnectError,
    FlexVMClient,
    NodeNotRunningError,
    NotFoundError,
    RateLimitError,
    RequestTimeoutError,
    ResponseLostError,
    RetryPolicy,
    ServerError,
)
from flexvm_async._retry import parse_retry_after
from tests import samples
from tests.conftest import API, BASE, TOKEN, FakeTime

C, N = samples.CLOUD_ID, samples.NODE_ID
NODES = f"{API}/clouds/{C}/nodes"
NODE = f"{NODES}/{N}"


def sent(mock: aioresponses, method: str, url: str) -> int:
    """Count the requests made to `url`."""
    return len(mock.requests.get((method, URL(url)), []))


def connect_error() -> aiohttp.ClientConnectorError:
    """Return the error aiohttp raises when a connection is refused."""
    key = aiohttp.client_reqrep.ConnectionKey(
        "api.test", 443, True, True, None, None, None
    )
    return aiohttp.ClientConnectorError(key, OSError(111, "refused"))


async def test_retry_after_seconds_is_honoured(
    client: FlexVMClient, mocked: aioresponses, fake_time: FakeTime
) -> None:
    """A 429 with Retry-After: 7 waits at least 7 s before the retry."""
    mocked.get(NODE, status=429, headers={"Retry-After": "7"})
    mocked.get(NODE, payload=samples.node())

    node = await client.nodes.get(C, N)

    assert node.id == N
    assert fake_time.sleeps == [7.0]


async def test_retry_after_http_date_is_honoured(
    client: FlexVMClient, mocked: aioresponses, fake_time: FakeTime
) -> None:
    """A Retry-After given as an HTTP date sets the wait floor."""
    assert (
        parse_retry_after(
            email.utils.formatdate(2_000_000_030, usegmt=True),
            now=2_000_000_000,
        )
        == 30.0
    )
    when = email.utils.formatdate(time.time() + 30, usegmt=True)
    mocked.get(NODE, status=503, headers={"Retry-After": when})
    mocked.get(NODE, payload=samples.node())

    await client.nodes.get(C, N)

    assert len(fake_time.sleeps) == 1
    assert 28 <= fake_time.sleeps[0] <= 31


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ("0", 0.0),
        (" 12.5 ", 12.5),
        ("-3", 0.0),
        ("nan", None),
        ("soon", None),
        (None, None),
        ("Wed, 21 Oct 2015 07:28:00 GMT", 0.0),
        ("Wed, 21 Oct 2015 07:28:00 -0000", 0.0),
    ],
)
def test_parse_retry_after(value: str | None, expected: float | None) -> None:
    """Retry-After parses seconds and dates, and ignores nonsense."""
    assert parse_retry_after(value) == expected


async def test_backoff_grows_capped_and_jittered(
    mocked: aioresponses, fake_time: FakeTime
) -> None:
    """Delays double from the initial delay, stay under the cap, jitter."""
    policy = RetryPolicy(
        max_attempts=6, initial_delay=1, max_delay=5, jitter=0.5
    )
    mocked.get(NODE, status=502, repeat=True)
    async with FlexVMClient(
        TOKEN,
        base_url=BASE,
        retry=policy,
        sleep=fake_time.sleep,
        clock=fake_time.clock,
        seed=1,
    ) as client:
        with pytest.raises(ServerError):
            await client.nodes.get(C, N)

    assert sent(mocked, "GET", NODE) == 6
    bases = [1, 2, 4, 5, 5]
    assert len(fake_time.sleeps) == 5
    for delay, base in zip(fake_time.sleeps, bases, strict=True):
        assert base * 0.5 <= delay <= base
    assert len(set(fake_time.sleeps)) == 5


async def test_deadline_stops_retrying(
    mocked: aioresponses, fake_time: FakeTime
) -> None:
    """No retry starts when its delay would end past the deadline."""
    policy = RetryPolicy(
        max_attempts=100, initial_delay=4, multiplier=1, jitter=0, deadline=10
    )
    mocked.get(NODE, status=503, repeat=True)
    async with FlexVMClient(
        TOKEN,
        base_url=BASE,
        retry=policy,
        sleep=fake_time.sleep,
        clock=fake_time.clock,
    ) as client:
        with pytest.raises(ServerError):
            await client.nodes.get(C, N)

    assert fake_time.sleeps == [4, 4]
    assert sent(mocked, "GET", NODE) == 3


async def test_retry_after_beyond_deadline_raises_at_once(
    client: FlexVMClient, mocked: aioresponses, fake_time: FakeTime
) -> None:
    """A Retry-After longer than the time left raises the 429 now."""
    mocked.get(NODE, status=429, headers={"Retry-After": "3600"})

    with pytest.raises(RateLimitError) as info:
        await client.nodes.get(C, N)

    assert info.value.retry_after == 3600
    assert fake_time.sleeps == []


@pytest.mark.parametrize(
    "exception",
    [
        aiohttp.ServerDisconnectedError(),
        aiohttp.ClientPayloadError("truncated"),
        aiohttp.SocketTimeoutError("read timed out"),
        TimeoutError(),
    ],
)
async def test_post_is_never_retried_after_ambiguous_failure(
    client: FlexVMClient,
    mocked: aioresponses,
    fake_time: FakeTime,
    exception: Exception,
) -> None:
    """A node order whose answer was lost is not sent a second time."""
    mocked.post(NODES, exception=exception)
    mocked.post(NODES, status=201, payload=samples.node())

    with pytest.raises((ResponseLostError, RequestTimeoutError)) as info:
        await client.nodes.add(C)

    assert info.value.may_have_reached_server
    assert sent(mocked, "POST", NODES) == 1
    assert fake_time.sleeps == []


@pytest.mark.parametrize("status", [500, 502, 504])
async def test_post_is_not_retried_on_other_5xx(
    client: FlexVMClient, mocked: aioresponses, status: int
) -> None:
    """A 500, 502 or 504 on POST may hide a processed order: no retry."""
    mocked.post(NODES, status=status)
    mocked.post(NODES, status=201, payload=samples.node())

    with pytest.raises(ServerError):
        await client.nodes.add(C)

    assert sent(mocked, "POST", NODES) == 1


@pytest.mark.parametrize("status", [429, 503])
async def test_post_is_retried_on_429_and_503(
    client: FlexVMClient,
    mocked: aioresponses,
    fake_time: FakeTime,
    status: int,
) -> None:
    """429 and 503 say the order was not processed, so it is sent again."""
    mocked.post(NODES, status=status, headers={"Retry-After": "2"})
    mocked.post(NODES, status=201, payload=samples.node(status="requested"))

    node = await client.nodes.add(C)

    assert node.id == N
    assert sent(mocked, "POST", NODES) == 2
    assert fake_time.sleeps[0] >= 2


async def test_post_is_retried_when_connection_was_never_made(
    client: FlexVMClient, mocked: aioresponses
) -> None:
    """A refused connection sent nothing, so the POST is tried again."""
    mocked.post(NODES, exception=connect_error())
    mocked.post(NODES, exception=aiohttp.ConnectionTimeoutError())
    mocked.post(NODES, status=201, payload=samples.node())

    await client.nodes.add(C)

    assert sent(mocked, "POST", NODES) == 3


async def test_connect_error_after_all_tries(
    client: FlexVMClient, mocked: aioresponses
) -> None:
    """When the API cannot be reached at all, ConnectError is raised."""
    mocked.get(NODE, exception=connect_error(), repeat=True)

    with pytest.raises(ConnectError) as info:
        await client.nodes.get(C, N)

    assert not info.value.may_have_reached_server
    assert sent(mocked, "GET", NODE) == 5


@pytest.mark.parametrize(
    "exception",
    [
        aiohttp.ServerDisconnectedError(),
        aiohttp.ServerTimeoutError(),
        TimeoutError(),
    ],
)
async def test_get_is_retried_on_transport_errors(
    client: FlexVMClient, mocked: aioresponses, exception: Exception
) -> None:
    """A GET is safe to repeat after any transport failure."""
    mocked.get(NODE, exception=exception)
    mocked.get(NODE, payload=samples.node())

    node = await client.nodes.get(C, N)

    assert node.id == N


async def test_get_is_not_retried_on_4xx(
    client: FlexVMClient, mocked: aioresponses
) -> None:
    """A 404 is an answer, not a failure: no retry."""
    mocked.get(NODE, status=404)

    with pytest.raises(NotFoundError):
        await client.nodes.get(C, N)

    assert sent(mocked, "GET", NODE) == 1


async def test_retried_delete_that_landed_counts_as_accepted(
    client: FlexVMClient, mocked: aioresponses
) -> None:
    """A DELETE whose first answer was lost and then meets 404 is done."""
    mocked.delete(NODE, exception=aiohttp.ServerDisconnectedError())
    mocked.delete(NODE, status=404)

    await client.nodes.remove(C, N)

    assert sent(mocked, "DELETE", NODE) == 2


async def test_delete_404_without_earlier_try_is_not_found(
    client: FlexVMClient, mocked: aioresponses
) -> None:
    """A first-try 404 on DELETE is a real NotFoundError."""
    mocked.delete(NODE, status=404)

    with pytest.raises(NotFoundError):
        await client.nodes.remove(C, N)


async def test_delete_404_after_unprocessed_try_is_not_found(
    client: FlexVMClient, mocked: aioresponses
) -> None:
    """After a 503 nothing was done, so a following 404 is real."""
    mocked.delete(NODE, status=503)
    mocked.delete(NODE, status=404)

    with pytest.raises(NotFoundError):
        await client.nodes.remove(C, N)


async def test_retried_node_removal_confirms_node_not_running(
    client: FlexVMClient, mocked: aioresponses
) -> None:
    """node_not_running after a lost answer is checked with one GET."""
    mocked.delete(NODE, exception=aiohttp.ServerDisconnectedError())
    mocked.delete(NODE, status=409, payload={"errorCode": "node_not_running"})
    mocked.get(NODE, payload=samples.node(status="deleting"))

    await client.nodes.remove(C, N)

    assert sent(mocked, "GET", NODE) == 1


async def test_retried_removal_of_provisioning_node_still_fails(
    client: FlexVMClient, mocked: aioresponses
) -> None:
    """If the node turns out to be provisioning, the 409 is raised."""
    mocked.delete(NODE, exception=aiohttp.ServerDisconnectedError())
    mocked.delete(NODE, status=409, payload={"errorCode": "node_not_running"})
    mocked.get(NODE, payload=samples.node(status="bootstrapping"))

    with pytest.raises(NodeNotRunningError):
        await client.nodes.remove(C, N)


async def test_retried_removal_confirmed_by_404(
    client: FlexVMClient, mocked: aioresponses
) -> None:
    """A node gone by the time of the confirming GET was removed."""
    mocked.delete(NODE, exception=aiohttp.ServerDisconnectedError())
    mocked.delete(NODE, status=409, payload={"errorCode": "node_not_running"})
    mocked.get(NODE, status=404)

    await client.nodes.remove(C, N)


async def test_retries_are_logged_as_warnings(
    client: FlexVMClient,
    mocked: aioresponses,
    log_records: list[logging.LogRecord],
) -> None:
    """Each retry logs one WARNING with its reason; requests log DEBUG."""
    mocked.get(NODE, status=502)
    mocked.get(NODE, payload=samples.node())

    await client.nodes.get(C, N)

    warnings = [r for r in log_records if r.levelname == "WARNING"]
    assert len(warnings) == 1
    assert "status 502" in warnings[0].getMessage()
    debug = [r.getMessage() for r in log_records if r.levelname == "DEBUG"]
    assert any("-> 200 (attempt 2" in m for m in debug)


@pytest.mark.parametrize(
    "kwargs",
    [
        {"max_attempts": 0},
        {"jitter": 1.5},
        {"initial_delay": 0},
        {"deadline": -1},
    ],
)
def test_policy_rejects_bad_values(kwargs: dict[str, float]) -> None:
    """RetryPolicy refuses values that make no schedule."""
    with pytest.raises(ValueError):
        RetryPolicy(**kwargs)  # type: ignore[arg-type]


async def test_deadline_in_the_past_sends_nothing(
    client: FlexVMClient, mocked: aioresponses, fake_time: FakeTime
) -> None:
    """A request whose deadline has passed fails without being sent."""
    with pytest.raises(RequestTimeoutError, match="deadline passed"):
        await client.transport.request(
            "GET", "/v3/flexVM/clouds", deadline=fake_time.now - 1
        )

    assert mocked.requests == {}


async def test_deadline_cuts_the_attempt_timeout(
    client: FlexVMClient, mocked: aioresponses, fake_time: FakeTime
) -> None:
    """A try never gets a longer timeout than the time left."""
    mocked.get(f"{API}/clouds", payload=[])

    await client.transport.request(
        "GET", "/v3/flexVM/clouds", deadline=fake_time.now + 2.5
    )

    (call,) = mocked.requests[("GET", URL(f"{API}/clouds"))]
    assert call.kwargs["timeout"].total == 2.5


@pytest.mark.parametrize(
    ("status", "code"), [(404, None), (409, None), (422, 90002)]
)
async def test_retried_vm_delete_that_landed_is_done(
    client: FlexVMClient, mocked: aioresponses, status: int, code: object
) -> None:
    """Gone, already deleting or already terminal after a lost answer."""
    url = f"{API}/clouds/{C}/vms/{samples.VM_ID}"
    mocked.delete(url, exception=aiohttp.ServerDisconnectedError())
    mocked.delete(url, status=status, payload={"errorCode": code})

    await client.vms.delete(C, samples.VM_ID)

    assert sent(mocked, "DELETE", url) == 2


async def test_requests_are_not_formatted_when_debug_is_off(
    client: FlexVMClient,
    mocked: aioresponses,
    log_records: list[logging.LogRecord],
) -> None:
    """With DEBUG off, a request logs nothing."""
    logging.getLogger("flexvm_async").setLevel(logging.INFO)
    mocked.get(NODES, payload=[samples.node()])

    nodes = [node async for node in client.nodes.iter(C)]

    assert [n.id for n in nodes] == [N]
    assert log_records == []
