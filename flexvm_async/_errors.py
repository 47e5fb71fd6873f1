"""Errors raised by flexvm_async.

Every error the SDK raises on purpose derives from `FlexVMError`. Transport
failures, where no complete answer came back, are kept apart from answers
the API gave::

    FlexVMError
    ├── TransportError              no complete response was received
    │   ├── ConnectError            the connection was never made
    │   ├── RequestTimeoutError     the request ran out of time
    │   └── ResponseLostError       sent, but the answer was lost
    ├── InvalidResponseError        a body unlike what the API promises
    ├── WaitError                   a wait ended short of its state
    │   ├── WaitTimeoutError        the deadline passed first
    │   ├── NodeFailedError         the node ended ``failed``
    │   ├── NodeGoneError           the node went while provisioning
    │   └── VMFailedError           the VM ended ``failed``
    └── APIError                    the API answered with an error status
        ├── RedirectError           3xx: redirects are never followed
        ├── BadRequestError         400
        ├── AuthenticationError     401, 403
        ├── NotFoundError           404
        ├── ConflictError           409
        │   ├── CloudNameConflictError   a cloud with that name exists
        │   ├── NodeHasVMsError          the node still hosts VMs
        │   └── NodeNotRunningError      the node cannot be removed now
        ├── UnprocessableError      422
        ├── RateLimitError          429, with ``retry_after``
        └── ServerError             5xx

`ValueError` is raised, and nothing is sent, for arguments that are wrong
before any request is made (a malformed id, say). `asyncio.CancelledError`
always passes through untouched.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import TYPE_CHECKING, Any

import attrs

if TYPE_CHECKING:
    from flexvm_async._models import VM, Node

__all__ = [
    "APIError",
    "AuthenticationError",
    "BadRequestError",
    "CloudNameConflictError",
    "ConflictError",
    "ConnectError",
    "FieldError",
    "FlexVMError",
    "InvalidResponseError",
    "NodeFailedError",
    "NodeGoneError",
    "NodeHasVMsError",
    "NodeNotRunningError",
    "NotFoundError",
    "RateLimitError",
    "RedirectError",
    "RequestTimeoutError",
    "ResponseLostError",
    "ServerError",
    "TransportError",
    "UnprocessableError",
    "VMFailedError",
    "WaitError",
    "WaitTimeoutError",
    "error_for_status",
]


class FlexVMError(Exception):
    """The root of every error raised by flexvm_async."""


@attrs.frozen
class FieldError:
    """One entry of the ``errors`` list in an API error body.

    Attributes:
        property: The request field the API found fault with.
        message: What was wrong with it.
    """

    property: str
    message: str


class TransportError(FlexVMError):
    """No complete response came back from the API.

    Attributes:
        method: The HTTP method of the request.
        path: The request path, without the host.
        may_have_reached_server: False only when the request certainly
            never reached the server, so repeating it cannot do anything
            twice.
    """

    may_have_reached_server = True

    def __init__(self, message: str, *, method: str, path: str) -> None:
        """Record what failed and on which request."""
        super().__init__(f"{method} {path}: {message}")
        self.method = method
        self.path = path


class ConnectError(TransportError):
    """The connection to the API could not be made; nothing was sent."""

    may_have_reached_server = False


class RequestTimeoutError(TransportError):
    """The request ran out of time before the answer was complete."""


class ResponseLostError(TransportError):
    """The request was sent but the connection broke before the answer."""


class InvalidResponseError(FlexVMError):
    """The API answered with a body the SDK cannot accept.

    Raised for a body that is not JSON, is larger than the size cap, or does
    not have the shape the API documents.

    Attributes:
        method: The HTTP method of the request.
        path: The request path, without the host.
        status: The HTTP status of the answer.
        request_id: The request id from the response headers, if any.
    """

    def __init__(
        self,
        message: str,
        *,
        method: str,
        path: str,
        status: int,
        request_id: str | None = None,
    ) -> None:
        """Record what was wrong with the answer and to which request."""
        super().__init__(f"{method} {path} -> {status}: {message}")
        self.method = method
        self.path = path
        self.status = status
        self.request_id = request_id


class WaitError(FlexVMError):
    """A wait ended without the resource reaching the state it wanted.

    Attributes:
        last: The last node or VM seen, or None if none was read.
        elapsed: Seconds from the start of the wait to its end.
        polls: How many observations the wait made.
    """

    def __init__(
        self,
        message: str,
        *,
        last: Node | VM | None,
        elapsed: float,
        polls: int,
    ) -> None:
        """Record what was last seen and how long the wait took."""
        super().__init__(message)
        self.last = last
        self.elapsed = elapsed
        self.polls = polls


class WaitTimeoutError(WaitError):
    """The wait's deadline passed before the resource settled."""


class NodeFailedError(WaitError):
    """The node ended ``failed``; `node` is that last reading."""

    @property
    def node(self) -> Node:
        """The failed node."""
        node: Any = self.last
        return node  # type: ignore[no-any-return]


class NodeGoneError(WaitError):
    """The node was removed, or vanished, while it was awaited running."""


class VMFailedError(WaitError):
    """The VM ended ``failed``; `vm` is that last reading."""

    @property
    def vm(self) -> VM:
        """The failed VM."""
        vm: Any = self.last
        return vm  # type: ignore[no-any-return]


class APIError(FlexVMError):
    """The API answered with an error status.

    Attributes:
        status: The HTTP status code.
        code: The API's ``errorCode`` (an integer in API v3; kept as sent).
        message: The API's ``errorMessage``, or a summary of the status.
        errors: Field-level details from the body's ``errors`` list.
        request_id: The request id from the response headers, if any.
        method: The HTTP method of the request.
        path: The request path, without the host.
        retry_after: Seconds the API asked to wait (``Retry-After``), when
            it said.
    """

    def __init__(
        self,
        *,
        status: int,
        message: str,
        method: str,
        path: str,
        code: int | str | None = None,
        errors: Sequence[FieldError] = (),
        request_id: str | None = None,
        retry_after: float | None = None,
    ) -> None:
        """Record the answer; the text names request, status and code."""
        self.status = status
        self.retry_after = retry_after
        self.code = code
        self.message = message
        self.errors = tuple(errors)
        self.request_id = request_id
        self.method = method
        self.path = path
        super().__init__(self._describe())

    def _describe(self) -> str:
        text = f"{self.method} {self.path} -> {self.status}"
        if self.code is not None:
            text += f" [{self.code}]"
        text += f": {self.message}"
        if self.errors:
            fields = "; ".join(
                f"{e.property}: {e.message}" for e in self.errors
            )
            text += f" ({fields})"
        if self.request_id:
            text += f" (request id {self.request_id})"
        return text


class RedirectError(APIError):
    """The API answered with a redirect, which the SDK never follows.

    Following it would send the token to another address.
    """


class BadRequestError(APIError):
    """400: the API found the request malformed."""


class AuthenticationError(APIError):
    """401 or 403: the API key is missing, wrong or not allowed."""


class NotFoundError(APIError):
    """404: the cloud, node or VM does not exist (any more)."""


class ConflictError(APIError):
    """409: the request conflicts with the resource's current state."""


class CloudNameConflictError(ConflictError):
    """409 on cloud creation: a cloud with that name already exists."""


class NodeHasVMsError(ConflictError):
    """409 ``node_has_vms``: the node cannot be removed while it hosts VMs."""


class NodeNotRunningError(ConflictError):
    """409 ``node_not_running``: the node is provisioning or being removed."""


class UnprocessableError(APIError):
    """422: the request is well formed but cannot be carried out."""


class RateLimitError(APIError):
    """429: too many requests; ``retry_after`` says how long to wait."""


class ServerError(APIError):
    """5xx: the API failed to handle the request."""


_BY_STATUS: Mapping[int, type[APIError]] = {
    400: BadRequestError,
    401: AuthenticationError,
    403: AuthenticationError,
    404: NotFoundError,
    409: ConflictError,
    422: UnprocessableError,
    429: RateLimitError,
}

# The API documents no codes for its 409 answers; these string codes are
# the ones the emulator sends. Other codes keep the plain ConflictError.
_CONFLICTS_BY_CODE: Mapping[str, type[ConflictError]] = {
    "node_has_vms": NodeHasVMsError,
    "node_not_running": NodeNotRunningError,
    "cloud_name_taken": CloudNameConflictError,
}


def error_for_status(status: int, code: int | str | None) -> type[APIError]:
    """Pick the error class for an HTTP status and an API error code.

    Args:
        status: The HTTP status of the answer, 300 or above.
        code: The ``errorCode`` from the body, if any.

    Returns:
        The most specific `APIError` subclass that fits.
    """
    if 300 <= status < 400:  # noqa: PLR2004
        return RedirectError
    if status >= 500:  # noqa: PLR2004
        return ServerError
    if status == 409 and isinstance(code, str):  # noqa: PLR2004
        return _CONFLICTS_BY_CODE.get(code, ConflictError)
    return _BY_STATUS.get(status, APIError)
