"""The engine's shell: feeds events to the pure engine, commits its commands, performs its effects.

Steps run one at a time (so they never interleave), under `_memory`, the
lock the shell also holds whenever it reads or changes the in-memory rows.
A step runs on the event loop while each of its evaluations stays within
20 ms of CPU; one that would take longer is abandoned (steps are pure: its
changes are rolled back) and run again on the engine's own thread, so a
heavy expression delays other steps, never a request.
A step's commands are applied to the rows at once and queued in the log as
one entry in step order; its effects (running actions) start only after
that entry has committed. At start the rows are loaded from SQLite; after a
failure to commit, only the execution trees the entry touched are.
"""

from __future__ import annotations

import asyncio
import logging
import sys
import weakref
from concurrent.futures import ThreadPoolExecutor
from typing import Any, Callable, Mapping

from mistral_lite import logs
from mistral_lite.actions.system import SYSTEM_ACTIONS, SystemAction
from mistral_lite.engine import states
from mistral_lite.engine.actions import ResolvedAction, resolve, run_effect, transform_result
from mistral_lite.engine.errors import TaskFailure, UnknownAction
from mistral_lite.engine.rows import Draft
from mistral_lite.engine.step import Step
from mistral_lite.errors import Conflict, InvalidInput, NotFound, Unavailable
from mistral_lite.project import DEFAULT_PROJECT
from mistral_lite.scheduler.timers import TimerScheduler
from mistral_lite import commands as cmd
from mistral_lite.engine.effects import ArmTimer, Effect, RunAction
from mistral_lite.engine.engine import Engine
from mistral_lite.engine.events import ActionFinished, Event, RerunTask, StartWorkflow, StopWorkflow, TimerFired
from mistral_lite.engine.limits import EngineLimits
from mistral_lite.engine.rows import ACTIONS, TASKS, TIMERS, WF, WF_DEFS, Rows
from mistral_lite.engine.step import StepResult
from mistral_lite.executor import ActionContext, Executor, Outcome
from mistral_lite.expr.deadline import OffLoop, inline_budget
from mistral_lite.ids import new_id
from mistral_lite.log.entry import Entry
from mistral_lite.node import Node
from mistral_lite.registry.definitions import prepare_running_specs, prepare_spec
from mistral_lite.store import queries
from mistral_lite.store.snapshots import (DEFINITION_TABLES, load_standalone_running, load_tree, load_trees,
                                         load_unfinished)
from mistral_lite.engine.roots import root_of_event, roots_of
from mistral_lite.store.apply import ApplyResult

log = logs.get("mistral_lite.engine_runner")

GIL_SWITCH_INTERVAL = 0.001  # seconds
# CPU an evaluation may take on the event loop; past it the step is run again on the engine thread.
INLINE_EVALUATION_SECONDS = 0.02
DEFERRED = "deferred"  # runtime_context key of an action recorded while draining, never started
NOT_RECORDED = "A step of this execution could not be recorded, so it was stopped: {reason}"
INTERRUPTED = (
    "The action was running when the node running it stopped or died, and the task does not allow running it "
    "again (safe-rerun is false), so its outcome is unknown"
)
STANDALONE_INTERRUPTED = (
    "The action was running when the node running it stopped or died; an action run outside a workflow is not "
    "run again, so its outcome is unknown"
)


class AlreadyRecorded(Conflict):
    """A result for an action execution that is no longer running: the first result counts."""


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


class _Ids:
    """Fresh ids for steps and entries; an iterator without generator state, so two threads may draw."""

    def __iter__(self) -> "_Ids":
        return self

    def __next__(self) -> str:
        return new_id()


class EngineRunner:
    """One node's engine for as long as it leads: a new leadership (or a restart) gets a new runner.

    In a cluster, `epoch` is the Raft term and `chain` the id of the barrier entry that began this
    leadership: each engine entry names the one before it, so apply refuses the rest of a chain once
    one entry is lost. Any entry that is not confirmed then calls `on_broken`: memory may have run
    ahead of the log, so the caller discards this runner and starts a new one from committed state.
    """

    def __init__(self, node: Node, executor: Executor, callback_base: str | None = None, *,
                 epoch: int | None = None, chain: str | None = None,
                 on_broken: Callable[[str], None] | None = None) -> None:
        self.node = node
        self.epoch = epoch
        self._chain = chain
        self._on_broken = on_broken
        self.executor = executor
        self.rows = Rows()
        self.engine = Engine(self.rows, ExecutorCatalog(executor), limits=EngineLimits.of(node.config))
        self.callback_base = callback_base
        self._ids = _Ids()
        self._engine_thread = ThreadPoolExecutor(max_workers=1, thread_name_prefix="engine")
        # A step busy evaluating holds the GIL; the event loop gets it back after at most this long
        # (CPython's default is 5 ms, and one request needs the GIL a dozen times).
        sys.setswitchinterval(min(sys.getswitchinterval(), GIL_SWITCH_INTERVAL))
        self._memory = asyncio.Lock()  # held by a step, and by the shell while it reads or changes rows
        self._tasks: set[asyncio.Task[Any]] = set()
        self.timers = TimerScheduler(self._timer_fired, node.clock)
        self._stopping = False
        self._draining = False
        self._deferred: list[str] = []  # actions recorded while draining, never started
        # Root execution id -> future resolved when its memory has been rebuilt from SQLite.
        self._recovering: dict[str, asyncio.Future[None]] = {}
        node.log.add_listener(self._on_committed)

    # -- life cycle -------------------------------------------------------------
    async def start(self) -> None:
        """Load definitions and unfinished executions; settle actions a previous run left RUNNING."""
        await self._reload()
        await self._settle_standalone()
        async with self._memory:
            running = [a for a in self.rows.tables[ACTIONS].values()
                       if a["state"] == states.RUNNING and a.get("is_sync", True)]
        deferred = [a for a in running if (a.get("runtime_context") or {}).get(DEFERRED)]
        await self._dispatch_deferred(deferred)
        for action_ex in running:
            if action_ex not in deferred:
                await self._recover(action_ex)
        log.info("engine started", executions=len(self.rows.tables[WF]), recovered_actions=len(running) - len(deferred),
                 started_deferred=len(deferred), timers=self.timers.armed)

    async def _settle_standalone(self) -> None:
        """Actions run outside a workflow that a previous leader left RUNNING: a synchronous one was lost with
        its node and ends ERROR; an asynchronous one keeps waiting for its result over the API."""
        lost = [a for a in await self.node.reader.run(load_standalone_running) if a.get("is_sync", True)]
        if lost:
            log.warning("interrupted standalone actions failed", actions=len(lost))
            await self.commit_direct([
                cmd.update(ACTIONS, a["id"], {"state": states.ERROR, "state_info": STANDALONE_INTERRUPTED,
                                              "updated_at": self.node.now()}, when={"state": states.RUNNING})
                for a in lost], mirror=False)

    async def _dispatch_deferred(self, deferred: list[dict[str, Any]]) -> None:
        """Start the actions a draining node recorded but never started: they have not run, so they
        simply run now. The mark is cleared first, so a crash while they run counts as an interruption."""
        if not deferred:
            return
        await self.commit_direct([
            cmd.update(ACTIONS, a["id"], {"runtime_context": _without(a.get("runtime_context"), DEFERRED)},
                       when={"state": states.RUNNING})
            for a in deferred
        ])
        for action_ex in deferred:
            task_ex, wf_ex, task = await self._task_of(action_ex)
            if task is not None:
                self._perform([run_effect(action_ex, wf_ex, task_ex, task)])

    async def _task_of(self, action_ex: Mapping[str, Any]) -> tuple[Any, Any, Any]:
        """The task execution, workflow execution and task spec an action execution belongs to."""
        async with self._memory:
            task_ex = self.rows.get(TASKS, action_ex.get("task_execution_id"))
            wf_ex = self.rows.get(WF, task_ex["workflow_execution_id"]) if task_ex else None
            task = self.engine.spec_of(wf_ex).tasks.get(task_ex["name"]) if wf_ex else None
            return task_ex, wf_ex, task

    async def _recover(self, action_ex: dict[str, Any]) -> None:
        task_ex, wf_ex, task = await self._task_of(action_ex)
        if task_ex is None or wf_ex is None:
            return
        if task is not None and task.policies.safe_rerun is True:
            log.info("re-running interrupted action", execution_id=wf_ex["id"], task=task_ex["name"],
                     action_execution_id=action_ex["id"])
            self._perform([run_effect(action_ex, wf_ex, task_ex, task)])
        else:
            log.warning("interrupted action failed", execution_id=wf_ex["id"], task=task_ex["name"],
                        action_execution_id=action_ex["id"])
            await self.handle(ActionFinished(action_ex["id"], states.ERROR, INTERRUPTED), requested=False)

    async def drain(self, timeout: float, abort: asyncio.Event | None = None) -> int:
        """Start no new work; give running actions up to `timeout` seconds (or until `abort` is set) to
        finish and have their results recorded. Work their results lead to is recorded but not started:
        the next start runs it. Returns how many actions were still running."""
        self._draining = True
        await self.timers.stop()
        deadline = asyncio.get_running_loop().time() + timeout
        if self._tasks:
            log.info("draining: waiting for running actions", actions=len(self._tasks), timeout_s=timeout)
        aborted = asyncio.ensure_future(abort.wait()) if abort is not None else None
        try:
            while self._tasks and (left := deadline - asyncio.get_running_loop().time()) > 0:
                if aborted is not None and aborted.done():
                    break
                waiting = set(self._tasks) | ({aborted} if aborted is not None else set())
                await asyncio.wait(waiting, timeout=left, return_when=asyncio.FIRST_COMPLETED)
        finally:
            if aborted is not None:
                aborted.cancel()
        await self._record_deferred()
        if self._tasks:
            log.warning("actions still running after the drain; the next start settles them",
                        actions=len(self._tasks))
        return len(self._tasks)

    async def _record_deferred(self) -> None:
        """Mark the action executions that were recorded while draining but never started."""
        commands = []
        async with self._memory:
            for action_id in dict.fromkeys(self._deferred):
                row = self.rows.get(ACTIONS, action_id)
                if row is not None and row["state"] == states.RUNNING:
                    runtime = {**(row.get("runtime_context") or {}), DEFERRED: True}
                    commands.append(cmd.update(ACTIONS, action_id, {"runtime_context": runtime},
                                               when={"state": states.RUNNING}))
        self._deferred.clear()
        if commands:
            try:
                await self.commit_direct(commands)
                log.info("recorded actions to start at the next start", actions=len(commands))
            except Exception:
                log.exception("could not record the actions left to start; the next start settles them")

    async def stop(self) -> None:
        """Stop performing effects; running actions are abandoned (they are recovered at the next start)."""
        self._stopping = True
        self.node.log.remove_listener(self._on_committed)
        await self.timers.stop()
        for task in list(self._tasks):
            task.cancel()
        if self._tasks:
            await asyncio.gather(*self._tasks, return_exceptions=True)
        async with self._memory:  # a step still on the engine thread finishes first
            self._engine_thread.shutdown(wait=False)

    # -- events -------------------------------------------------------------------
    async def handle(self, event: Event, extra_commands: list[dict[str, Any]] | None = None, *,
                     requested: bool = True) -> StepResult:
        """Run one engine step, commit it (with extra commands that must land with it), then start its effects.

        `requested`: a client waits for this step and gets its error if it cannot be recorded; otherwise
        (an action result, a timer) the execution itself ends ERROR with the reason. Engine errors
        propagate unchanged."""
        if self._recovering:
            await self._after_recovery(root_of_event(self.rows, event))
        commands: tuple[dict[str, Any], ...] = ()
        async with self._memory:
            now = self.node.now()
            try:
                with inline_budget(INLINE_EVALUATION_SECONDS):
                    result = self.engine.step(event, self._ids, now)
            except OffLoop:  # the step was rolled back; an evaluation needs longer than the loop may wait
                result = await asyncio.get_running_loop().run_in_executor(
                    self._engine_thread, self.engine.step, event, self._ids, now)
            if result.commands:
                commands = tuple(result.commands) + tuple(extra_commands or ())
                committed = self._enqueue(commands)
        if commands:
            await self._settle(committed, commands, requested, result_of_action=isinstance(event, ActionFinished))
        self._perform(result.effects)
        if result.commands:
            async with self._memory:
                self._evict_finished(result.commands)
        return result

    async def commit_direct(self, commands: list[dict[str, Any]], mirror: bool = True) -> None:
        """Commit changes the engine does not decide (description, env, deletion) and mirror them in memory."""
        async with self._memory:
            for command in commands if mirror else ():
                self.rows.apply(command)
            committed = self._enqueue(tuple(commands))
        await self._settle(committed, tuple(commands), requested=True)

    def _enqueue(self, commands: tuple[dict[str, Any], ...]) -> asyncio.Future[ApplyResult]:
        """Queue one engine entry in the log now: entries are queued in the order their steps ran."""
        entry_id = next(self._ids)
        entry = Entry(id=entry_id, kind="engine", commands=commands, epoch=self.epoch, prev=self._chain)
        if self.epoch is not None:
            self._chain = entry_id
        return self.node.log.enqueue(entry)

    async def _settle(self, committed: asyncio.Future[ApplyResult], commands: tuple[dict[str, Any], ...],
                      requested: bool, result_of_action: bool = False) -> None:
        """Wait for an engine entry. If it cannot be recorded, only the executions it touched are rebuilt
        from SQLite (every other execution goes on undisturbed) and the failure is reported. A result that
        conflicts was already recorded (the action is no longer running): memory is rebuilt, and the
        execution goes on from the stored state."""
        try:
            applied = await committed
        except Exception as e:
            reason = f"{type(e).__name__}: {e}"
            if self._broken(reason):
                raise Unavailable(f"The change could not be confirmed ({reason}); retry it") from None
            log.error("engine entry not committed", error=reason, executions=sorted(roots_of(self.rows, commands)))
            await self._rebuild(commands, reason, requested)
            raise Unavailable(f"The change could not be recorded ({reason}); nothing of it was kept") from None
        if applied.status == "fenced" and self._broken(applied.error or "fenced"):
            raise Unavailable("This node no longer leads the cluster; retry the request")
        if applied.status == "error":
            duplicate = result_of_action and applied.error_kind == "conflict"
            log.log(logging.WARNING if duplicate else logging.ERROR, "engine entry rejected", error=applied.error,
                    executions=sorted(roots_of(self.rows, commands)))
            await self._rebuild(commands, applied.error or "rejected", requested or duplicate)
            if duplicate:
                raise AlreadyRecorded(f"The action execution already has its result: {applied.error}")
            raise {"conflict": Conflict, "not_found": NotFound}.get(applied.error_kind or "", InvalidInput)(
                f"The change could not be recorded: {applied.error}")

    def _broken(self, reason: str) -> bool:
        """In a cluster an entry that is not confirmed may leave memory ahead of the log: this runner stops
        deciding and its owner starts a new one from committed state. False on a single node."""
        if self._on_broken is None:
            return False
        if not self._stopping:
            log.warning("engine entry not confirmed; rebuilding the engine from committed state", error=reason,
                        epoch=self.epoch)
            self._stopping = True
            self._on_broken(reason)
        return True

    async def start_workflow(self, execution_id: str, definition_id: str, wf_input: dict[str, Any],
                             params: dict[str, Any], description: str = "",
                             extra_commands: list[dict[str, Any]] | None = None) -> dict[str, Any]:
        """Start an execution; returns its row as the start step committed it."""
        await prepare_spec(self.rows.get(WF_DEFS, definition_id))  # a dict read: safe beside a step
        result = await self.handle(StartWorkflow(execution_id, definition_id, wf_input, params, description),
                                   extra_commands)
        return row_after(result.commands, WF, execution_id)

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
            await self.handle(TimerFired(timer_id), requested=False)

    def _perform(self, effects: list[Effect]) -> None:
        if self._draining:
            # Timer rows are durable and re-armed at the next start; actions are marked to start then.
            self._deferred.extend(e.action_execution_id for e in effects if isinstance(e, RunAction))
            return
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
            await self.handle(ActionFinished(effect.action_execution_id, outcome.state, outcome.result),
                              requested=False)
        except AlreadyRecorded:
            log.info("action result dropped: one was already recorded", action_execution_id=effect.action_execution_id)
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
        if row.get("task_execution_id") is not None:  # the stored row decides: memory may not hold it yet
            await self.handle(ActionFinished(row["id"], state, result))
            return
        await self._finish_standalone(row["id"], state, result)

    async def _finish_standalone(self, action_id: str, state: str, result: Any) -> None:
        values = {"state": state, "output": {"result": result}, "updated_at": self.node.now(),
                  "state_info": None if state == states.SUCCESS else str(result)}
        await self.commit_direct([cmd.update(ACTIONS, action_id, values, when={"state": states.RUNNING}, expect=1)],
                                 mirror=False)

    async def run_action_directly(self, *, name: str, params: dict[str, Any], namespace: str, description: str,
                                  save_result: bool, run_sync: bool | None, timeout: float | None) -> dict[str, Any]:
        """POST /v2/action_executions: run one action outside any workflow, as Mistral's run-action does."""
        step = Step(Draft(self.rows, self._ids, self.node.now()))
        scope = {"id": "", "workflow_name": None, "workflow_namespace": namespace, "workflow_id": None, "params": {}}
        try:
            resolved = resolve(step, self.engine.catalog, scope, name, params, {})
        except UnknownAction as e:
            raise InvalidInput(e.direct_message) from None
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
            try:
                await self._finish_standalone(row["id"], state, result)
            except Conflict:  # its result was set over the API meanwhile; the first one counts
                log.info("standalone action already completed; this result is dropped", action_execution_id=row["id"])
            except Exception:
                log.exception("standalone action result could not be recorded", action_execution_id=row["id"])

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
        """A finished root leaves memory once nothing under it runs: a fail or succeed command
        leaves running tasks to finish, so a task's end may be what lets its tree go."""
        ended = [c for c in commands if c["table"] in (WF, TASKS) and c["op"] == "update"
                 and states.is_completed(c["set"].get("state", ""))]
        roots: set[str] = set()
        for c in ended:
            row = self.rows.get(c["table"], c["id"])
            wf_ex = row if c["table"] == WF else self.rows.get(WF, (row or {}).get("workflow_execution_id"))
            if wf_ex is not None:
                roots.add(wf_ex.get("root_execution_id") or wf_ex["id"])
        for root in roots:
            wf_ex = self.rows.get(WF, root)
            if wf_ex is not None and wf_ex.get("task_execution_id") is None and \
                    states.is_completed(wf_ex["state"]) and not self._still_working(root):
                self._evict_tree(root)

    def _still_working(self, wf_id: str) -> bool:
        for task_ex in self.rows.tasks_of(wf_id):
            if task_ex["state"] in states.AT_WORK:
                return True
            if any(self._still_working(child["id"]) for child in self.rows.subworkflows_of(task_ex["id"])):
                return True
        return False

    def _evict_tree(self, wf_id: str) -> list[str]:
        """Drop an execution and everything below it from memory; returns the execution ids dropped."""
        dropped = [wf_id]
        for task_ex in self.rows.tasks_of(wf_id):
            for child in self.rows.subworkflows_of(task_ex["id"]):
                dropped += self._evict_tree(child["id"])
            for action_ex in self.rows.actions_of(task_ex["id"]):
                self.rows.evict(ACTIONS, action_ex["id"])
            self.rows.evict(TASKS, task_ex["id"])
        self.rows.evict(WF, wf_id)
        self.engine.forget(wf_id)
        return dropped

    # -- rebuilding one execution after a step that could not be recorded ---------
    async def _after_recovery(self, root: str | None) -> None:
        """Events of an execution being rebuilt wait for it; every other execution goes on."""
        gate = self._recovering.get(root) if root is not None else None
        if gate is not None:
            await asyncio.shield(gate)

    async def _rebuild(self, commands: tuple[dict[str, Any], ...], reason: str, requested: bool) -> None:
        """Make memory of the executions these commands touched equal to SQLite again, then, if no client
        is waiting for the answer, end them ERROR with the reason (nothing may stay RUNNING unseen)."""
        async with self._memory:
            roots = roots_of(self.rows, commands)
        mine = {r for r in roots if r not in self._recovering}
        others = [self._recovering[r] for r in roots - mine]
        if mine:
            gate = asyncio.get_running_loop().create_future()
            self._recovering.update({r: gate for r in mine})
            try:
                await self.node.log.barrier()  # later steps of these executions have settled too
                snapshot = await self.node.reader.run(load_trees, sorted(mine))
                async with self._memory:
                    for root in mine:
                        self._drop_tree(root)
                    self._load(snapshot)
            finally:
                for root in mine:
                    del self._recovering[root]
                gate.set_result(None)
        if others:
            await asyncio.gather(*(asyncio.shield(g) for g in others))
        if requested:
            return
        for root in sorted(mine):
            wf_ex = self.rows.get(WF, root)
            if wf_ex is None or wf_ex["state"] not in states.ACTIVE:
                continue
            log.error("execution failed: a step could not be recorded", execution_id=root, error=reason)
            try:
                await self.handle(StopWorkflow(root, states.ERROR, NOT_RECORDED.format(reason=reason)))
            except Exception:
                log.exception("could not record the failure either; the next start settles it", execution_id=root)

    def _drop_tree(self, root: str) -> None:
        """Forget an execution tree in memory only, its timers too."""
        for wf_id in self._evict_tree(root):
            for timer in self.rows.find(TIMERS, workflow_execution_id=wf_id):
                self.timers.cancel(timer["id"])
                self.rows.evict(TIMERS, timer["id"])

    def _load(self, snapshot: Mapping[str, list[dict[str, Any]]]) -> None:
        for table, rows in snapshot.items():
            self.rows.load(table, rows)
        for timer in snapshot.get(TIMERS, ()):
            self.timers.arm(timer["id"], timer["due_at"])
        for wf_ex in snapshot.get(WF, ()):
            if wf_ex.get("task_execution_id") is None and states.is_completed(wf_ex["state"]) and \
                    not self._still_working(wf_ex["id"]):
                self._evict_tree(wf_ex["id"])

    async def _reload(self) -> None:
        """Rebuild memory from SQLite and arm every timer row of the loaded executions."""
        snapshot = await self.node.reader.run(load_unfinished)
        async with self._memory:
            self.rows.clear()
            self.engine.forget_all()
            self._load(snapshot)
            running = list(self.rows.tables[WF].values())
        await prepare_running_specs(running)

    async def ensure_loaded(self, execution_id: str) -> None:
        """Bring a finished execution tree back into memory (a rerun reopens it)."""
        if self.rows.get(WF, execution_id) is not None:
            return
        snapshot = await self.node.read(load_tree, execution_id)
        async with self._memory:
            for table in (WF, TASKS, ACTIONS, TIMERS):
                self.rows.load(table, snapshot.get(table, []))

    async def rerun(self, task_id: str, reset: bool, env: dict[str, Any] | None) -> StepResult:
        task = await self.node.read(queries.get_row, TASKS, task_id)
        if task is None:
            raise NotFound(f"Task execution not found [id={task_id}]")
        wf_ex = await self.node.read(queries.get_row, WF, task["workflow_execution_id"])
        await self.ensure_loaded(wf_ex.get("root_execution_id") or wf_ex["id"])
        return await self.handle(RerunTask(task_id, reset, env))


_BUILTINS: "weakref.WeakKeyDictionary[Executor, dict[str, SystemAction]]" = weakref.WeakKeyDictionary()


def builtin_actions(executor: Executor) -> dict[str, SystemAction]:
    """The std.* actions and the Python actions installed through entry points, as the API lists them."""
    found = _BUILTINS.get(executor)
    if found is None:
        found = dict(SYSTEM_ACTIONS)
        for name in executor.action_names():
            signature = executor.signature(name)
            if name not in found and signature is not None:
                found[name] = SystemAction(name, signature.params, signature.description, signature.is_async)
        _BUILTINS[executor] = found
    return found


def _without(mapping: Mapping[str, Any] | None, key: str) -> dict[str, Any]:
    return {k: v for k, v in (mapping or {}).items() if k != key}


def row_after(commands: list[dict[str, Any]], table: str, row_id: str) -> dict[str, Any]:
    """A row as a list of commands leaves it, replayed with the same rules as the engine's memory."""
    rows = Rows()
    for command in commands:
        rows.apply(command)
    return dict(rows.get(table, row_id) or {})
