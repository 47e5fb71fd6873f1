"""Where the command finds its key and its API, and the errors it reports."""

from __future__ import annotations

import argparse
import os
from pathlib import Path

from flexvm_async import DEFAULT_BASE_URL, FlexVMClient, WaitPolicy

__all__ = [
    "ENV_KEY",
    "ENV_URL",
    "UsageError",
    "default_url",
    "open_client",
    "policies",
    "read_key",
]

ENV_KEY = "FLEXVM_API_KEY"
ENV_URL = "FLEXVM_API_URL"


class UsageError(Exception):
    """The command line asks for something that cannot be done.

    It ends the command with exit status 2 and its message on one line.
    """


def default_url() -> str:
    """Return the API URL to use when ``--api-url`` is not given."""
    return os.environ.get(ENV_URL) or DEFAULT_BASE_URL


def read_key(key_file: str | None) -> str:
    """Return the API key, from `key_file` or else the environment.

    The key is never taken from the command line itself, where any user
    of the machine could read it in the process list.

    Raises:
        UsageError: There is no key, or the file cannot be read.
    """
    if key_file is not None:
        try:
            key = Path(key_file).read_text(encoding="utf-8").strip()
        except (OSError, UnicodeDecodeError) as exc:
            raise UsageError(f"cannot read the API key file: {exc}") from exc
        if not key:
            raise UsageError(f"the API key file {key_file} is empty")
        return key
    key = os.environ.get(ENV_KEY, "").strip()
    if not key:
        raise UsageError(
            f"no API key: set {ENV_KEY} or pass --api-key-file FILE"
        )
    return key


def open_client(args: argparse.Namespace) -> FlexVMClient:
    """Return a client for the options given, not yet connected.

    Raises:
        UsageError: No key was found, or the URL is not acceptable.
    """
    key = read_key(args.api_key_file)
    try:
        return FlexVMClient(key, base_url=args.api_url)
    except ValueError as exc:
        raise UsageError(str(exc)) from exc


def policies(args: argparse.Namespace) -> tuple[WaitPolicy, WaitPolicy]:
    """Return the provisioning and removal wait policies for the options.

    Against an emulator running faster than real time, every wait is
    shortened by the same factor so that polls keep pace with its clock.
    """
    speed: float = args.clock_speed
    return WaitPolicy().scaled(speed), WaitPolicy.removal().scaled(speed)
