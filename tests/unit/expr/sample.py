"""Shared plain data for the expression tests."""

from __future__ import annotations

import copy

from mistral_lite.expr import PlainView

DATA = {
    "name": "world",
    "n": 3,
    "flag": True,
    "nothing": None,
    "numbers": [1, 2, 3],
    "words": ["b", "a", "b"],
    "servers": [{"id": "s1", "ok": True}, {"id": "s2", "ok": False}],
    "m": {"k": "v", "nested": {"deep": 1}},
    "text": "a,b,c",
    "json_text": '{"a": [1, 2]}',
    "yaml_text": "a:\n  - 1\n  - 2\n",
}

WF = "wf-1"

# Task executions of the root execution wf-1, plus those of a sub-workflow
# (wf-sub, started by WORKFLOW task "call") and a sub-sub-workflow.
TASKS = [
    {"id": "t1-a", "name": "t1", "state": "SUCCESS", "type": "ACTION",
     "workflow_execution_id": WF, "created_at": "2024-01-01 10:00:00",
     "result": {"out": 1}, "published": {"p": 1}},
    {"id": "t1-b", "name": "t1", "state": "SUCCESS", "type": "ACTION",
     "workflow_execution_id": WF, "created_at": "2024-01-01 10:05:00",
     "result": {"out": 2}, "published": {"p": 2}},
    {"id": "t2", "name": "t2", "state": "ERROR", "type": "ACTION",
     "workflow_execution_id": WF, "created_at": "2024-01-01 10:01:00",
     "result": "boom", "published": {}},
    {"id": "call", "name": "call", "state": "ERROR", "type": "WORKFLOW",
     "workflow_execution_id": WF, "created_at": "2024-01-01 10:02:00",
     "result": None, "published": {}},
    {"id": "s1", "name": "sub_task", "state": "ERROR", "type": "ACTION",
     "workflow_execution_id": "wf-sub", "created_at": "2024-01-01 10:03:00",
     "result": None, "published": {}},
    {"id": "s2", "name": "sub_call", "state": "SUCCESS", "type": "WORKFLOW",
     "workflow_execution_id": "wf-sub", "created_at": "2024-01-01 10:03:30",
     "result": None, "published": {}},
    {"id": "ss1", "name": "deep_task", "state": "ERROR", "type": "ACTION",
     "workflow_execution_id": "wf-subsub", "created_at": "2024-01-01 10:04:00",
     "result": None, "published": {}},
    {"id": "other", "name": "t1", "state": "SUCCESS", "type": "ACTION",
     "workflow_execution_id": "wf-other", "created_at": "2024-01-02 00:00:00",
     "result": {"out": 99}, "published": {}},
]

EXECUTION = {
    "id": WF, "name": "my_wf", "state": "RUNNING", "input": {"x": 1},
    "params": {}, "created_at": "2024-01-01 09:59:00", "root_execution_id": None,
}

EXECUTIONS = [
    {"id": "wf-sub", "name": "sub_wf", "state": "ERROR", "task_execution_id": "call",
     "root_execution_id": WF, "created_at": "2024-01-01 10:02:01"},
    {"id": "wf-subsub", "name": "subsub_wf", "state": "ERROR", "task_execution_id": "s2",
     "root_execution_id": WF, "created_at": "2024-01-01 10:03:31"},
    {"id": "wf-other", "name": "other_wf", "state": "SUCCESS",
     "root_execution_id": None, "created_at": "2024-01-02 00:00:00"},
]

ENV = {"region": "eu", "limits": {"cpu": 2}}
GLOBALS = {"counter": 5, "shared": {"a": 1}}


def view(**overrides) -> PlainView:
    """A PlainView over deep copies of the sample data (tests may mutate)."""
    arguments = {
        "current_task": "t2",
        "task_executions": copy.deepcopy(TASKS),
        "execution": copy.deepcopy(EXECUTION),
        "executions": copy.deepcopy(EXECUTIONS),
        "env": copy.deepcopy(ENV),
        "globals": copy.deepcopy(GLOBALS),
        "uuids": ["uuid-1", "uuid-2", "uuid-3"],
    }
    arguments.update(overrides)
    return PlainView(**arguments)


def data() -> dict:
    """A deep copy of DATA."""
    return copy.deepcopy(DATA)
