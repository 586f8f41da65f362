"""The graph of a workflow definition, from its parsed spec: what the UI draws before and while it runs.

Nodes are tasks, plus one node per engine command a clause names (fail / succeed / pause; noop draws
nothing), so that two tasks failing the workflow do not pull their edges into one shared node. Edges
follow the execution order: a direct workflow's on-* transitions (labelled with their clause and
condition), a reverse workflow's `requires` (from the required task to the one that needs it).
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from typing import Any

from mistral_lite.lang.specs import Clause, TaskSpec, WorkflowSpec

CLAUSES = (("on-success", "on_success"), ("on-error", "on_error"), ("on-complete", "on_complete"),
           ("on-skip", "on_skip"))
DRAWN_COMMANDS = ("fail", "succeed", "pause")


@dataclass
class Node:
    id: str
    kind: str  # action | workflow | with-items | join | command
    name: str
    call: str | None = None  # the action or workflow a task runs; the command's name for a command node
    join: str | int | None = None
    with_items: bool = False
    start: bool = False
    line: int | None = None  # the 1-based line of a task's key in its YAML text; None when unknown


@dataclass
class Edge:
    source: str
    target: str
    clause: str  # on-success | on-error | on-complete | on-skip | requires
    condition: str | None = None


@dataclass
class Graph:
    workflow: str
    type: str
    nodes: list[Node] = field(default_factory=list)
    edges: list[Edge] = field(default_factory=list)


def build(spec: WorkflowSpec, lines: dict[str, int] | None = None) -> Graph:
    """The graph of spec; `lines` gives task nodes their YAML line (graph/lines.py)."""
    lines = lines or {}
    graph = Graph(spec.name, spec.type)
    starts = set(spec.start_tasks()) if spec.type == "direct" else set()
    for task in spec.tasks.values():
        graph.nodes.append(_task_node(task, task.name in starts, lines.get(task.name)))
    taken = set(spec.tasks)
    for task in spec.tasks.values():
        if spec.type == "reverse":
            graph.edges.extend(Edge(required, task.name, "requires") for required in task.requires)
            continue
        for label, attribute in CLAUSES:
            clause: Clause | None = getattr(task, attribute)
            for target in clause.targets if clause else ():
                if not target.is_command:
                    graph.edges.append(Edge(task.name, target.name, label, _condition(target.condition)))
                elif target.name in DRAWN_COMMANDS:
                    node_id = _unique(f"{task.name}/{label}/{target.name}", taken)
                    graph.nodes.append(Node(node_id, "command", target.name, call=target.name))
                    graph.edges.append(Edge(task.name, node_id, label, _condition(target.condition)))
    return graph


def _task_node(task: TaskSpec, start: bool, line: int | None) -> Node:
    call = task.workflow if task.workflow is not None else task.action_name
    kind = ("with-items" if task.with_items else "join" if task.join is not None
            else "workflow" if task.workflow is not None else "action")
    return Node(task.name, kind, task.name, call=call, join=task.join, with_items=task.with_items is not None,
                start=start, line=line)


def _condition(condition: Any) -> str | None:
    if condition is None or isinstance(condition, str):
        return condition
    return json.dumps(condition)


def _unique(wanted: str, taken: set[str]) -> str:
    candidate, n = wanted, 1
    while candidate in taken:
        n += 1
        candidate = f"{wanted}#{n}"
    taken.add(candidate)
    return candidate
