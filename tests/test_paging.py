"""Lists are complete, even when the server cuts pages short."""

from __future__ import annotations

import pytest
from aioresponses import aioresponses

from flexvm_async import FlexVMClient, InvalidResponseError
from flexvm_async._paging import PageSizes
from tests import samples
from tests.conftest import API

CLOUDS = f"{API}/clouds"


def ranges(mock: aioresponses) -> list[str]:
    """Return the RANGED-DATA header of every request, in order."""
    return [
        call.kwargs["headers"]["RANGED-DATA"]
        for calls in mock.requests.values()
        for call in calls
    ]


def clouds(first: int, count: int) -> list[dict[str, object]]:
    """Return `count` cloud bodies with ids from `first`."""
    return [
        samples.cloud(f"c{i}", f"n{i}") for i in range(first, first + count)
    ]


async def test_short_small_page_is_the_last(
    client: FlexVMClient, mocked: aioresponses
) -> None:
    """Fewer items than the API's default page size end the list."""
    mocked.get(CLOUDS, payload=clouds(0, 24))

    result = await client.clouds.list()

    assert len(result) == 24
    assert ranges(mocked) == ["start=0,results=100"]


async def test_capped_pages_are_followed_to_the_end(
    client: FlexVMClient, mocked: aioresponses
) -> None:
    """A server that caps pages at 30 still yields all 75 items."""
    for first in (0, 30, 60):
        mocked.get(CLOUDS, payload=clouds(first, min(30, 75 - first)))

    result = await client.clouds.list()

    assert [c.id for c in result] == [f"c{i}" for i in range(75)]
    assert ranges(mocked) == [
        "start=0,results=100",
        "start=30,results=100",
        "start=60,results=100",
    ]
    assert client.clouds._sizes.cap == 30


async def test_a_learnt_cap_saves_the_probe(
    client: FlexVMClient, mocked: aioresponses
) -> None:
    """Once the cap is known, a page shorter than it needs no probe."""
    client.clouds._sizes.cap = 30
    mocked.get(CLOUDS, payload=clouds(0, 30))
    mocked.get(CLOUDS, payload=clouds(30, 29))

    result = await client.clouds.list()

    assert len(result) == 59
    assert len(ranges(mocked)) == 2


async def test_unknown_short_page_is_probed_once(
    client: FlexVMClient, mocked: aioresponses
) -> None:
    """A 40-item page could be cut; one more request settles it."""
    mocked.get(CLOUDS, payload=clouds(0, 40))
    mocked.get(CLOUDS, payload=[])

    assert len(await client.clouds.list()) == 40
    assert ranges(mocked) == ["start=0,results=100", "start=40,results=100"]
    assert client.clouds._sizes.seen == 40


async def test_server_ignoring_ranges_is_an_error(
    client: FlexVMClient, mocked: aioresponses
) -> None:
    """The same page twice means RANGED-DATA was ignored: no endless loop."""
    mocked.get(CLOUDS, payload=clouds(0, 100), repeat=True)

    with pytest.raises(InvalidResponseError, match="RANGED-DATA ignored"):
        await client.clouds.list()


@pytest.mark.parametrize(
    ("sizes", "got", "asked", "expected"),
    [
        (PageSizes(), 0, 100, True),
        (PageSizes(), 100, 100, False),
        (PageSizes(), 10, 100, True),
        (PageSizes(), 25, 100, None),
        (PageSizes(cap=50), 50, 100, False),
        (PageSizes(cap=50), 49, 100, True),
        (PageSizes(seen=60), 59, 100, True),
        (PageSizes(seen=60), 60, 100, None),
    ],
)
def test_is_last(
    sizes: PageSizes, got: int, asked: int, expected: bool | None
) -> None:
    """The last-page rule follows what the server has shown."""
    assert sizes.is_last(got, asked) is expected


@pytest.mark.parametrize("size", [0, 1001])
def test_page_size_is_bounded(size: int) -> None:
    """page_size outside 1 to 1000 is refused."""
    with pytest.raises(ValueError, match="page_size"):
        FlexVMClient("k", base_url="https://api.test", page_size=size)
