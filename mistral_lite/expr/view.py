"""What expressions may ask of the engine, and a plain-data implementation.

Mistral's expression functions (``task()``, ``tasks()``, ``execution()``,
``uuid()``, ...) read the database. Here they read an :class:`EngineView`
that the caller passes in, so evaluation stays pure: the engine implements
the view over committed execution state, tests use :class:`PlainView`.
"""

from __future__ import annotations

import uuid
from collections.abc import Iterable, Iterator, Mapping, Sequence
from typing import Any, Protocol, runtime_checkable

from mistral_lite.expr.errors import ExpressionError

ACTION_TASK = "ACTION"
WORKFLOW_TASK = "WORKFLOW"


@runtime_checkable
class EngineView(Protocol):
    """Read-only access to execution state for the expression functions.

    Task maps have Mistral's user-facing shape: ``id, name, spec, state,
    state_info, result, published, type (ACTION|WORKFLOW),
    workflow_execution_id, created_at, updated_at``. The evaluator copies
    whatever the view returns, so a view may hand out its own objects.
    """

    def task(self, name: str | None) -> dict | None:
        """The task execution ``task(name)`` means, or None if there is none.

        No name, or the name of the task being evaluated: that exact task
        execution. Another name: the most recently created execution of that
        task in the current workflow execution.
        """
        ...

    def tasks(
        self,
        workflow_execution_id: str | None,
        recursive: bool,
        state: str | None,
        flat: bool,
    ) -> list[dict]:
        """Task executions as Mistral's ``tasks()`` selects them (see select_tasks)."""
        ...

    def execution(self) -> dict:
        """The current workflow execution map."""
        ...

    def executions(
        self,
        id: str | None,
        root_execution_id: str | None,
        state: str | None,
        from_time: str | None,
        to_time: str | None,
    ) -> list[dict]:
        """Workflow executions matching every filter that is not None."""
        ...

    def env(self) -> dict:
        """The execution environment (the root execution's, for sub-workflows)."""
        ...

    def global_var(self, name: str) -> Any:
        """A variable of the execution's global context, or None if absent."""
        ...

    def new_uuid(self) -> str:
        """A fresh UUID string; the caller decides where it comes from."""
        ...


def select_tasks(
    task_executions: Sequence[Mapping[str, Any]],
    executions: Sequence[Mapping[str, Any]],
    workflow_execution_id: str | None = None,
    recursive: bool = False,
    state: str | None = None,
    flat: bool = False,
) -> list[dict]:
    """Select task executions the way Mistral's ``tasks()`` does.

    * No ``workflow_execution_id``: every task execution given (Mistral returns
      the tasks of *all* executions here, and ignores ``recursive``).
    * ``recursive`` (with an id): after each level's tasks come the tasks of
      the sub-workflow executions started by its WORKFLOW tasks, depth first.
      A sub-workflow execution names its parent task execution in
      ``task_execution_id``.
    * ``state``: only tasks in that state (at every level).
    * ``flat``: ACTION tasks, plus WORKFLOW tasks whose state differs from the
      state of every sub-workflow execution they started.

    Order: the order of ``task_executions``, parents before their children.
    """
    children: dict[Any, list[Mapping[str, Any]]] = {}
    for ex in executions:
        parent = ex.get("task_execution_id")
        if parent is not None:
            children.setdefault(parent, []).append(ex)

    def passes(task: Mapping[str, Any]) -> bool:
        if state and task.get("state") != state:
            return False
        if flat and task.get("type") != ACTION_TASK:
            return all(
                sub.get("state") != task.get("state")
                for sub in children.get(task.get("id"), ())
            )
        return True

    visited: set[Any] = set()

    def collect(wf_id: str | None) -> list[dict]:
        # Guards against malformed data where executions form a cycle.
        visited.add(wf_id)
        own = [
            dict(t)
            for t in task_executions
            if wf_id is None or t.get("workflow_execution_id") == wf_id
        ]
        nested: list[dict] = []
        if recursive and wf_id:
            for task in own:
                if task.get("type") != WORKFLOW_TASK:
                    continue
                for sub in children.get(task.get("id"), ()):
                    if sub.get("id") not in visited:
                        nested.extend(collect(sub.get("id")))
        return [t for t in own if passes(t)] + nested

    return collect(workflow_execution_id)


def _time_key(value: Any) -> str:
    # Accept both "YYYY-MM-DD hh:mm:ss" (Mistral's display form) and ISO "T".
    return str(value).replace("T", " ")


class PlainView:
    """An :class:`EngineView` over plain data, for tests and evaluation
    without a running execution.

    Data shape (all maps are plain dicts; only the keys used below matter,
    any others are returned untouched):

    * ``task_executions``: task maps as ``task()`` returns them. Used keys:
      ``id``, ``name``, ``state``, ``type`` (``ACTION`` or ``WORKFLOW``),
      ``workflow_execution_id``, ``created_at`` (``YYYY-MM-DD hh:mm:ss``).
      A task without ``workflow_execution_id`` counts as belonging to the
      current execution.
    * ``current_task``: the ``id`` of the task execution being evaluated
      (``task()`` with no name, or with its own name, returns exactly it).
    * ``execution``: the current workflow execution map
      (``id, name, spec, input, params, state, created_at, updated_at,
      root_execution_id``); ``task(name)`` looks only at its tasks.
    * ``executions``: other workflow executions (the current one is added
      automatically). Used keys: ``id``, ``state``, ``root_execution_id``,
      ``created_at``, and ``task_execution_id`` -- for a sub-workflow, the id
      of the WORKFLOW task execution that started it; this link is what
      ``tasks(..., recursive => true)`` and ``flat`` follow.
    * ``env``, ``globals``: the environment and the global context maps.
    * ``uuids``: the ids ``uuid()`` hands out, in order; when omitted, random
      UUID4s (the one place randomness may enter, and only by this choice).
    """

    def __init__(
        self,
        *,
        current_task: str | None = None,
        task_executions: Iterable[dict] = (),
        execution: dict | None = None,
        executions: Iterable[dict] = (),
        env: dict | None = None,
        globals: dict | None = None,  # noqa: A002 - the brief's name
        uuids: Iterable[str] | None = None,
    ) -> None:
        self._current_task = current_task
        self._tasks = tuple(task_executions)
        self._execution = execution
        self._executions = tuple(executions)
        self._env = env if env is not None else {}
        self._globals = globals if globals is not None else {}
        self._uuids: Iterator[str] | None = iter(uuids) if uuids is not None else None

    def task(self, name: str | None) -> dict | None:
        current = self._task_by_id(self._current_task)
        if current is not None and (not name or current.get("name") == name):
            return current
        if not name:
            return None
        scope = self._execution.get("id") if self._execution else None
        candidates = [
            (index, t)
            for index, t in enumerate(self._tasks)
            if t.get("name") == name
            and (scope is None or t.get("workflow_execution_id", scope) == scope)
        ]
        if not candidates:
            return None
        # Most recently created wins; equal or missing timestamps: later in list.
        _, latest = max(candidates, key=lambda c: (_time_key(c[1].get("created_at") or ""), c[0]))
        return latest

    def tasks(
        self,
        workflow_execution_id: str | None,
        recursive: bool,
        state: str | None,
        flat: bool,
    ) -> list[dict]:
        return select_tasks(
            self._tasks, self._all_executions(), workflow_execution_id, recursive, state, flat
        )

    def execution(self) -> dict:
        if self._execution is None:
            raise ExpressionError("No workflow execution is available here")
        return self._execution

    def executions(
        self,
        id: str | None,  # noqa: A002 - Mistral's parameter name
        root_execution_id: str | None,
        state: str | None,
        from_time: str | None,
        to_time: str | None,
    ) -> list[dict]:
        def matches(ex: Mapping[str, Any]) -> bool:
            created = _time_key(ex.get("created_at") or "")
            return (
                (id is None or ex.get("id") == id)
                and (root_execution_id is None or ex.get("root_execution_id") == root_execution_id)
                and (state is None or ex.get("state") == state)
                and (from_time is None or created >= _time_key(from_time))
                and (to_time is None or created < _time_key(to_time))
            )

        return [ex for ex in self._all_executions() if matches(ex)]

    def env(self) -> dict:
        return self._env

    def global_var(self, name: str) -> Any:
        return self._globals.get(name)

    def new_uuid(self) -> str:
        if self._uuids is None:
            return str(uuid.uuid4())
        try:
            return next(self._uuids)
        except StopIteration:
            raise ExpressionError("uuid(): the view has no more ids to hand out") from None

    def _task_by_id(self, task_id: str | None) -> dict | None:
        if task_id is None:
            return None
        return next((t for t in self._tasks if t.get("id") == task_id), None)

    def _all_executions(self) -> tuple[dict, ...]:
        current = self._execution
        if current is None or any(ex.get("id") == current.get("id") for ex in self._executions):
            return self._executions
        return (current, *self._executions)
