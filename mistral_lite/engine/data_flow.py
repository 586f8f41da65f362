"""Contexts: what `$` (YAQL) and `_` (Jinja) hold when an expression is evaluated.

Layers, lowest to highest: the workflow input, the global context (vars
and global publishes), the task's inbound context (branch variables
published upstream), extra variables (with-items items, this task's fresh
publishes for guards), and the markers `__env`, `__execution`,
`__task_execution` that the functions use.
"""

from __future__ import annotations

from typing import Any, Iterable, Mapping


def evaluation_data(
    wf_ex: Mapping[str, Any],
    inbound: Mapping[str, Any] | None = None,
    extra: Mapping[str, Any] | None = None,
    task_ex: Mapping[str, Any] | None = None,
) -> dict[str, Any]:
    data: dict[str, Any] = dict(wf_ex.get("input") or {})
    data.update(wf_ex.get("context") or {})
    data.update(inbound or {})
    data.update(extra or {})
    data["__env"] = env_of(wf_ex)
    data["__execution"] = {"id": wf_ex["id"]}
    if task_ex is not None:
        data["__task_execution"] = {"id": task_ex["id"], "name": task_ex["name"]}
    return data


def env_of(wf_ex: Mapping[str, Any]) -> dict[str, Any]:
    return dict((wf_ex.get("params") or {}).get("env") or {})


def outbound(task_ex: Mapping[str, Any]) -> dict[str, Any]:
    """What a task hands to the tasks it starts: its inbound context plus its branch publishes.

    A published name replaces the inbound value whole (maps are not merged), as in Mistral."""
    return {**(task_ex.get("in_context") or {}), **(task_ex.get("published") or {})}


def merge(base: Mapping[str, Any], update: Mapping[str, Any]) -> dict[str, Any]:
    """Maps merge recursively; any other value is replaced."""
    out = dict(base)
    for key, value in update.items():
        if isinstance(value, dict) and isinstance(out.get(key), dict):
            out[key] = merge(out[key], value)
        else:
            out[key] = value
    return out


def merge_all(contexts: Iterable[Mapping[str, Any]]) -> dict[str, Any]:
    out: dict[str, Any] = {}
    for ctx in contexts:
        out = merge(out, ctx)
    return out
