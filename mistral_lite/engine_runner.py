"""The engine's shell: feeds events to the pure engine, commits its commands, performs its effects.

Each step runs synchronously on the event loop (so steps never interleave),
its commands are applied to the in-memory rows at once and submitted to the
log as one entry in step order, and its effects (running actions) start
only after that entry has committed. At start, and after any failure to
commit, the rows are rebuilt from SQLite.
"""

from __future__ import annotations

import asyncio
from typing import Any, Iterator, Mapping

from mistral_lite import logs
from mistral_lite.actions.system import SYSTEM_ACTIONS, SystemAction
from mistral_lite.engine import states
from mistral_lite.engine.actions import ResolvedAction, resolve, run_effect, transform_result
from mistral_lite.engine.errors import TaskFailure
from mistral_lite.engine.rows import Draft
from mistral_lite.engine.step import Step
from mistral_lite.errors import Conflict, InvalidInput, NotFound
from mistral_lite.node import DEFAULT_PROJECT
from mistral_lite.scheduler.timers import TimerScheduler
from mistral_lite.store import commands as cmd
from mistral_lite.engine.effects import ArmTimer, Effect, RunAction
from mistral_lite.engine.engine import Engine
from mistral_lite.engine.events import ActionFinished, Event, RerunTask, StartWorkflow, TimerFired
from mistral_lite.engine.rows import ACTION_DEFS, ACTIONS, ENVIRONMENTS, TASKS, TIMERS, WF, WF_DEFS, Rows
from mistral_lite.engine.step import StepResult
from mistral_lite.executor import ActionContext, Executor, Outcome
from mistral_lite.ids import new_id
from mistral_lite.log.entry import Entry
from mistral_lite.node import Node
from mistral_lite.registry.definitions import prepare_running_specs, prepare_spec
from mistral_lite.store import queries
from mistral_lite.store.apply import ApplyResult

log = logs.get("mistral_lite.engine_runner")

DEFINITION_TABLES = (WF_DEFS, ACTION_DEFS, ENVIRONMENTS)
INTERRUPTED = (
    "The action was running when the node stopped and the task does not allow running it again "
    "(safe-rerun is false), so its outcome is unknown"
)


class ExecutorCatalog:
    """The engine's view of which actions exist, answered by the executor."""

    def __init__(self, executor: Executor) -> None:
        self._executor = executor

    def has_action(self, name: str) -> bool:
        return self._executor.has_action(name)

    def check_input(self, name: str, params: Mapping[str, Any]) -> str | None:
        return self._executor.check_input(name, params)

    def is_async(self, name: str) -> bool:
        signature = self._executor.signature(name)
        return bool(signature and signature.is_async)


def _uuids() -> Iterator[str]:
    while True:
        yield new_id()


class EngineRunner:
    def __init__(self, node: Node, executor: Executor, callback_base: str | None = None) -> None:
        self.node = node
        self.executor = executor
        self.rows = Rows()
        self.engine = Engine(self.rows, ExecutorCatalog(executor), node.config.max_task_starts_per_step)
        self.callback_base = callback_base
        self._ids = _uuids()
        self._tasks: set[asyncio.Task[Any]] = set()
        self.timers = TimerScheduler(self._timer_fired, node.clock)
        self._builtins: dict[str, SystemAction] | None = None
        self._stopping = False
        node.log.add_listener(self._on_committed)

    # -- life cycle -------------------------------------------------------------
    async def start(self) -> None:
        """Load definitions and unfinished executions; settle actions a previous run left RUNNING."""
        await self._reload()
        recovered = 0
        for action_ex in list(self.rows.tables[ACTIONS].values()):
            if action_ex["state"] == states.RUNNING and action_ex.get("is_sync", True):
                await self._recover(action_ex)
                recovered += 1
        log.info("engine started", executions=len(self.rows.tables[WF]), recovered_actions=recovered,
                 timers=self.timers.armed)

    async def _recover(self, action_ex: dict[str, Any]) -> None:
        task_ex = self.rows.get(TASKS, action_ex.get("task_execution_id"))
        wf_ex = self.rows.get(WF, task_ex["workflow_execution_id"]) if task_ex else None
        if task_ex is None or wf_ex is None:
            return
        task = self.engine.spec_of(wf_ex).tasks.get(task_ex["name"])
        if task is not None and task.policies.safe_rerun is True:
            log.info("re-running interrupted action", execution_id=wf_ex["id"], task=task_ex["name"],
                     action_execution_id=action_ex["id"])
            self._perform([run_effect(action_ex, wf_ex, task_ex, task)])
        else:
            log.warning("interrupted action failed", execution_id=wf_ex["id"], task=task_ex["name"],
                        action_execution_id=action_ex["id"])
            await self.handle(ActionFinished(action_ex["id"], states.ERROR, INTERRUPTED))

    async def stop(self) -> None:
        """Stop performing effects; running actions are abandoned (they are recovered at the next start)."""
        self._stopping = True
        await self.timers.stop()
        for task in list(self._tasks):
            task.cancel()
        if self._tasks:
            await asyncio.gather(*self._tasks, return_exceptions=True)

    # -- events -------------------------------------------------------------------
    async def handle(self, event: Event, extra_commands: list[dict[str, Any]] | None = None) -> StepResult:
        """Run one engine step, commit it (with extra commands that must land with it), then start its effects.

        Engine errors propagate unchanged."""
        result = self.engine.step(event, self._ids, self.node.now())
        if result.commands:
            commands = tuple(result.commands) + tuple(extra_commands or ())
            entry = Entry(id=next(self._ids), kind="engine", commands=commands)
            try:
                applied = await self.node.log.submit(entry)
            except Exception:
                log.exception("engine entry not committed; reloading state from the database")
                await self._reload()
                raise
            if applied.status == "error":
                log.error("engine entry failed to apply; reloading state", error=applied.error)
                await self._reload()
                raise RuntimeError(f"engine step could not be applied: {applied.error}")
        self._perform(result.effects)
        self._evict_finished(result.commands)
        return result

    async def commit_direct(self, commands: list[dict[str, Any]], mirror: bool = True) -> None:
        """Commit changes the engine does not decide (description, env, deletion) and mirror them in memory."""
        for command in commands if mirror else ():
            self.rows.apply(command)
        applied = await self.node.log.submit(Entry(id=next(self._ids), kind="engine", commands=tuple(commands)))
        if applied.status == "error":
            await self._reload()
            raise RuntimeError(f"change could not be applied: {applied.error}")

    async def start_workflow(self, execution_id: str, definition_id: str, wf_input: dict[str, Any],
                             params: dict[str, Any], description: str = "",
                             extra_commands: list[dict[str, Any]] | None = None) -> dict[str, Any]:
        """Start an execution; returns its row as the start step committed it."""
        await prepare_spec(self.rows.get(WF_DEFS, definition_id))
        result = await self.handle(StartWorkflow(execution_id, definition_id, wf_input, params, description),
                                   extra_commands)
        return row_after(result.commands, WF, execution_id)

    def builtin_actions(self) -> dict[str, SystemAction]:
        """The std.* actions and the Python actions installed through entry points, as the API lists them."""
        if self._builtins is None:
            found = dict(SYSTEM_ACTIONS)
            for name in self.executor.action_names():
                signature = self.executor.signature(name)
                if name not in found and signature is not None:
                    found[name] = SystemAction(name, signature.params, signature.description, signature.is_async)
            self._builtins = found
        return self._builtins

    def find_definition(self, identifier: str, namespace: str) -> dict[str, Any] | None:
        """A workflow definition by id, or by name in the namespace, from memory (no database read)."""
        row = self.rows.get(WF_DEFS, identifier)
        if row is not None:
            return row
        for row in self.rows.tables[WF_DEFS].values():
            if row["name"] == identifier and (row.get("namespace") or "") == namespace:
                return row
        return None

    async def _timer_fired(self, timer_id: str) -> None:
        if not self._stopping:
            await self.handle(TimerFired(timer_id))

    def _perform(self, effects: list[Effect]) -> None:
        for effect in effects:
            if self._stopping:
                return
            if isinstance(effect, ArmTimer):
                self.timers.arm(effect.timer_id, effect.due_at)
            elif isinstance(effect, RunAction):
                task = asyncio.create_task(self._run_action(effect))
                self._tasks.add(task)
                task.add_done_callback(self._tasks.discard)

    async def _run_action(self, effect: RunAction) -> None:
        context = ActionContext(
            action_execution_id=effect.action_execution_id,
            task_execution_id=effect.task_execution_id,
            workflow_execution_id=effect.workflow_execution_id,
            workflow_name=effect.workflow_name,
            task_name=effect.task_name,
            callback_url=self._callback(effect.action_execution_id),
        )
        outcome: Outcome = await self.executor.run(effect.action_name, effect.input, context, effect.timeout)
        if outcome.state == states.RUNNING or self._stopping:
            return  # an async action: its result arrives over the API
        try:
            await self.handle(ActionFinished(effect.action_execution_id, outcome.state, outcome.result))
        except Exception:
            log.exception("action result could not be recorded", action_execution_id=effect.action_execution_id)

    # -- action executions set from outside, or run without a workflow -----------
    async def set_action_result(self, row: Mapping[str, Any], state: str, result: Any) -> None:
        """PUT /v2/action_executions/{id}: an external worker reports the outcome of an action."""
        if row["state"] not in (states.RUNNING, states.PAUSED):
            raise Conflict(f"Action execution {row['id']} is already completed [state={row['state']}]")
        if state == states.RUNNING:
            return
        if state == states.PAUSED:
            raise InvalidInput("Pausing an action execution is not supported; set SUCCESS, ERROR or CANCELLED")
        if self.rows.get(ACTIONS, row["id"]) is not None:
            await self.handle(ActionFinished(row["id"], state, result))
            return
        await self._finish_standalone(row["id"], state, result)

    async def _finish_standalone(self, action_id: str, state: str, result: Any) -> None:
        values = {"state": state, "output": {"result": result}, "updated_at": self.node.now(),
                  "state_info": None if state == states.SUCCESS else str(result)}
        await self.commit_direct([cmd.update(ACTIONS, action_id, values, when={"state": states.RUNNING})], mirror=False)

    async def run_action_directly(self, *, name: str, params: dict[str, Any], namespace: str, description: str,
                                  save_result: bool, run_sync: bool | None, timeout: float | None) -> dict[str, Any]:
        """POST /v2/action_executions: run one action outside any workflow, as Mistral's run-action does."""
        step = Step(Draft(self.rows, self._ids, self.node.now()))
        scope = {"id": "", "workflow_name": None, "workflow_namespace": namespace, "workflow_id": None, "params": {}}
        try:
            resolved = resolve(step, self.engine.catalog, scope, name, params, {})
        except TaskFailure as e:
            raise InvalidInput(e.message) from None
        is_async = self.engine.catalog.is_async(resolved.base)
        if run_sync is True and is_async:
            raise InvalidInput(f"Action {name} is asynchronous and cannot be run with run_sync=true")
        row = {
            "id": next(self._ids), "name": name, "task_execution_id": None, "workflow_name": None,
            "workflow_namespace": namespace, "description": description, "state": states.RUNNING,
            "state_info": None, "tags": None, "accepted": True, "is_sync": not is_async, "input": params,
            "output": None, "params": {"save_result": save_result, "run_sync": run_sync},
            "spec": {"base": resolved.base, "input": resolved.input, "transforms": list(resolved.transforms)},
            "runtime_context": {}, "project_id": DEFAULT_PROJECT, "created_at": self.node.now(),
            "updated_at": self.node.now(),
        }
        if run_sync is not True and (save_result or is_async):
            await self.commit_direct([cmd.insert(ACTIONS, row)], mirror=False)
            task = asyncio.create_task(self._run_standalone(row, resolved, timeout))
            self._tasks.add(task)
            task.add_done_callback(self._tasks.discard)
            return row
        state, result = await self._execute(row, resolved, timeout)
        row.update(state=state, output={"result": result}, state_info=None if state == states.SUCCESS else str(result))
        if save_result:
            await self.commit_direct([cmd.insert(ACTIONS, row)], mirror=False)
        else:
            row["id"] = None  # a transient result, as Mistral returns it
        return row

    async def _execute(self, row: Mapping[str, Any], resolved: ResolvedAction, timeout: float | None) -> tuple[str, Any]:
        context = ActionContext(action_execution_id=row["id"], callback_url=self._callback(row["id"]))
        outcome = await self.executor.run(resolved.base, resolved.input, context, timeout)
        if outcome.state != states.SUCCESS:
            return outcome.state, outcome.result
        try:
            return states.SUCCESS, transform_result(row, outcome.result)
        except TaskFailure as e:
            return states.ERROR, e.message

    async def _run_standalone(self, row: Mapping[str, Any], resolved: ResolvedAction, timeout: float | None) -> None:
        state, result = await self._execute(row, resolved, timeout)
        if state != states.RUNNING and not self._stopping:
            await self._finish_standalone(row["id"], state, result)

    def _callback(self, action_id: str) -> str | None:
        return f"{self.callback_base}/action_executions/{action_id}" if self.callback_base else None

    # -- keeping memory small and in step with the database -----------------------
    def _on_committed(self, index: int, entry: Entry, result: ApplyResult) -> None:
        """Definitions changed over the API reach the engine's memory from the log."""
        if entry.kind != "request" or result.status != "applied":
            return
        for command in entry.commands:
            if command.get("table") in DEFINITION_TABLES:
                self.rows.apply(command)

    def _evict_finished(self, commands: list[dict[str, Any]]) -> None:
        finished = {
            c["id"] for c in commands
            if c["table"] == WF and c["op"] == "update" and states.is_completed(c["set"].get("state", ""))
        }
        for wf_id in finished:
            wf_ex = self.rows.get(WF, wf_id)
            if wf_ex is not None and wf_ex.get("task_execution_id") is None and states.is_completed(wf_ex["state"]):
                self._evict_tree(wf_id)

    def _evict_tree(self, wf_id: str) -> None:
        for task_ex in self.rows.tasks_of(wf_id):
            for child in self.rows.subworkflows_of(task_ex["id"]):
                self._evict_tree(child["id"])
            for action_ex in self.rows.actions_of(task_ex["id"]):
                self.rows.evict(ACTIONS, action_ex["id"])
            self.rows.evict(TASKS, task_ex["id"])
        self.rows.evict(WF, wf_id)
        self.engine.forget(wf_id)

    async def _reload(self) -> None:
        """Rebuild memory from SQLite and arm every timer row of the loaded executions."""
        self.rows.clear()
        self.engine.forget_all()
        snapshot = await self.node.reader.run(_load_state)
        for table, rows in snapshot.items():
            self.rows.load(table, rows)
        for timer in self.rows.tables[TIMERS].values():
            self.timers.arm(timer["id"], timer["due_at"])
        await prepare_running_specs(self.rows.tables[WF].values())

    async def ensure_loaded(self, execution_id: str) -> None:
        """Bring a finished execution tree back into memory (a rerun reopens it)."""
        if self.rows.get(WF, execution_id) is not None:
            return
        snapshot = await self.node.read(_load_tree, execution_id)
        for table in (WF, TASKS, ACTIONS, TIMERS):
            self.rows.load(table, snapshot.get(table, []))

    async def rerun(self, task_id: str, reset: bool, env: dict[str, Any] | None) -> StepResult:
        task = await self.node.read(queries.get_row, TASKS, task_id)
        if task is None:
            raise NotFound(f"Task execution not found [id={task_id}]")
        wf_ex = await self.node.read(queries.get_row, WF, task["workflow_execution_id"])
        await self.ensure_loaded(wf_ex.get("root_execution_id") or wf_ex["id"])
        return await self.handle(RerunTask(task_id, reset, env))


def row_after(commands: list[dict[str, Any]], table: str, row_id: str) -> dict[str, Any]:
    """A row as a list of commands leaves it, replayed with the same rules as the engine's memory."""
    rows = Rows()
    for command in commands:
        rows.apply(command)
    return dict(rows.get(table, row_id) or {})


def _load_state(conn, catalog) -> dict[str, list[dict[str, Any]]]:
    """Definitions, and every execution tree whose root has not finished."""
    snapshot: dict[str, list[dict[str, Any]]] = {}
    for table in DEFINITION_TABLES:
        snapshot[table] = queries.list_page(conn, catalog, table, queries.PageQuery(sort_keys=("created_at",)))
    roots = queries.list_page(conn, catalog, WF, queries.PageQuery(
        filters=(queries.Filter("state", "in", list(states.ACTIVE)), queries.Filter("root_execution_id", "null")),
    ))
    snapshot.update(_trees(conn, catalog, roots))
    return snapshot


def _load_tree(conn, catalog, root_id: str) -> dict[str, list[dict[str, Any]]]:
    root = queries.get_row(conn, catalog, WF, root_id)
    return _trees(conn, catalog, [root] if root else [])


def _trees(conn, catalog, roots: list[dict[str, Any]]) -> dict[str, list[dict[str, Any]]]:
    """The rows of these root executions and everything below them."""
    snapshot: dict[str, list[dict[str, Any]]] = {}
    root_ids = [r["id"] for r in roots]
    executions = list(roots)
    if root_ids:
        executions += queries.list_page(conn, catalog, WF, queries.PageQuery(
            filters=(queries.Filter("root_execution_id", "in", root_ids),)))
    wf_ids = [e["id"] for e in executions]
    tasks = queries.list_page(conn, catalog, TASKS, queries.PageQuery(
        filters=(queries.Filter("workflow_execution_id", "in", wf_ids),))) if wf_ids else []
    task_ids = [t["id"] for t in tasks]
    actions = queries.list_page(conn, catalog, ACTIONS, queries.PageQuery(
        filters=(queries.Filter("task_execution_id", "in", task_ids),))) if task_ids else []
    snapshot[WF] = executions
    snapshot[TASKS] = tasks
    snapshot[ACTIONS] = actions
    snapshot[TIMERS] = queries.list_page(conn, catalog, TIMERS, queries.PageQuery(
        filters=(queries.Filter("workflow_execution_id", "in", wf_ids),), sort_keys=("due_at",))) if wf_ids else []
    return snapshot
