"""How users call the SDK, checked by mypy and never executed.

If an annotation in the public API drifts, the type checker fails here
first: each line is a call as the README shows it, with the type the
caller relies on asserted.
"""

from __future__ import annotations

from typing import assert_type

from flexvm_async import (
    VM,
    Capacity,
    Cloud,
    CloudCapacity,
    FlexVMClient,
    Image,
    InstanceType,
    MonthlyReport,
    Node,
    NodeStatus,
    Operation,
    Outcome,
    ScaleReport,
    UserData,
    WaitPolicy,
    WaitResults,
)


async def reads(client: FlexVMClient, cloud_id: str, node_id: str) -> None:
    """Reads return models and lists of models."""
    assert_type(await client.clouds.list(), list[Cloud])
    assert_type(await client.clouds.get(cloud_id), Cloud)
    assert_type(await client.clouds.find("edge"), Cloud | None)
    assert_type(await client.nodes.list(cloud_id), list[Node])
    assert_type(await client.nodes.get(cloud_id, node_id), Node)
    assert_type(await client.vms.list(cloud_id, status="running"), list[VM])
    assert_type(await client.images.list(), list[Image])
    assert_type(await client.instance_types.list(), list[InstanceType])
    assert_type(await client.capacity.list(), list[CloudCapacity])
    assert_type(await client.reports.capacity(), Capacity)
    assert_type(await client.reports.monthly(), MonthlyReport)
    async for cloud in client.clouds.iter():
        assert_type(cloud, Cloud)
        assert_type(cloud.created_at.year, int)


async def writes(client: FlexVMClient, cloud_id: str) -> None:
    """Writes return what the API answers, or nothing for 202s."""
    cloud = await client.clouds.create(
        name="edge", site="frmtl1", instance_type="bm9.hmm.gpu.4rtx4000.64"
    )
    assert_type(cloud, Cloud)
    node = await client.nodes.add(cloud.id, wait=True)
    assert_type(node.status, NodeStatus)
    assert_type(await client.nodes.remove(cloud.id, node.id), None)
    vm = await client.vms.create(
        cloud_id, name="db1", user_data=UserData("#cloud-config\n")
    )
    assert_type(vm, VM)
    assert_type(await client.vms.command(cloud_id, vm.id, "stop"), None)
    assert_type(await client.clouds.delete(cloud.id), None)


async def waits(client: FlexVMClient, cloud_id: str, node_id: str) -> None:
    """Waits return the settled resource; many at once, their outcomes."""
    policy = WaitPolicy(deadline=600).scaled(60)
    running = await client.nodes.wait_until_running(cloud_id, node_id, policy)
    assert_type(running, Node)
    op = client.waiters.operation("provision", cloud_id, node_id)
    assert_type(Operation.from_json(op.to_json()), Operation)
    assert_type(await client.waiters.wait_all([op]), WaitResults)
    async for outcome in client.waiters.as_completed([op]):
        assert_type(outcome, Outcome)
    report = await client.scale({"edge": 4, cloud_id: 0}, replace_failed=1)
    assert_type(report, ScaleReport)
    assert_type(report.ok, bool)
