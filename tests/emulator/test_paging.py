"""Paging with RANGED-DATA on every collection GET."""

from __future__ import annotations

import pytest

from tests.emulator.conftest import V3


@pytest.fixture
def many(emu):
    """Thirty clouds, one with thirty nodes."""
    first = emu.seed_cloud("c00", nodes=30)
    for i in range(1, 30):
        emu.seed_cloud(f"c{i:02}")
    return first


def _ranged(value):
    return {"RANGED-DATA": value}


async def test_default_page_is_25_from_the_start(api, many) -> None:
    """Without the header a list holds the first 25 items."""
    clouds = (await api.get(f"{V3}/clouds")).json

    assert [c["name"] for c in clouds] == [f"c{i:02}" for i in range(25)]


async def test_pages_follow_creation_order(api, many) -> None:
    """Offsets page through a stable order until a short page."""
    names = []
    start = 0
    while True:
        page = (
            await api.get(
                f"{V3}/clouds", headers=_ranged(f"start={start},results=7")
            )
        ).json
        names += [c["name"] for c in page]
        start += 7
        if len(page) < 7:
            break

    assert names == [f"c{i:02}" for i in range(30)]


@pytest.mark.flexvm_emulator(max_page_size=10)
async def test_results_are_capped_silently(api, many) -> None:
    """Asking for more than the cap returns only the cap, without error."""
    path = f"{V3}/clouds/{many.cloud_id}/nodes"

    reply = await api.get(path, headers=_ranged("start=5,results=100"))

    assert reply.status == 200
    assert [n["name"] for n in reply.json] == [
        f"c00-node-{i}" for i in range(6, 16)
    ]


@pytest.mark.parametrize(
    "path",
    [
        "/clouds",
        "/images",
        "/instanceTypes",
        "/capacity",
    ],
)
async def test_every_collection_pages(api, many, path) -> None:
    """Every collection honours start and results."""
    whole = (await api.get(V3 + path, headers=_ranged("results=100"))).json
    page = (
        await api.get(V3 + path, headers=_ranged("start=1,results=2"))
    ).json

    assert page == whole[1:3]


async def test_vm_list_pages_after_filtering(emu, api, many) -> None:
    """The status filter applies before the page is cut."""
    for i in range(6):
        emu.seed_vm(
            many.cloud_id, name=f"v{i}", status=["running", "stopped"][i % 2]
        )
    path = f"{V3}/clouds/{many.cloud_id}/vms"

    page = await api.get(
        path,
        params={"status": "stopped"},
        headers=_ranged("start=1,results=5"),
    )

    assert [v["name"] for v in page.json] == ["v3", "v5"]


async def test_start_past_the_end_is_an_empty_page(api, many) -> None:
    """An offset past the last item answers an empty list."""
    reply = await api.get(
        f"{V3}/clouds", headers=_ranged("start=99,results=5")
    )

    assert (reply.status, reply.json) == (200, [])


@pytest.mark.parametrize(
    "value", [" start = 2 , results = 3 ", "results=3,start=2"]
)
async def test_spaces_and_order_are_tolerated(api, many, value) -> None:
    """Whitespace and key order do not matter."""
    reply = await api.get(f"{V3}/clouds", headers=_ranged(value))

    assert [c["name"] for c in reply.json] == ["c02", "c03", "c04"]


@pytest.mark.parametrize(
    "value",
    [
        "",
        "start=0,results=0",
        "start=-1,results=5",
        "start=a,results=5",
        "start=0;results=5",
        "start=0,results=5,start=1",
        "offset=0,results=5",
    ],
)
async def test_malformed_header_answers_400(api, many, value) -> None:
    """A header that cannot be read is refused, not ignored."""
    reply = await api.get(f"{V3}/images", headers=_ranged(value))

    assert reply.status == 400
    assert reply.json["errorCode"] == 10005
    assert reply.json["errors"][0]["property"] == "RANGED-DATA"


async def test_one_key_keeps_the_other_default(api, many) -> None:
    """``start`` alone pages 25 items from that offset."""
    reply = await api.get(f"{V3}/clouds", headers=_ranged("start=1"))

    assert [c["name"] for c in reply.json] == [
        f"c{i:02}" for i in range(1, 26)
    ]
