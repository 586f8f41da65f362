"""Changing what the engine does not decide: an execution's description, its env, its deletion."""

from __future__ import annotations

from typing import Any, Mapping

from mistral_lite.engine_runner import EngineRunner
from mistral_lite.node import Node
from mistral_lite import commands as cmd
from mistral_lite.store import queries

WF, TASKS, ACTIONS = "workflow_executions", "task_executions", "action_executions"


async def set_description(node: Node, runner: EngineRunner, row: Mapping[str, Any], description: str) -> None:
    await runner.commit_direct([cmd.update(WF, row["id"], {"description": description, "updated_at": node.now()})])


async def merge_env(node: Node, runner: EngineRunner, row: Mapping[str, Any], env: Mapping[str, Any]) -> None:
    params = dict(row.get("params") or {})
    params["env"] = {**(params.get("env") or {}), **env}
    await runner.commit_direct([cmd.update(WF, row["id"], {"params": params, "updated_at": node.now()})])


def _tree(conn, catalog, execution_id: str) -> tuple[list[str], list[str], list[str]]:
    """Ids of the execution, its tasks, their actions, and every sub-workflow below, recursively."""
    wf_ids, task_ids, action_ids = [], [], []
    pending = [execution_id]
    while pending:
        wf_id = pending.pop()
        wf_ids.append(wf_id)
        for task in queries.find_rows(conn, catalog, TASKS, {"workflow_execution_id": wf_id}):
            task_ids.append(task["id"])
            action_ids += [a["id"] for a in queries.find_rows(conn, catalog, ACTIONS, {"task_execution_id": task["id"]})]
            pending += [c["id"] for c in queries.find_rows(conn, catalog, WF, {"task_execution_id": task["id"]})]
    return wf_ids, task_ids, action_ids


async def delete_tree(node: Node, runner: EngineRunner, execution_id: str) -> None:
    """Delete an execution with its tasks, action executions and sub-workflows (one entry)."""
    wf_ids, task_ids, action_ids = await node.read(_tree, execution_id)
    commands = []
    if action_ids:
        commands.append(cmd.delete_where(ACTIONS, {"id": action_ids}))
    if task_ids:
        commands.append(cmd.delete_where(TASKS, {"id": task_ids}))
    commands.append(cmd.delete_where(WF, {"id": wf_ids}))
    await runner.commit_direct(commands)
