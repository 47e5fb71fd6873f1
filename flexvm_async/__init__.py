"""Asyncio SDK for the i3D.net FlexVM API."""

from importlib.metadata import version as _version

from flexvm_async._errors import (
    APIError,
    AuthenticationError,
    BadRequestError,
    CloudNameConflictError,
    ConflictError,
    ConnectError,
    FieldError,
    FlexVMError,
    InvalidResponseError,
    NodeHasVMsError,
    NodeNotRunningError,
    NotFoundError,
    RateLimitError,
    RedirectError,
    RequestTimeoutError,
    ResponseLostError,
    ServerError,
    TransportError,
    UnprocessableError,
)

__version__ = _version("flexvm-async")

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
    "__version__",
]
