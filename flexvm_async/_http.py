"""The HTTP layer: one session, a cap on requests in flight, retries.

Every request of the SDK goes through `Transport.request`, the one place
where aiohttp exceptions are translated into `flexvm_async` errors.
"""

from __future__ import annotations

import asyncio
import functools
import json
import logging
import random
from collections.abc import Callable, Mapping
from typing import Any, TypeVar

import aiohttp

from flexvm_async._answers import (
    api_error,
    decode,
    transport_error,
)
from flexvm_async._answers import request_id as read_request_id
from flexvm_async._bodies import Response, structure_body, structure_items
from flexvm_async._errors import (
    APIError,
    ConflictError,
    FlexVMError,
    InvalidResponseError,
    RequestTimeoutError,
    TransportError,
)
from flexvm_async._metering import count_request
from flexvm_async._retry import Clock, RetryPolicy, RetryRunner, Sleep

__all__ = ["Response", "Transport"]

T = TypeVar("T")

_log = logging.getLogger("flexvm_async.http")

_JSON_HEADERS = {"Content-Type": "application/json"}


Landed = Callable[[APIError], bool]


class Transport:
    """Sends requests to the FlexVM API through one aiohttp session."""

    def __init__(
        self,
        *,
        api_key: str,
        base_url: str,
        session: aiohttp.ClientSession | None,
        retry: RetryPolicy,
        max_in_flight: int,
        max_body_bytes: int,
        user_agent: str,
        sleep: Sleep,
        clock: Clock,
        rng: random.Random,
    ) -> None:
        """Hold the settings; the session is opened on first use."""
        if max_in_flight < 1:
            raise ValueError("max_in_flight must be at least 1")
        if max_body_bytes < 1:
            raise ValueError("max_body_bytes must be at least 1")
        self.base_url = base_url
        self.retry = retry
        self.max_in_flight = max_in_flight
        self.max_body_bytes = max_body_bytes
        self.sleep = sleep
        self.clock = clock
        self._session = session
        self._owns_session = session is None
        self._headers = {
            "PRIVATE-TOKEN": api_key,
            "Accept": "application/json",
            "User-Agent": user_agent,
        }
        self._runner = RetryRunner(retry, sleep, clock, rng)
        self._slots = asyncio.Semaphore(max_in_flight)
        self._closed = False
        self.in_flight = 0
        """Requests on the wire right now."""

    @property
    def session(self) -> aiohttp.ClientSession:
        """The session requests go through, opened on first use."""
        if self._closed:
            raise RuntimeError("the client is closed")
        if self._session is None:
            session = aiohttp.ClientSession(
                connector=aiohttp.TCPConnector(limit=self.max_in_flight),
                auto_decompress=True,
            )
            # aiohttp 3.14 quietly sends a GET or DELETE a second time when
            # a kept-alive connection drops. The SDK retries by itself and
            # must know when a DELETE may already have landed (a 404 after
            # that means done, not "not found"), so that resend is off.
            if hasattr(session, "_retry_connection"):
                session._retry_connection = False  # noqa: SLF001
            self._session = session
        return self._session

    async def close(self) -> None:
        """Close the session if this transport opened it."""
        self._closed = True
        if self._owns_session and self._session is not None:
            await self._session.close()
        self._session = None

    async def request(
        self,
        method: str,
        path: str,
        *,
        body: Any = None,
        params: Mapping[str, str] | None = None,
        headers: Mapping[str, str] | None = None,
        conflict: type[ConflictError] | None = None,
        landed: Landed | None = None,
        deadline: float | None = None,
        retry: RetryPolicy | None = None,
    ) -> Response:
        """Send a request, retrying as the policy allows.

        Args:
            method: The HTTP method, upper case.
            path: The path below the base URL, ids already checked.
            body: A JSON-serialisable body, or None for none.
            params: Query parameters.
            headers: Extra request headers.
            conflict: The error class for a 409 answer without a known
                code (the endpoint knows what its conflict means).
            landed: For a try that follows one which may have reached the
                server, tells whether an error answer shows that the
                earlier try did the work.
            deadline: A `clock` time after which no try may run: each
                try's timeout is cut to the time left, and no retry sleeps
                past it.
            retry: A retry policy for this request instead of the
                client's.

        Returns:
            The answer, with its body decoded.

        Raises:
            APIError: The API answered with an error status.
            TransportError: No complete answer came back.
            InvalidResponseError: The body was not acceptable.
        """
        data = None if body is None else json.dumps(body).encode()
        send_headers = self._headers
        if data is not None or headers:
            send_headers = {**self._headers, **(headers or {})}
            if data is not None:
                send_headers.update(_JSON_HEADERS)
        started = self.clock()
        sent = (method, path, data, params, send_headers, conflict)
        try:
            # The first try is a plain call: most requests need no other.
            return await self._attempt(*sent, 1, deadline, retry)
        except FlexVMError as exc:
            # Only a request that failed pays for planning its retries.
            plan = self._runner.plan(
                method, path, deadline=deadline, policy=retry, started=started
            )
            delay = plan.delay_after(1, exc)
            if not plan.should_retry(exc) or plan.gives_up(1, delay):
                raise
            plan.log(1, delay, exc)
            ambiguous = (
                isinstance(exc, TransportError) and exc.may_have_reached_server
            )
        tries = 1

        async def again() -> Response:
            nonlocal tries, ambiguous
            tries += 1
            try:
                return await self._attempt(*sent, tries, deadline, retry)
            except TransportError as exc:
                ambiguous = ambiguous or exc.may_have_reached_server
                raise
            except APIError as exc:
                if ambiguous and landed is not None and landed(exc):
                    return Response(
                        method,
                        path,
                        exc.status,
                        None,
                        exc.request_id,
                        tries,
                        landed_earlier=True,
                        error=exc,
                    )
                raise

        await self.sleep(delay)
        async for attempt in plan.retrying(done=1):
            with attempt:
                return await again()
        raise AssertionError("tenacity re-raises")  # pragma: no cover

    async def _attempt(
        self,
        method: str,
        path: str,
        data: bytes | None,
        params: Mapping[str, str] | None,
        headers: Mapping[str, str],
        conflict: type[ConflictError] | None,
        attempt: int,
        deadline: float | None,
        retry: RetryPolicy | None,
    ) -> Response:
        timeout = (retry or self.retry).attempt_timeout
        if deadline is not None:
            timeout = min(timeout, deadline - self.clock())
            if timeout <= 0:
                raise RequestTimeoutError(
                    "deadline passed before the request was sent",
                    method=method,
                    path=path,
                )
        started = self.clock()
        count_request()
        async with self._slots:
            self.in_flight += 1
            try:
                async with self.session.request(
                    method,
                    self.base_url + path,
                    data=data,
                    params=params,
                    headers=headers,
                    allow_redirects=False,
                    timeout=_timeout(timeout),
                ) as resp:
                    status = resp.status
                    resp_headers = resp.headers
                    raw = await self._read(resp, method, path)
            except aiohttp.ClientError as exc:
                raise transport_error(exc, method, path) from exc
            except TimeoutError as exc:
                raise RequestTimeoutError(
                    f"no complete answer within {timeout:.1f}s",
                    method=method,
                    path=path,
                ) from exc
            finally:
                self.in_flight -= 1
        request_id = read_request_id(resp_headers)
        if _log.isEnabledFor(logging.DEBUG):
            _log.debug(
                "%s %s -> %d (attempt %d, %.1f ms, request id %s)",
                method,
                path,
                status,
                attempt,
                (self.clock() - started) * 1000,
                request_id,
            )
        if status >= 300:  # noqa: PLR2004
            raise api_error(
                status, raw, resp_headers, method, path, request_id, conflict
            )
        return Response(
            method,
            path,
            status,
            decode(raw, method, path, status, request_id),
            request_id,
            attempt,
        )

    async def _read(
        self, resp: aiohttp.ClientResponse, method: str, path: str
    ) -> bytes:
        cap = self.max_body_bytes
        length = resp.content_length
        if length is not None and length <= cap:
            return await resp.read()
        body = bytearray()
        if length is None:
            async for chunk in resp.content.iter_any():
                body += chunk
                if len(body) > cap:
                    break
            else:
                return bytes(body)
        raise InvalidResponseError(
            f"body larger than the {cap}-byte cap",
            method=method,
            path=path,
            status=resp.status,
            request_id=read_request_id(resp.headers),
        )

    def model(self, response: Response, cls: type[T]) -> T:
        """Structure a response body into `cls`, or raise.

        Raises:
            InvalidResponseError: The body does not have the shape of `cls`.
        """
        return structure_body(response, cls)

    def models(
        self,
        response: Response,
        cls: type[T],
        known: dict[str, tuple[Any, T]] | None = None,
    ) -> list[T]:
        """Structure a JSON array body into a list of `cls`, or raise.

        See `structure_items` for `known`.

        Raises:
            InvalidResponseError: The body is not an array of `cls`.
        """
        return structure_items(response, cls, known)


@functools.lru_cache(maxsize=64)
def _timeout(seconds: float) -> aiohttp.ClientTimeout:
    # Most tries share the policy's timeout: build that object once.
    return aiohttp.ClientTimeout(total=seconds)
