"""The token stays secret; URLs and ids are checked before sending."""

from __future__ import annotations

import logging

import aiohttp
import pytest
from aioresponses import aioresponses

from flexvm_async import (
    FlexVMClient,
    FlexVMError,
    RedirectError,
    RetryPolicy,
)
from tests import samples
from tests.conftest import API, BASE, TOKEN

C, N = samples.CLOUD_ID, samples.NODE_ID
NODE = f"{API}/clouds/{C}/nodes/{N}"


def texts(error: BaseException) -> str:
    """Return the text of an error and of everything it chains to."""
    parts = []
    current: BaseException | None = error
    while current is not None:
        parts += [str(current), repr(current), repr(current.args)]
        current = current.__cause__ or current.__context__
    return " ".join(parts)


def test_repr_hides_the_token() -> None:
    """The client repr shows the base URL and never the key."""
    client = FlexVMClient(TOKEN, base_url=BASE)

    assert TOKEN not in repr(client)
    assert "api.test" in repr(client)
    assert TOKEN not in repr(client.transport.__dict__.keys())


def test_key_comes_from_the_environment(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """Without api_key the FLEXVM_API_KEY variable is used."""
    monkeypatch.setenv("FLEXVM_API_KEY", TOKEN)

    client = FlexVMClient(base_url=BASE)

    assert client.transport._headers["PRIVATE-TOKEN"] == TOKEN


def test_missing_key_is_a_clear_error(monkeypatch: pytest.MonkeyPatch) -> None:
    """With neither an argument nor the variable, construction fails."""
    monkeypatch.delenv("FLEXVM_API_KEY", raising=False)

    with pytest.raises(ValueError, match="FLEXVM_API_KEY"):
        FlexVMClient()


@pytest.mark.parametrize(
    "url",
    [
        "http://api.i3d.net",
        "http://10.0.0.1:8080",
        "ftp://api.i3d.net",
        "https://user:pw@api.i3d.net",
        "https://api.i3d.net/v3",
        "https://api.i3d.net?x=1",
        "not a url",
    ],
)
def test_unsafe_base_urls_are_refused(url: str) -> None:
    """Plain http off loopback, credentials or paths in the URL: refused."""
    with pytest.raises(ValueError, match="base_url"):
        FlexVMClient(TOKEN, base_url=url)
    assert TOKEN not in url


@pytest.mark.parametrize(
    "url",
    ["http://127.0.0.1:8080", "http://localhost:1", "http://[::1]:9/"],
)
def test_plain_http_is_allowed_on_loopback(url: str) -> None:
    """The emulator on loopback may be reached over plain http."""
    client = FlexVMClient(TOKEN, base_url=url)

    assert not client.base_url.endswith("/")


@pytest.mark.parametrize(
    "bad",
    ["", "../clouds", "a/b", "a b", "x\n", "a?b=1", "a%2F", "..", 7, None],
)
async def test_malformed_ids_raise_and_send_nothing(
    client: FlexVMClient, mocked: aioresponses, bad: object
) -> None:
    """An id with '/', '..', whitespace or other characters sends nothing."""
    with pytest.raises(ValueError, match="cloud_id"):
        await client.nodes.get(bad, N)  # type: ignore[arg-type]
    with pytest.raises(ValueError, match="node_id"):
        await client.nodes.remove(C, bad)  # type: ignore[arg-type]

    assert mocked.requests == {}


@pytest.mark.parametrize("status", [301, 302, 307, 308])
async def test_redirects_are_errors_and_not_followed(
    client: FlexVMClient, mocked: aioresponses, status: int
) -> None:
    """A 3xx answer raises RedirectError; the token is not sent on."""
    mocked.get(
        NODE, status=status, headers={"Location": "https://evil.test/x"}
    )

    with pytest.raises(RedirectError, match=r"evil\.test"):
        await client.nodes.get(C, N)

    assert len(mocked.requests) == 1


async def test_no_error_text_contains_the_token(
    mocked: aioresponses, caplog: pytest.LogCaptureFixture
) -> None:
    """Errors of every kind, and their causes, never carry the token."""
    caplog.set_level(logging.DEBUG)
    mocked.get(NODE, status=403, payload={"errorMessage": "bad key"})
    mocked.get(NODE, exception=aiohttp.ServerDisconnectedError())
    mocked.get(NODE, body=b"{")
    mocked.get(NODE, status=429)
    async with FlexVMClient(
        TOKEN, base_url=BASE, retry=RetryPolicy.never()
    ) as client:
        seen = []
        for _ in range(4):
            with pytest.raises(FlexVMError) as info:
                await client.nodes.get(C, N)
            seen.append(info.value)

    assert len({type(e) for e in seen}) == 4
    for error in seen:
        assert TOKEN not in texts(error)
    assert caplog.records
    assert all(TOKEN not in r.getMessage() for r in caplog.records)


async def test_own_session_is_closed_and_given_session_is_not() -> None:
    """The client closes the session it opened, never the caller's."""
    async with aiohttp.ClientSession() as session:
        async with FlexVMClient(TOKEN, base_url=BASE, session=session):
            pass
        assert not session.closed

    client = FlexVMClient(TOKEN, base_url=BASE)
    async with client:
        own = client.transport.session
    assert own.closed
    with pytest.raises(RuntimeError, match="closed"):
        _ = client.transport.session
