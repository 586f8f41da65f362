"""Drive the pure engine with plain function calls: definitions in, events in, rows out.

Actions are answered by a small table of deterministic outcomes, so each test
states exactly what every action returns; no I/O anywhere.
"""

from __future__ import annotations

import itertools
from collections import deque
from typing import Any, Callable, Mapping

from mistral_lite.actions.system import SYSTEM_ACTIONS
from mistral_lite.engine import states
from mistral_lite.engine.effects import ArmTimer, RunAction
from mistral_lite.engine.engine import Engine
from mistral_lite.engine.events import ActionFinished, Event, StartWorkflow, TimerFired
from mistral_lite.engine.rows import TASKS, WF, WF_DEFS, ACTION_DEFS, Rows
from mistral_lite.lang.documents import parse_actions, parse_workflows
from mistral_lite.lang.inputs import signature


class SystemCatalog:
    """The std.* actions with their declared signatures."""

    def has_action(self, name: str) -> bool:
        return name in SYSTEM_ACTIONS

    def check_input(self, name: str, params: Mapping[str, Any]) -> str | None:
        action = SYSTEM_ACTIONS[name]
        names = {p.name for p in action.params}
        missing = [p.name for p in action.params if not p.has_default and p.name not in params]
        unexpected = [k for k in params if k not in names]
        if missing or unexpected:
            return f"Invalid input [name={name}, class={name}, missing={missing}, unexpected={unexpected}]"
        return None

    def is_async(self, name: str) -> bool:
        return SYSTEM_ACTIONS[name].is_async


def default_outcome(effect: RunAction) -> tuple[str, Any] | None:
    """What the std actions return, without running anything; None: stays RUNNING (async)."""
    name, params = effect.action_name, effect.input
    if name == "std.echo":
        return states.SUCCESS, params.get("output")
    if name == "std.fail":
        error = params.get("error_data")
        if error:
            return states.ERROR, error
        # The executor's words for std.fail raising (see executor/std_actions.py).
        return states.ERROR, (f"The action raised an exception [action=Fail action, "
                              f"action_ex_id={effect.action_execution_id}, msg='Fail action expected exception.']")
    if name in ("std.noop", "std.sleep"):
        return states.SUCCESS, None
    if name == "std.test_dict":
        return states.SUCCESS, {f"{params.get('key_prefix', '')}{i}": params.get("val", "") for i in range(params.get("size", 0))}
    return None


class Harness:
    def __init__(self, *documents: str, actions: str | None = None) -> None:
        self.rows = Rows()
        self.engine = Engine(self.rows, SystemCatalog())
        self.ids = (f"id-{n:05d}" for n in itertools.count(1))
        self.clock = (f"2026-01-01 00:{n // 60:02d}:{n % 60:02d}.000000" for n in itertools.count())
        self.commands: list[dict[str, Any]] = []
        self.pending: deque[RunAction] = deque()
        self.timers: list[ArmTimer] = []
        self.started: list[RunAction] = []
        self.outcomes: Callable[[RunAction], tuple[str, Any] | None] = default_outcome
        for n, text in enumerate(documents):
            for source in parse_workflows(text):
                self.rows.apply({"op": "insert", "table": WF_DEFS, "row": {
                    "id": f"def-{source.name}", "name": source.name, "namespace": "", "spec": source.raw,
                    "definition": source.definition, "workbook_name": None}})
        if actions:
            for source in parse_actions(actions):
                self.rows.apply({"op": "insert", "table": ACTION_DEFS, "row": {
                    "id": f"act-{source.name}", "name": source.name, "namespace": "", "spec": source.raw,
                    "input": signature(source.spec.input)}})

    def send(self, event: Event):
        result = self.engine.step(event, self.ids, next(self.clock))
        self.commands.extend(result.commands)
        for effect in result.effects:
            if isinstance(effect, ArmTimer):
                self.timers.append(effect)
            else:
                self.pending.append(effect)
                self.started.append(effect)
        return result

    def start(self, workflow: str, input: dict | None = None, params: dict | None = None, run: bool = True) -> str:
        execution_id = f"wf-{workflow}-{len(self.rows.tables[WF])}"
        self.send(StartWorkflow(execution_id, f"def-{workflow}", input or {}, params or {}))
        if run:
            self.run()
        return execution_id

    def fire_timers(self) -> int:
        """Fire every armed timer, earliest first (time is not simulated: all are due)."""
        due, self.timers = sorted(self.timers, key=lambda t: t.due_at), []
        for timer in due:
            self.send(TimerFired(timer.timer_id))
        return len(due)

    def settle(self, limit: int = 1000) -> None:
        """Run actions and fire timers until nothing is left to do."""
        for _ in range(limit):
            self.run()
            if not self.fire_timers():
                return
        raise AssertionError("the workflow did not settle")

    def run(self, limit: int = 10_000) -> None:
        """Answer pending actions until none is left (async ones stay RUNNING)."""
        for _ in range(limit):
            if not self.pending:
                return
            effect = self.pending.popleft()
            outcome = self.outcomes(effect)
            if outcome is not None:
                self.send(ActionFinished(effect.action_execution_id, *outcome))
        raise AssertionError("the workflow did not settle")

    # -- reading --------------------------------------------------------------
    def execution(self, execution_id: str) -> dict[str, Any]:
        return self.rows.get(WF, execution_id)

    def tasks(self, execution_id: str) -> list[dict[str, Any]]:
        return self.rows.tasks_of(execution_id)

    def task_states(self, execution_id: str) -> list[tuple[str, str]]:
        return [(t["name"], t["state"]) for t in self.tasks(execution_id)]

    def task(self, execution_id: str, name: str) -> dict[str, Any]:
        return [t for t in self.tasks(execution_id) if t["name"] == name][-1]

    def children(self, execution_id: str) -> list[dict[str, Any]]:
        return [c for t in self.tasks(execution_id) for c in self.rows.subworkflows_of(t["id"])]

    def all_tasks(self) -> list[dict[str, Any]]:
        return list(self.rows.tables[TASKS].values())
