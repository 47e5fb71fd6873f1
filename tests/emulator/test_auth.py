"""The PRIVATE-TOKEN check, on every route, and the token's secrecy."""

from __future__ import annotations

import aiohttp
import pytest

from flexvm_async.emulator import Emulator, ManualClock
from flexvm_async.emulator._admin import ADMIN_ROUTES
from flexvm_async.emulator._api import API_ROUTES

ROUTES = [(m, p) for m, p, _ in API_ROUTES + ADMIN_ROUTES]
ID = "019256ab-1554-73a7-b091-f024b0a724ea"


@pytest.mark.parametrize(("method", "template"), ROUTES)
@pytest.mark.parametrize("token", [None, "", "wrong"])
async def test_every_route_refuses_a_missing_or_wrong_token(
    emu, method, template, token
) -> None:
    """No route, admin ones included, answers without the right token."""
    path = template.format(cloudUuid=ID, nodeUuid=ID, vmUuid=ID)
    headers = {} if token is None else {"PRIVATE-TOKEN": token}
    async with (
        aiohttp.ClientSession(emu.url) as session,
        session.request(method, path, headers=headers) as resp,
    ):
        body = await resp.json()

    assert resp.status == 403
    assert body["errorCode"] == 10003
    assert body["errorMessage"] == "Invalid credentials"


async def test_refusals_never_echo_the_token(emu) -> None:
    """Neither a wrong token nor the right one appears in any answer."""
    async with aiohttp.ClientSession(emu.url) as session:
        wrong = "wrong-" + emu.api_key
        async with session.get(
            "/v3/flexVM/clouds", headers={"PRIVATE-TOKEN": wrong}
        ) as resp:
            text = await resp.text()
            headers = str(resp.headers)

    assert emu.api_key not in text + headers


async def test_unknown_paths_need_the_token_too(emu, anon, api) -> None:
    """An unknown path is 403 without a token and 404 with it."""
    refused = await anon.get("/v3/flexVM/nothing")
    missing = await api.get("/v3/flexVM/nothing")

    assert refused.status == 403
    assert (missing.status, missing.json["errorCode"]) == (404, 10001)


async def test_wrong_method_is_405_with_an_error_body(api) -> None:
    """A method the route lacks answers 405, with Allow and a v3 body."""
    reply = await api.call("PUT", "/v3/flexVM/clouds")
    head = await api.call("HEAD", "/v3/flexVM/images")

    assert reply.status == 405
    assert reply.json["errorCode"] == 10006
    assert set(reply.headers["Allow"].split(",")) == {"GET", "POST"}
    assert head.status == 405


async def test_non_ascii_token_is_refused_cleanly(emu) -> None:
    """A token that is not ASCII is a plain 403, not a crash."""
    async with (
        aiohttp.ClientSession(emu.url) as session,
        session.get(
            "/v3/flexVM/clouds",
            headers={"PRIVATE-TOKEN": "caf\u00e9".encode().decode("latin-1")},
        ) as resp,
    ):
        assert resp.status == 403


async def test_generated_key_is_long_random_and_not_in_repr() -> None:
    """Without api_key a random token is made; repr never shows it."""
    first = Emulator(clock=ManualClock())
    second = Emulator(clock=ManualClock())

    assert len(first.api_key) >= 32
    assert first.api_key != second.api_key
    assert first.api_key not in repr(first)
    async with first:
        assert first.api_key not in repr(first)
        assert first.url in repr(first)


async def test_given_key_is_the_one_accepted() -> None:
    """An explicit api_key is what the server checks."""
    async with (
        Emulator("k-123", clock=ManualClock()) as emu,
        aiohttp.ClientSession(emu.url) as session,
        session.get(
            "/v3/flexVM/images", headers={"PRIVATE-TOKEN": "k-123"}
        ) as resp,
    ):
        assert resp.status == 200
