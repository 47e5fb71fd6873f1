"""The commands that talk to the API: clouds, nodes, VMs and scale.

Each takes the client, the parsed options and the output, and returns the
exit status. Errors are left to the caller, which turns each into one
line and a status.
"""

from __future__ import annotations

import argparse
import asyncio
import base64
from collections.abc import Awaitable, Callable
from pathlib import Path

from flexvm_async import (
    Cloud,
    FlexVMClient,
    StateChange,
    UnknownCloudError,
    UserData,
)
from flexvm_async.cli._config import UsageError, policies
from flexvm_async.cli._output import (
    CLOUD_COLUMNS,
    NODE_COLUMNS,
    VM_COLUMNS,
    Output,
    short_id,
)
from flexvm_async.cli._plan import load_plan, parse_targets
from flexvm_async.cli._progress import display_for
from flexvm_async.cli._summary import write_report

__all__ = ["Handler", "resolve_cloud"]

Handler = Callable[[FlexVMClient, argparse.Namespace, Output], Awaitable[int]]


async def resolve_cloud(client: FlexVMClient, key: str) -> Cloud:
    """Return the cloud whose id, or else whose name, is `key`.

    Raises:
        UnknownCloudError: No cloud has that id or name.
    """
    clouds = await client.clouds.list()
    for cloud in clouds:
        if cloud.id == key:
            return cloud
    for cloud in clouds:
        if cloud.name == key:
            return cloud
    raise UnknownCloudError([key])


def _show_changes(out: Output) -> Callable[[StateChange], None]:
    def show(change: StateChange) -> None:
        out.lines(
            [f"node {short_id(change.resource_id)}: {change.new}"], err=True
        )

    return show


async def clouds_list(
    client: FlexVMClient, args: argparse.Namespace, out: Output
) -> int:
    """List every cloud."""
    del args
    out.items(CLOUD_COLUMNS, await client.clouds.list())
    return 0


async def clouds_get(
    client: FlexVMClient, args: argparse.Namespace, out: Output
) -> int:
    """Show one cloud, named by id or name."""
    out.item(CLOUD_COLUMNS, await resolve_cloud(client, args.cloud))
    return 0


async def clouds_create(
    client: FlexVMClient, args: argparse.Namespace, out: Output
) -> int:
    """Create a cloud and show it."""
    cloud = await client.clouds.create(
        name=args.name,
        site=args.site,
        instance_type=args.instance_type,
        description=args.description,
    )
    out.item(CLOUD_COLUMNS, cloud)
    return 0


async def clouds_delete(
    client: FlexVMClient, args: argparse.Namespace, out: Output
) -> int:
    """Delete a cloud."""
    cloud = await resolve_cloud(client, args.cloud)
    await client.clouds.delete(cloud.id)
    out.done(
        f"cloud {cloud.name} deleted", {"cloud_id": cloud.id, "deleted": True}
    )
    return 0


async def nodes_list(
    client: FlexVMClient, args: argparse.Namespace, out: Output
) -> int:
    """List a cloud's nodes."""
    cloud = await resolve_cloud(client, args.cloud)
    out.items(NODE_COLUMNS, await client.nodes.list(cloud.id))
    return 0


async def nodes_add(
    client: FlexVMClient, args: argparse.Namespace, out: Output
) -> int:
    """Order a node, and with ``--wait`` see it running."""
    cloud = await resolve_cloud(client, args.cloud)
    policy, _ = policies(args)
    node = await client.nodes.add(
        cloud.id, wait=args.wait, policy=policy, on_change=_show_changes(out)
    )
    out.item(NODE_COLUMNS, node)
    return 0


async def nodes_remove(
    client: FlexVMClient, args: argparse.Namespace, out: Output
) -> int:
    """Release a node, and with ``--wait`` see it gone."""
    cloud = await resolve_cloud(client, args.cloud)
    _, removal = policies(args)
    await client.nodes.remove(
        cloud.id,
        args.node,
        wait=args.wait,
        policy=removal,
        on_change=_show_changes(out),
    )
    status = "removed" if args.wait else "removing"
    out.done(
        f"node {args.node} {status}", {"node_id": args.node, "status": status}
    )
    return 0


async def nodes_wait(
    client: FlexVMClient, args: argparse.Namespace, out: Output
) -> int:
    """Wait for a node to run, or with ``--removed`` to be gone."""
    cloud = await resolve_cloud(client, args.cloud)
    policy, removal = policies(args)
    show = _show_changes(out)
    if args.removed:
        await client.nodes.wait_until_removed(
            cloud.id, args.node, removal, on_change=show
        )
        out.done(
            f"node {args.node} removed",
            {"node_id": args.node, "status": "removed"},
        )
        return 0
    node = await client.nodes.wait_until_running(
        cloud.id, args.node, policy, on_change=show
    )
    out.item(NODE_COLUMNS, node)
    return 0


async def vms_list(
    client: FlexVMClient, args: argparse.Namespace, out: Output
) -> int:
    """List a cloud's VMs, optionally in one status."""
    cloud = await resolve_cloud(client, args.cloud)
    out.items(VM_COLUMNS, await client.vms.list(cloud.id, args.status))
    return 0


async def vms_get(
    client: FlexVMClient, args: argparse.Namespace, out: Output
) -> int:
    """Show one VM."""
    cloud = await resolve_cloud(client, args.cloud)
    out.item(VM_COLUMNS, await client.vms.get(cloud.id, args.vm))
    return 0


def read_user_data(path: str) -> UserData:
    """Read cloud-init user data; a file that is not text goes as base64.

    Raises:
        UsageError: The file cannot be read.
    """
    try:
        raw = Path(path).read_bytes()
    except OSError as exc:
        raise UsageError(f"cannot read user data: {exc}") from exc
    try:
        return UserData(raw.decode("utf-8"))
    except UnicodeDecodeError:
        # Gzipped cloud-init, say: the API takes binary only as base64.
        return UserData(base64.b64encode(raw).decode("ascii"), is_base64=True)


async def vms_create(
    client: FlexVMClient, args: argparse.Namespace, out: Output
) -> int:
    """Create a VM and show it."""
    cloud = await resolve_cloud(client, args.cloud)
    user_data = (
        None if args.user_data is None else read_user_data(args.user_data)
    )
    vm = await client.vms.create(
        cloud.id,
        name=args.name,
        image_name=args.image,
        instance_type_name=args.instance_type,
        ssh_keys=args.ssh_key,
        user_data=user_data,
        description=args.description,
        tags=args.tag,
    )
    out.item(VM_COLUMNS, vm)
    return 0


async def vms_delete(
    client: FlexVMClient, args: argparse.Namespace, out: Output
) -> int:
    """Delete a VM; deletion goes on in the background."""
    cloud = await resolve_cloud(client, args.cloud)
    await client.vms.delete(cloud.id, args.vm)
    out.done(
        f"vm {args.vm} deleting", {"vm_id": args.vm, "status": "deleting"}
    )
    return 0


async def vms_command(
    client: FlexVMClient, args: argparse.Namespace, out: Output
) -> int:
    """Send a power command to a VM."""
    cloud = await resolve_cloud(client, args.cloud)
    await client.vms.command(cloud.id, args.vm, args.action)
    out.done(
        f"vm {args.vm}: {args.action} sent",
        {"vm_id": args.vm, "command": args.action},
    )
    return 0


def scale_targets(args: argparse.Namespace) -> dict[str, int]:
    """Return the targets of ``scale``: from its arguments or its plan.

    Raises:
        UsageError: Both or neither were given, or they are malformed.
    """
    if args.plan is not None and args.targets:
        raise UsageError("give CLOUD=N targets or --plan FILE, not both")
    if args.plan is not None:
        return load_plan(args.plan)
    if not args.targets:
        raise UsageError("give CLOUD=N targets or --plan FILE")
    return parse_targets(args.targets)


async def scale(
    client: FlexVMClient, args: argparse.Namespace, out: Output
) -> int:
    """Bring clouds to their node targets; 1 when some fell short.

    Interrupted, it prints what was done and in flight, then lets the
    cancellation go on: the report survives it, as the `Scaler` keeps it.
    """
    targets = scale_targets(args)
    policy, removal = policies(args)
    display = display_for(out.err)
    scaler = client.scaler(
        targets,
        max_clouds=args.max_clouds,
        replace_failed=args.replace_failed,
        remove_failed=args.remove_failed,
        evict_vms=args.evict_vms,
        policy=policy,
        removal_policy=removal,
        on_event=display.on_event,
    )
    display.follow(scaler.report)
    try:
        await scaler.run()
    except asyncio.CancelledError:
        display.close()
        write_report(out, scaler.report)
        raise
    display.close()
    write_report(out, scaler.report)
    return 0 if scaler.report.ok else 1
