"""The command line of ``flexvm``, built with argparse.

The options shared by every API command (``--api-url``, ``--json`` and
the rest) are accepted before the command and after it alike.
"""

from __future__ import annotations

import argparse
from collections.abc import Callable
from typing import Any, NoReturn

from flexvm_async import DEFAULT_BASE_URL, VMCommand, VMStatus, __version__
from flexvm_async.cli import _commands as cmd
from flexvm_async.cli._config import ENV_KEY, ENV_URL, UsageError, default_url
from flexvm_async.emulator import _cli as emulator_cli

__all__ = ["Parser", "build_parser"]


class Parser(argparse.ArgumentParser):
    """An argument parser that raises `UsageError` instead of exiting.

    argparse would print the usage and the error on two lines and exit;
    the command reports one line and returns its status instead.
    """

    def error(self, message: str) -> NoReturn:
        """Raise the error, pointing at the help of the failing command."""
        raise UsageError(f"{message} (see '{self.prog} --help')")


def _positive(text: str) -> float:
    try:
        value = float(text)
    except ValueError:
        value = 0.0
    if not value > 0 or value == float("inf"):
        raise argparse.ArgumentTypeError(f"not a positive number: {text!r}")
    return value


def _count(least: int) -> Callable[[str], int]:
    def parse(text: str) -> int:
        if not text.isdigit() or int(text) < least:
            raise argparse.ArgumentTypeError(
                f"not a whole number >= {least}: {text!r}"
            )
        return int(text)

    return parse


def _api_options(parser: argparse.ArgumentParser, *, top: bool) -> None:
    # Below a command the defaults are left out, so that an option given
    # before the command is not overwritten by the command's default.
    def default(*, value: object) -> Any:
        return value if top else argparse.SUPPRESS

    parser.add_argument(
        "--api-url",
        metavar="URL",
        default=default(value=default_url()),
        help=f"the API's base URL (env {ENV_URL}, else {DEFAULT_BASE_URL})",
    )
    parser.add_argument(
        "--api-key-file",
        metavar="FILE",
        default=default(value=None),
        help=f"read the API key from FILE instead of env {ENV_KEY}",
    )
    parser.add_argument(
        "--json",
        action="store_true",
        default=default(value=False),
        help="print JSON for scripts",
    )
    parser.add_argument(
        "--clock-speed",
        metavar="SPEED",
        type=_positive,
        default=default(value=1.0),
        help="the API's clock runs SPEED times real time (an emulator "
        "started with --speed); waits poll that much more often",
    )
    parser.add_argument(
        "-v",
        "--verbose",
        action="count",
        default=default(value=0),
        help="log the SDK's messages on stderr; twice for each request",
    )


class _Commands:
    """Adds commands, each with the shared options and a handler."""

    def __init__(self) -> None:
        self.shared = argparse.ArgumentParser(add_help=False)
        _api_options(self.shared, top=False)

    def group(self, subparsers: Any, name: str, help_: str) -> Any:
        parser = subparsers.add_parser(name, help=help_, description=help_)
        return parser.add_subparsers(
            dest=f"{name}_command", required=True, metavar="COMMAND"
        )

    def leaf(
        self, subparsers: Any, name: str, handler: cmd.Handler, help_: str
    ) -> Parser:
        parser: Parser = subparsers.add_parser(
            name, help=help_, description=help_, parents=[self.shared]
        )
        parser.set_defaults(handler=handler)
        return parser


def _clouds(c: _Commands, top: Any) -> None:
    sub = c.group(top, "clouds", "list, show, create and delete clouds")
    c.leaf(sub, "list", cmd.clouds_list, "list every cloud")
    get = c.leaf(sub, "get", cmd.clouds_get, "show one cloud")
    get.add_argument("cloud", metavar="CLOUD", help="id or name")
    create = c.leaf(sub, "create", cmd.clouds_create, "create a cloud")
    create.add_argument("--name", required=True)
    create.add_argument("--site", required=True, help="such as frmtl1")
    create.add_argument(
        "--instance-type", required=True, help="the nodes' bare-metal type"
    )
    create.add_argument("--description")
    delete = c.leaf(sub, "delete", cmd.clouds_delete, "delete a cloud")
    delete.add_argument("cloud", metavar="CLOUD", help="id or name")


def _nodes(c: _Commands, top: Any) -> None:
    sub = c.group(top, "nodes", "list, add, remove and await nodes")
    listing = c.leaf(sub, "list", cmd.nodes_list, "list a cloud's nodes")
    listing.add_argument("cloud", metavar="CLOUD", help="id or name")
    add = c.leaf(sub, "add", cmd.nodes_add, "order one more node")
    add.add_argument("cloud", metavar="CLOUD", help="id or name")
    add.add_argument("--wait", action="store_true", help="until running")
    remove = c.leaf(sub, "remove", cmd.nodes_remove, "release a node")
    remove.add_argument("cloud", metavar="CLOUD", help="id or name")
    remove.add_argument("node", metavar="NODE", help="the node's id")
    remove.add_argument("--wait", action="store_true", help="until gone")
    wait = c.leaf(sub, "wait", cmd.nodes_wait, "wait until a node runs")
    wait.add_argument("cloud", metavar="CLOUD", help="id or name")
    wait.add_argument("node", metavar="NODE", help="the node's id")
    wait.add_argument(
        "--removed", action="store_true", help="wait until it is gone"
    )


def _vms(c: _Commands, top: Any) -> None:
    sub = c.group(top, "vms", "list, create, delete and command VMs")
    listing = c.leaf(sub, "list", cmd.vms_list, "list a cloud's VMs")
    listing.add_argument("cloud", metavar="CLOUD", help="id or name")
    listing.add_argument(
        "--status", choices=[s.value for s in VMStatus], help="only these"
    )
    get = c.leaf(sub, "get", cmd.vms_get, "show one VM")
    get.add_argument("cloud", metavar="CLOUD", help="id or name")
    get.add_argument("vm", metavar="VM", help="the VM's id")
    create = c.leaf(sub, "create", cmd.vms_create, "create a VM")
    create.add_argument("cloud", metavar="CLOUD", help="id or name")
    create.add_argument("--name", required=True)
    create.add_argument("--image", help="image name; the API's default")
    create.add_argument("--instance-type", help="VM type; the API's default")
    access = create.add_mutually_exclusive_group(required=True)
    access.add_argument(
        "--ssh-key",
        action="extend",
        nargs="+",
        metavar="KEY",
        help="public keys to let in",
    )
    access.add_argument(
        "--user-data", metavar="FILE", help="cloud-init in place of keys"
    )
    create.add_argument(
        "--tag",
        action="extend",
        nargs="+",
        metavar="TAG",
        help="labels for the monthly report",
    )
    create.add_argument("--description")
    delete = c.leaf(sub, "delete", cmd.vms_delete, "delete a VM")
    delete.add_argument("cloud", metavar="CLOUD", help="id or name")
    delete.add_argument("vm", metavar="VM", help="the VM's id")
    command = c.leaf(sub, "command", cmd.vms_command, "power a VM")
    command.add_argument("cloud", metavar="CLOUD", help="id or name")
    command.add_argument("vm", metavar="VM", help="the VM's id")
    command.add_argument("action", choices=[v.value for v in VMCommand])


def _scale(c: _Commands, top: Any) -> None:
    scale = c.leaf(
        top, "scale", cmd.scale, "bring clouds to their node targets at once"
    )
    scale.add_argument(
        "targets",
        nargs="*",
        metavar="CLOUD=N",
        help="cloud id or name, and the number of nodes wanted",
    )
    scale.add_argument(
        "--plan",
        metavar="FILE",
        help="targets from a .json or .toml file, in place of CLOUD=N",
    )
    scale.add_argument(
        "--max-clouds",
        type=_count(1),
        default=16,
        metavar="N",
        help="clouds worked on at once (default %(default)s)",
    )
    scale.add_argument(
        "--replace-failed",
        type=_count(0),
        default=0,
        metavar="N",
        help="nodes per cloud to order again when one ordered fails",
    )
    scale.add_argument(
        "--remove-failed", action="store_true", help="release failed nodes"
    )
    scale.add_argument(
        "--evict-vms",
        action="store_true",
        help="release nodes hosting VMs, deleting the VMs first",
    )


def _local(top: Any) -> None:
    emulator = top.add_parser(
        "emulator",
        help="serve an emulated FlexVM API on this machine",
        description="Serve an emulated FlexVM API on this machine.",
    )
    emulator_cli.add_arguments(emulator)
    emulator.set_defaults(local="emulator")
    demo = top.add_parser(
        "demo",
        help="scale a fleet up and down on an emulator, sped up",
        description="Create clouds on an emulator in this process, scale "
        "them up to 1-6 nodes and back down to 0-1, and sum it up.",
    )
    demo.add_argument(
        "--clouds", type=_count(1), default=30, help="(default %(default)s)"
    )
    demo.add_argument(
        "--speed",
        type=_positive,
        default=60.0,
        help="emulated seconds per real second (default %(default)s)",
    )
    demo.add_argument("--seed", type=int, help="for a reproducible run")
    demo.add_argument(
        "--json",
        action="store_true",
        default=argparse.SUPPRESS,
        help="print the summary as JSON",
    )
    demo.set_defaults(local="demo")


def build_parser() -> Parser:
    """Return the parser of the whole command line."""
    parser = Parser(
        prog="flexvm",
        description="Manage i3D.net FlexVM clouds, nodes and VMs.",
        epilog=f"The API key is read from {ENV_KEY} or --api-key-file, "
        "never from the command line.",
    )
    parser.add_argument(
        "--version", action="version", version=f"%(prog)s {__version__}"
    )
    _api_options(parser, top=True)
    parser.set_defaults(handler=None, local=None)
    top = parser.add_subparsers(
        dest="command", required=True, metavar="COMMAND"
    )
    commands = _Commands()
    _clouds(commands, top)
    _nodes(commands, top)
    _vms(commands, top)
    _scale(commands, top)
    _local(top)
    return parser
