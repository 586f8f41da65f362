"""join: a task that waits for its inbound tasks (all, one, or N of them).

A join has one execution per workflow run, created WAITING by the first
transition to it. After every completion the engine looks again at each
waiting join: an inbound task that fired a transition to it counts as
satisfied; one that finished without firing it, or can no longer run
because nothing active leads to it, counts as failed. Enough satisfied →
the join runs with their merged contexts; too many failed → it ends ERROR
"Failed by tasks: [...]". It never waits for something that cannot happen.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Mapping

from mistral_lite.engine import states
from mistral_lite.engine.data_flow import merge_all, outbound
from mistral_lite.engine.rows import TASKS
from mistral_lite.engine.step import Step
from mistral_lite.lang.specs import TaskSpec, WorkflowSpec


@dataclass(frozen=True)
class Verdict:
    decision: str  # run, error or wait
    satisfied: tuple[dict[str, Any], ...] = ()
    failed: tuple[str, ...] = ()


def reachable(spec: WorkflowSpec, sources: set[str]) -> set[str]:
    """Task names a transition path may still reach from the sources."""
    seen: set[str] = set()
    pending = list(sources)
    while pending:
        name = pending.pop()
        for nxt in spec.tasks[name].next_task_names() if name in spec.tasks else ():
            if nxt not in seen:
                seen.add(nxt)
                pending.append(nxt)
    return seen


def progressing(step: Step, wf_ex: Mapping[str, Any]) -> set[str]:
    """Names of tasks that will still move without help: active but not waiting, or held in the backlog."""
    running = {t["name"] for t in step.rows.tasks_of(wf_ex["id"], _moving)}
    return running | {item["task"] for item in (wf_ex.get("runtime_context") or {}).get("backlog") or []}


def judge(step: Step, wf_ex: Mapping[str, Any], spec: WorkflowSpec, join_ex: Mapping[str, Any],
          task: TaskSpec, hopeful: bool) -> Verdict:
    """hopeful: other waiting joins count as routes that may still open (they may still run)."""
    triggers = {t.get("task_id") for t in (join_ex.get("runtime_context") or {}).get("triggered_by") or []}
    sources = progressing(step, wf_ex)
    if hopeful:
        sources |= {t["name"] for t in step.rows.tasks_of(wf_ex["id"], _waiting) if t["id"] != join_ex["id"]}
    may_still_run = reachable(spec, sources) | sources
    inbound = spec.inbound(task.name)
    satisfied: list[dict[str, Any]] = []
    failed: list[str] = []
    for name in inbound:
        executions = step.rows.tasks_named(wf_ex["id"], name)
        fired = [t for t in executions if t["id"] in triggers]
        if fired:
            satisfied.append(fired[-1])
        elif any(t["state"] in states.ACTIVE and t["state"] != states.WAITING for t in executions) \
                or name in may_still_run:
            continue
        else:
            failed.append(name)
    needed = len(inbound) if task.join == "all" else int(task.join)
    if len(satisfied) >= needed:
        return Verdict("run", tuple(satisfied))
    if len(failed) > len(inbound) - needed:
        return Verdict("error", failed=tuple(failed))
    return Verdict("wait")


class Joins:
    """Mixed into Engine."""

    def arrive_at_join(self, step: Step, wf_ex: dict[str, Any], task: TaskSpec, inbound: Mapping[str, Any],
                       triggered_by: dict[str, str] | None) -> dict[str, Any]:
        """A transition reached a join: record it on the waiting execution (created by the first one)."""
        executions = step.rows.tasks_named(wf_ex["id"], task.name)
        if executions and executions[-1]["state"] != states.WAITING:
            return executions[-1]  # it already ran: later arrivals do not start it again
        if executions:
            join_ex = executions[-1]
            runtime = dict(join_ex.get("runtime_context") or {})
            runtime["triggered_by"] = list(runtime.get("triggered_by") or []) + ([triggered_by] if triggered_by else [])
            return step.draft.update(TASKS, join_ex["id"], runtime_context=runtime)
        return self.new_task_execution(step, wf_ex, task, {}, triggered_by, states.WAITING, "Task is waiting.")

    def refresh_joins(self, step: Step, wf_ex: dict[str, Any]) -> None:
        """Decide every waiting join that can be decided now (one decision may enable another).

        Other waiting joins count as routes that may still open; only when
        nothing else can move any more are they given up on, so joins behind
        joins neither fail too early nor wait for ever.
        """
        if not step.rows.count(TASKS, wf_ex["id"], _waiting):
            return  # no join waits: nothing to decide (the common case, checked after every completion)
        spec = self.spec_of(wf_ex)
        for _ in range(2 * len(spec.tasks) + 2):
            if self._decide_joins(step, wf_ex, spec, hopeful=True):
                continue
            if progressing(step, step.rows.get(WF_TABLE, wf_ex["id"])):
                return  # something still moves: the undecided joins wait for it
            if not self._decide_joins(step, wf_ex, spec, hopeful=False):
                return

    def _decide_joins(self, step: Step, wf_ex: dict[str, Any], spec: WorkflowSpec, hopeful: bool) -> bool:
        """Run or fail the waiting joins that can be decided; True if any was."""
        changed = False
        for join_ex in step.rows.tasks_of(wf_ex["id"], _waiting):
            current = step.rows.get(TASKS, join_ex["id"])
            wf_now = step.rows.get(WF_TABLE, wf_ex["id"])
            if current["state"] != states.WAITING or wf_now["state"] != states.RUNNING:
                continue
            task = spec.tasks[current["name"]]
            verdict = judge(step, wf_now, spec, current, task, hopeful)
            if verdict.decision == "run":
                context = merge_all(outbound(t) for t in verdict.satisfied)
                current = step.draft.update(TASKS, current["id"], state=states.RUNNING, state_info=None,
                                            in_context=context, started_at=step.now)
                self.begin_task(step, wf_now, current, task)
                changed = True
            elif verdict.decision == "error":
                step.draft.update(TASKS, current["id"], started_at=step.now)
                self.complete_task(step, wf_now, current, states.ERROR,
                                   f"Failed by tasks: {list(verdict.failed)}", check=False)
                changed = True
        return changed


WF_TABLE = "workflow_executions"


def _waiting(state: str) -> bool:
    return state == states.WAITING


def _moving(state: str) -> bool:
    return state in states.ACTIVE and state != states.WAITING
