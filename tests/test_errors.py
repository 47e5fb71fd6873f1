"""Every documented status maps to its error class, with its details."""

from __future__ import annotations

import pytest
from aioresponses import aioresponses

from flexvm_async import (
    APIError,
    AuthenticationError,
    BadRequestError,
    CloudNameConflictError,
    ConflictError,
    FieldError,
    FlexVMClient,
    FlexVMError,
    InvalidResponseError,
    NodeHasVMsError,
    NodeNotRunningError,
    NotFoundError,
    RateLimitError,
    RedirectError,
    RetryPolicy,
    ServerError,
    UnprocessableError,
)
from tests import samples
from tests.conftest import API, TOKEN

C, N = samples.CLOUD_ID, samples.NODE_ID
NODE = f"{API}/clouds/{C}/nodes/{N}"


def body(code: object, message: str = "went wrong") -> dict[str, object]:
    """Return an API v3 error body."""
    return {
        "errorCode": code,
        "errorMessage": message,
        "errors": [{"property": "name", "message": "is taken"}],
    }


@pytest.mark.parametrize(
    ("status", "code", "expected"),
    [
        (301, None, RedirectError),
        (307, None, RedirectError),
        (400, 10002, BadRequestError),
        (401, 10003, AuthenticationError),
        (403, 10003, AuthenticationError),
        (404, 10001, NotFoundError),
        (409, 12345, ConflictError),
        (409, "node_has_vms", NodeHasVMsError),
        (409, "node_not_running", NodeNotRunningError),
        (409, "cloud_name_taken", CloudNameConflictError),
        (422, 90001, UnprocessableError),
        (429, None, RateLimitError),
        (500, 1, ServerError),
        (418, None, APIError),
    ],
)
async def test_status_maps_to_error_class(
    mocked: aioresponses,
    fake_time: object,
    status: int,
    code: object,
    expected: type[APIError],
) -> None:
    """A GET answered with `status` raises exactly `expected`."""
    mocked.get(
        NODE,
        status=status,
        payload=body(code),
        headers={"X-Request-Id": "req-1", "Location": "https://elsewhere"},
    )
    async with FlexVMClient(
        TOKEN, base_url="https://api.test", retry=RetryPolicy.never()
    ) as client:
        with pytest.raises(expected) as info:
            await client.nodes.get(C, N)

    error = info.value
    assert type(error) is expected
    assert error.status == status
    assert error.code == code
    assert error.request_id == "req-1"
    assert error.method == "GET"
    assert error.path == f"/v3/flexVM/clouds/{C}/nodes/{N}"
    assert error.errors == (FieldError("name", "is taken"),)
    assert str(status) in str(error)


@pytest.mark.parametrize("status", [500, 502, 503, 504])
async def test_server_errors_are_server_error(
    client: FlexVMClient, mocked: aioresponses, status: int
) -> None:
    """Every 5xx is a ServerError once retries are spent."""
    mocked.get(NODE, status=status, repeat=True)

    with pytest.raises(ServerError) as info:
        await client.nodes.get(C, N)

    assert info.value.status == status
    assert info.value.message == f"Received {status} status code."


async def test_cloud_create_conflict_is_name_conflict(
    client: FlexVMClient, mocked: aioresponses
) -> None:
    """Any 409 on cloud creation means the name is taken."""
    mocked.post(f"{API}/clouds", status=409, payload=body(1))

    with pytest.raises(CloudNameConflictError):
        await client.clouds.create(name="a", site="frmtl1", instance_type="x")


async def test_message_text_names_everything(
    client: FlexVMClient, mocked: aioresponses
) -> None:
    """The error text has method, path, status, code, fields and request id."""
    mocked.get(
        NODE,
        status=422,
        payload=body(90001, "VM busy"),
        headers={"X-Request-Id": "abc"},
    )

    with pytest.raises(UnprocessableError) as info:
        await client.nodes.get(C, N)

    assert str(info.value) == (
        f"GET /v3/flexVM/clouds/{C}/nodes/{N} -> 422 [90001]: VM busy "
        "(name: is taken) (request id abc)"
    )


@pytest.mark.parametrize(
    "raw",
    [b"<html>oops</html>", b"", b'{"errorCode": true, "errors": 5}'],
)
async def test_unreadable_error_body_keeps_the_status(
    client: FlexVMClient, mocked: aioresponses, raw: bytes
) -> None:
    """An error body that is not API JSON still gives a typed error."""
    mocked.get(NODE, status=404, body=raw)

    with pytest.raises(NotFoundError) as info:
        await client.nodes.get(C, N)

    assert info.value.code is None
    assert info.value.message == "Received 404 status code."


@pytest.mark.parametrize(
    ("raw", "needle"),
    [
        (b"not json", "not JSON"),
        (b'{"id": 1}', "not a valid Node"),
        (b'["a"]', "not a valid Node"),
    ],
)
async def test_malformed_success_body_is_invalid_response(
    client: FlexVMClient, mocked: aioresponses, raw: bytes, needle: str
) -> None:
    """A 200 whose body is not a Node raises InvalidResponseError."""
    mocked.get(NODE, status=200, body=raw)

    with pytest.raises(InvalidResponseError) as info:
        await client.nodes.get(C, N)

    assert needle in str(info.value)
    assert info.value.status == 200


async def test_list_that_is_not_an_array_is_invalid(
    client: FlexVMClient, mocked: aioresponses
) -> None:
    """A list endpoint answering an object raises InvalidResponseError."""
    mocked.get(f"{API}/clouds", payload={"id": "x"})

    with pytest.raises(InvalidResponseError, match="JSON array of Cloud"):
        await client.clouds.list()


async def test_bad_item_in_list_names_its_index(
    client: FlexVMClient, mocked: aioresponses
) -> None:
    """One malformed item in a page is reported with its index."""
    mocked.get(f"{API}/clouds", payload=[samples.cloud(), {"id": 3}])

    with pytest.raises(InvalidResponseError, match="at index 1"):
        await client.clouds.list()


@pytest.mark.parametrize("length", [True, False])
async def test_body_over_cap_is_refused(
    mocked: aioresponses, length: bool
) -> None:
    """A body larger than max_body_bytes raises InvalidResponseError."""
    headers = {"Content-Length": "2048"} if length else {}
    mocked.get(NODE, status=200, body=b"x" * 2048, headers=headers)

    async with FlexVMClient(
        TOKEN, base_url="https://api.test", max_body_bytes=1024
    ) as client:
        with pytest.raises(InvalidResponseError, match="1024-byte cap"):
            await client.nodes.get(C, N)


def test_every_error_is_a_flexvm_error() -> None:
    """The whole tree hangs under FlexVMError."""
    for cls in (
        RedirectError,
        NodeHasVMsError,
        RateLimitError,
        InvalidResponseError,
    ):
        assert issubclass(cls, FlexVMError)
