"""Environments: named sets of variables an execution can be started with (`params.env`)."""

from __future__ import annotations

from typing import Any

from mistral_lite.errors import Conflict, InvalidInput, NotFound
from mistral_lite.node import Node
from mistral_lite.project import DEFAULT_PROJECT
from mistral_lite.registry.definitions import check_scope, insert_new
from mistral_lite import commands as cmd
from mistral_lite.store import queries

TABLE = "environments"


def not_found(name: str) -> NotFound:
    return NotFound(f"Environment not found [name={name}]")


def duplicate(name: str) -> Conflict:
    return Conflict(f"Duplicate entry for Environment ['name', 'project_id']: {name}, None")


async def get(node: Node, name: str) -> dict[str, Any]:
    row = await node.read(queries.find_row, TABLE, {"name": name})
    if row is None:
        row = await node.read(queries.get_row, TABLE, name)
    if row is None:
        raise not_found(name)
    return row


def _check(name: Any, variables: Any) -> None:
    if not isinstance(name, str) or not name.strip():
        raise InvalidInput("Environment name is required")
    if variables is not None and not isinstance(variables, dict):
        raise InvalidInput("Environment variables must be a mapping")


async def create(node: Node, name: str, variables: dict[str, Any] | None, description: str | None,
                 scope: str = "private") -> dict[str, Any]:
    _check(name, variables)
    check_scope(scope)
    if await node.read(queries.find_row, TABLE, {"name": name}):
        raise duplicate(name)
    row = {
        "id": node.new_id(), "name": name, "description": description, "variables": variables or {},
        "scope": scope, "project_id": DEFAULT_PROJECT, "created_at": node.now(), "updated_at": None,
    }
    return await insert_new(node, TABLE, row, duplicate(name))


async def update(node: Node, name: str, changes: dict[str, Any]) -> dict[str, Any]:
    current = await get(node, name)
    _check(name, changes.get("variables"))
    if "scope" in changes:
        check_scope(changes["scope"])
    values = {**changes, "updated_at": node.now()}
    await node.submit([cmd.update(TABLE, current["id"], values)])
    return {**current, **values}


async def delete(node: Node, name: str) -> None:
    current = await get(node, name)
    await node.submit([cmd.delete(TABLE, current["id"])])
