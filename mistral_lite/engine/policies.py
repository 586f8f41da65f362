"""Policy values at run time: literals, or expressions evaluated when the policy applies."""

from __future__ import annotations

from typing import Any, Mapping

from mistral_lite.engine.errors import TaskFailure
from mistral_lite.engine.step import Step


def count(step: Step, wf_ex: Mapping[str, Any], task_ex: Mapping[str, Any], value: Any, what: str,
          extra: Mapping[str, Any] | None = None) -> int:
    """A whole number ≥ 0 (0 when the policy is not set)."""
    if value is None or value is False:
        return 0
    result = step.evaluate(value, wf_ex, inbound=task_ex.get("in_context"), extra=extra, task_ex=task_ex,
                           what=f"the {what} policy")
    if isinstance(result, bool) or not isinstance(result, (int, float)) or result < 0:
        raise TaskFailure(f"Invalid data type in {what} policy: expected a whole number ≥ 0, got {result!r}")
    return int(result)


def flag(step: Step, wf_ex: Mapping[str, Any], task_ex: Mapping[str, Any], value: Any, what: str,
         extra: Mapping[str, Any] | None = None) -> bool:
    if value is None:
        return False
    result = step.evaluate(value, wf_ex, inbound=task_ex.get("in_context"), extra=extra, task_ex=task_ex,
                           what=f"the {what} policy")
    return bool(result)
