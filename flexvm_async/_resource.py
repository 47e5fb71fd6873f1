"""What every resource family shares: the transport and list paging."""

from __future__ import annotations

from collections.abc import AsyncIterator, Mapping
from typing import TypeVar

from flexvm_async._http import Transport
from flexvm_async._paging import PageSizes, iter_pages

__all__ = ["API", "Resource"]

T = TypeVar("T")

API = "/v3/flexVM"


class Resource:
    """Base of the resource families reached from `FlexVMClient`."""

    def __init__(
        self, transport: Transport, *, page_size: int, sizes: PageSizes
    ) -> None:
        """Share the client's transport and paging state."""
        self._transport = transport
        self._page_size = page_size
        self._sizes = sizes

    def _iter(
        self,
        path: str,
        cls: type[T],
        params: Mapping[str, str] | None = None,
    ) -> AsyncIterator[T]:
        return iter_pages(
            self._transport,
            path,
            cls,
            page_size=self._page_size,
            sizes=self._sizes,
            params=params,
        )

    async def _list(
        self,
        path: str,
        cls: type[T],
        params: Mapping[str, str] | None = None,
    ) -> list[T]:
        return [item async for item in self._iter(path, cls, params)]

    async def _get(self, path: str, cls: type[T]) -> T:
        response = await self._transport.request("GET", path)
        return self._transport.model(response, cls)
