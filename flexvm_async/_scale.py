"""Bringing many clouds to their target node counts at once."""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Mapping
from typing import TYPE_CHECKING

from flexvm_async._models import Cloud
from flexvm_async._scale_cloud import CloudRun
from flexvm_async._scale_types import (
    CloudReport,
    OnEvent,
    ScaleError,
    ScaleEvent,
    ScaleEventKind,
    ScaleReport,
    UnknownCloudError,
)
from flexvm_async._wait_types import (
    WaitPolicy,
)

if TYPE_CHECKING:
    from flexvm_async._client import FlexVMClient

__all__ = ["Scaler", "resolve_targets"]

_log = logging.getLogger("flexvm_async.scale")

K = ScaleEventKind


async def resolve_targets(
    client: FlexVMClient, targets: Mapping[str, int]
) -> list[tuple[Cloud, int]]:
    """Match each target's key to a cloud, by id first, then by name.

    Raises:
        ScaleError: A target is not a whole number of nodes, 0 or more, or
            two keys name the same cloud.
        UnknownCloudError: Some keys match no cloud.
    """
    for key, target in targets.items():
        if isinstance(target, bool) or not isinstance(target, int):
            raise ScaleError(f"target for {key!r} is not a whole number")
        if target < 0:
            raise ScaleError(f"target for {key!r} is negative: {target}")
    clouds = await client.clouds.list()
    by_id = {c.id: c for c in clouds}
    by_name = {c.name: c for c in clouds}
    resolved: list[tuple[Cloud, int]] = []
    unknown = []
    for key, target in targets.items():
        cloud = by_id.get(key) or by_name.get(key)
        if cloud is None:
            unknown.append(key)
        else:
            resolved.append((cloud, target))
    if unknown:
        raise UnknownCloudError(unknown)
    ids = [cloud.id for cloud, _ in resolved]
    if len(set(ids)) != len(ids):
        raise ScaleError("two targets name the same cloud")
    return resolved


class Scaler:
    """One scaling run; `report` fills in as it goes.

    Use `FlexVMClient.scale` for a run that ends with its report; make a
    `Scaler` with `FlexVMClient.scaler` to read the report of a run that
    was cancelled.
    """

    def __init__(
        self,
        client: FlexVMClient,
        targets: Mapping[str, int],
        *,
        max_clouds: int = 256,
        replace_failed: int = 0,
        remove_failed: bool = False,
        evict_vms: bool = False,
        policy: WaitPolicy | None = None,
        removal_policy: WaitPolicy | None = None,
        vm_policy: WaitPolicy | None = None,
        max_rounds: int = 6,
        on_event: OnEvent | None = None,
    ) -> None:
        """Check the settings; nothing is sent until `run`."""
        if max_clouds < 1 or max_rounds < 1 or replace_failed < 0:
            raise ValueError(
                "max_clouds and max_rounds must be at least 1, "
                "replace_failed at least 0"
            )
        self.client = client
        self.targets = dict(targets)
        self.max_clouds = max_clouds
        self.replace_failed = replace_failed
        self.remove_failed = remove_failed
        self.evict_vms = evict_vms
        self.policy = policy or WaitPolicy()
        self.removal_policy = removal_policy or WaitPolicy.removal()
        self.vm_policy = vm_policy or WaitPolicy.vm()
        self.max_rounds = max_rounds
        self.on_event = on_event
        self.report = ScaleReport()

    async def run(self) -> ScaleReport:
        """Bring every cloud to its target; return when all have settled.

        A cloud that fails does not stop the others; its report says why.
        When the run is cancelled, `report.interrupted` is set, the nodes
        still in flight stay listed as pending, and the cancellation goes
        on up.

        Raises:
            ScaleError: The targets are not valid; nothing was changed.
        """
        clock = self.client.transport.clock
        started = clock()
        resolved = await resolve_targets(self.client, self.targets)
        for cloud, target in resolved:
            self.report.clouds[cloud.id] = CloudReport(
                cloud.id, cloud.name, target
            )
        gate = asyncio.Semaphore(self.max_clouds)

        async def one(cloud: Cloud) -> None:
            async with gate:
                await CloudRun(self, self.report.clouds[cloud.id]).run()

        try:
            async with asyncio.TaskGroup() as group:
                for cloud, _ in resolved:
                    group.create_task(one(cloud))
        except asyncio.CancelledError:
            self.report.interrupted = True
            raise
        finally:
            self.report.elapsed = clock() - started
        return self.report

    def emit(self, event: ScaleEvent) -> None:
        """Pass an event to the run's hook."""
        if self.on_event is not None:
            self.on_event(event)
