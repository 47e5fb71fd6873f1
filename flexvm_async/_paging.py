"""Walking FlexVM collections page by page with ``RANGED-DATA``."""

from __future__ import annotations

from collections.abc import AsyncIterator, Mapping
from typing import Any, TypeVar

import attrs

from flexvm_async._errors import InvalidResponseError
from flexvm_async._http import Transport
from flexvm_async._retry import RetryPolicy

__all__ = ["PageSizes", "iter_pages"]

T = TypeVar("T")


# The API's default page is ``results=25``: a server that serves 25 items a
# page by default is taken never to cut a page below that.
DEFAULT_PAGE = 25


@attrs.define
class PageSizes:
    """What the SDK has learnt about the server's page sizes.

    The API documents neither a total-count header nor a maximum page size,
    so a page shorter than asked for may be the last one or may have been
    cut to a server-side cap. The two are told apart by what the server
    has shown: `cap` is set once a short page was followed by more items
    (the server cuts pages to that size), and `seen` is the longest page it
    ever sent. A short page shorter than either, or than the API's default
    page of 25, is the last one; only when none of that settles it is one
    more page asked for.
    """

    cap: int | None = None
    seen: int = DEFAULT_PAGE

    def is_last(self, got: int, asked: int) -> bool | None:
        """Say whether a page of `got` items, `asked` for, is the last.

        Returns:
            True or False when that is certain, None when the next page
            must be fetched to know.
        """
        if got == 0:
            return True
        if got >= asked:
            return False
        if self.cap is not None:
            return got < self.cap
        if got < self.seen:
            return True
        return None


async def iter_pages(
    transport: Transport,
    path: str,
    cls: type[T],
    *,
    page_size: int,
    sizes: PageSizes,
    params: Mapping[str, str] | None = None,
    deadline: float | None = None,
    retry: RetryPolicy | None = None,
    known: dict[str, tuple[Any, T]] | None = None,
) -> AsyncIterator[T]:
    """Yield every item of a collection, one page request at a time.

    Args:
        transport: Where the requests go.
        path: The collection's path.
        cls: The model of one item.
        page_size: How many items to ask for per page.
        sizes: What is known of the server's page sizes; updated.
        params: Query parameters sent with every page.
        deadline: A clock time no page request may run past.
        retry: A retry policy instead of the client's.
        known: Models of an earlier walk by id, reused for items whose
            JSON is unchanged (see `Transport.models`); updated.

    Yields:
        Each item, structured into `cls`, in the server's order.
    """
    start = 0
    probing = False
    previous = 0
    first: T | None = None
    while True:
        response = await transport.request(
            "GET",
            path,
            params=params,
            headers={"RANGED-DATA": f"start={start},results={page_size}"},
            deadline=deadline,
            retry=retry,
        )
        items = transport.models(response, cls, known)
        got = len(items)
        if start and items and items[0] == first:
            raise InvalidResponseError(
                "the server sent the same page again: RANGED-DATA ignored",
                method="GET",
                path=path,
                status=response.status,
                request_id=response.request_id,
            )
        first = items[0] if items else None
        if probing and got:
            # The short page before this one was cut by the server.
            sizes.cap = previous
        verdict = sizes.is_last(got, page_size)
        sizes.seen = max(sizes.seen, got)
        for item in items:
            yield item
        if verdict:
            return
        probing = verdict is None
        previous = got
        start += got
