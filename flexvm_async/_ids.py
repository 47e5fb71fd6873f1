"""Checks on values that end up in a URL, made before anything is sent."""

from __future__ import annotations

import ipaddress
import re
from urllib.parse import urlsplit

__all__ = ["check_base_url", "check_id"]

# FlexVM ids are UUIDs; letters, digits, '-' and '_' leave room for other
# id forms while making path traversal ('/', '..') and header or query
# injection (whitespace, '?', '#', '%') impossible.
_ID = re.compile(r"[A-Za-z0-9_-]{1,128}")


def check_id(value: object, what: str) -> str:
    """Return `value` when it is a well-formed id, else raise ValueError.

    Args:
        value: The id a caller passed.
        what: Its name, for the message (``cloud_id``, say).

    Returns:
        The id, unchanged.

    Raises:
        ValueError: `value` is not a string of id characters.
    """
    if not isinstance(value, str) or _ID.fullmatch(value) is None:
        raise ValueError(
            f"{what} must be 1 to 128 letters, digits, '-' or '_', "
            f"not {value!r}"
        )
    return value


def is_loopback(host: str) -> bool:
    """Tell whether `host` names this machine's loopback interface."""
    if host.lower() == "localhost":
        return True
    try:
        return ipaddress.ip_address(host.strip("[]")).is_loopback
    except ValueError:
        return False


def check_base_url(url: str) -> str:
    """Return the API base URL without a trailing slash, or raise.

    Args:
        url: ``https://host[:port]``; plain ``http://`` only for loopback.

    Returns:
        The URL with any trailing slash removed.

    Raises:
        ValueError: The URL is malformed, has a path, query or credentials,
            or would send the token in clear text over a network.
    """
    parts = urlsplit(url)
    if parts.scheme not in {"http", "https"} or not parts.hostname:
        raise ValueError(f"base_url must be an http(s) URL, not {url!r}")
    if parts.username or parts.password:
        raise ValueError("base_url must not carry credentials")
    if parts.path.strip("/") or parts.query or parts.fragment:
        raise ValueError(
            f"base_url must be scheme, host and port only, not {url!r}"
        )
    if parts.scheme == "http" and not is_loopback(parts.hostname):
        raise ValueError(
            "base_url uses plain http to a non-loopback host, which would "
            f"send the API key in clear text: {url!r}"
        )
    return url.rstrip("/")
