"""Mistral's expression functions, written once for both languages.

Each function takes the :class:`EngineView` (or None) first, then Mistral's
parameters under Mistral's names. ``yaql_lang`` and ``jinja_lang`` adapt
them; :func:`call_function` is the single entry point both adapters use, so
argument checking, copying and error wording are identical in YAQL and Jinja.
"""

from __future__ import annotations

import inspect
import json
import re
from collections.abc import Callable, Mapping, Sequence
from types import MappingProxyType
from typing import Any

import yaml

from mistral_lite.expr import documents
from mistral_lite.expr.errors import ExpressionError
from mistral_lite.expr.json_compat import to_json_compatible
from mistral_lite.expr.view import EngineView


def _require(view: EngineView | None, function: str) -> EngineView:
    if view is None:
        raise ExpressionError(
            f"{function}() needs an execution context, and no execution context "
            "is available here"
        )
    return view


def task(view: EngineView | None, task_name: str | None = None) -> Any:
    """The current task execution, or the latest one named ``task_name``."""
    return _require(view, "task").task(task_name or None)


def tasks(
    view: EngineView | None,
    workflow_execution_id: str | None = None,
    recursive: bool = False,
    state: str | None = None,
    flat: bool = False,
) -> Any:
    """Task executions filtered as Mistral's ``tasks()`` filters them."""
    return _require(view, "tasks").tasks(
        workflow_execution_id or None, bool(recursive), state or None, bool(flat)
    )


def execution(view: EngineView | None) -> Any:
    """The current workflow execution map."""
    return _require(view, "execution").execution()


def executions(
    view: EngineView | None,
    id: str | None = None,  # noqa: A002 - Mistral's parameter name
    root_execution_id: str | None = None,
    state: str | None = None,
    from_time: str | None = None,
    to_time: str | None = None,
) -> Any:
    """Workflow executions filtered by id, root, state and creation time."""
    return _require(view, "executions").executions(
        id, root_execution_id, state, from_time, to_time
    )


def env(view: EngineView | None) -> Any:
    """The execution environment."""
    return _require(view, "env").env()


def global_(view: EngineView | None, var_name: str) -> Any:
    """A variable of the global context (vars, global publishes), or None."""
    return _require(view, "global").global_var(var_name)


def uuid(view: EngineView | None) -> str:
    """A new UUID, from the view: the engine is deterministic."""
    return _require(view, "uuid").new_uuid()


def json_dump(view: EngineView | None, data: Any) -> str:
    """JSON text with a 4-space indent (ASCII-escaped, as Mistral's jsonutils)."""
    return json.dumps(data, indent=4)


def json_parse(view: EngineView | None, data: str) -> Any:
    """Parse JSON text (within the expression size budget)."""
    return documents.parse_json(data)


def yaml_dump(view: EngineView | None, data: Any) -> str:
    """YAML text in block style."""
    return yaml.safe_dump(data, default_flow_style=False)


def yaml_parse(view: EngineView | None, data: str) -> Any:
    """Parse YAML text with the safe loader (within the expression size budget, aliases expanded)."""
    return documents.parse_yaml(data)


FUNCTIONS: Mapping[str, Callable[..., Any]] = MappingProxyType(
    {
        "task": task,
        "tasks": tasks,
        "execution": execution,
        "executions": executions,
        "env": env,
        "global": global_,
        "uuid": uuid,
        "json_dump": json_dump,
        "json_parse": json_parse,
        "yaml_dump": yaml_dump,
        "yaml_parse": yaml_parse,
    }
)

# Functions of data only: as Jinja filters (``x | json_dump``) they work on
# the piped value when given no argument.
DATA_FUNCTIONS = frozenset({"json_dump", "json_parse", "yaml_dump", "yaml_parse"})

_CAMEL_HUMP = re.compile(r"(?<=[a-z0-9])([A-Z])")


def _snake_case(name: str) -> str:
    # Mistral's yaql exposes parameters camelCased (workflowExecutionId); the
    # docs write them snake_cased. Accept both.
    return _CAMEL_HUMP.sub(lambda m: "_" + m.group(1).lower(), name)


def call_function(
    name: str, view: EngineView | None, args: Sequence[Any], kwargs: Mapping[str, Any]
) -> Any:
    """Call Mistral function ``name`` with expression-level arguments.

    Arguments and the result are converted to plain JSON-compatible copies,
    so functions never see yaql's frozen types and expressions never get a
    reference into the view's own data. A wrong call raises ExpressionError.
    """
    function = FUNCTIONS[name]
    plain_args = [to_json_compatible(a) for a in args]
    plain_kwargs = {_snake_case(k): to_json_compatible(v) for k, v in kwargs.items()}
    try:
        inspect.signature(function).bind(view, *plain_args, **plain_kwargs)
    except TypeError as e:
        raise ExpressionError(f"{name}(): {e}") from None
    return to_json_compatible(function(view, *plain_args, **plain_kwargs))
