"""Where an action runs: the identifiers an action may know about.

`ActionContext` is what the engine hands the executor. Custom Python actions
written for mistral_lib expect a different shape (`context.execution.*`,
`context.security.*`); `mistral_lib_context` builds that shape without
needing mistral_lib installed.
"""

from __future__ import annotations

from dataclasses import dataclass
from types import SimpleNamespace


@dataclass(frozen=True)
class ActionContext:
    """What an action may know about where it runs."""

    action_execution_id: str | None
    task_execution_id: str | None = None
    workflow_execution_id: str | None = None
    workflow_name: str | None = None
    task_name: str | None = None
    callback_url: str | None = None  # e.g. http://127.0.0.1:8989/v2/action_executions/<id>


# mistral_lib.actions.context.SecurityContext's fields; there is no identity
# service here, so they are all None, but actions reading them must not fail.
_SECURITY_FIELDS = (
    "auth_uri", "auth_cacert", "insecure", "service_catalog", "region_name", "is_trust_scoped",
    "redelivered", "expires_at", "trust_id", "is_target", "project_id", "project_name",
    "user_name", "auth_token",
)


def mistral_lib_context(context: ActionContext) -> SimpleNamespace:
    """The `context` argument a mistral_lib action's `run(context)` expects."""
    execution = SimpleNamespace(
        workflow_execution_id=context.workflow_execution_id,
        task_execution_id=context.task_execution_id,
        action_execution_id=context.action_execution_id,
        workflow_name=context.workflow_name,
        task_name=context.task_name,
        callback_url=context.callback_url,
    )
    security = SimpleNamespace(**dict.fromkeys(_SECURITY_FIELDS))
    return SimpleNamespace(execution=execution, security=security)
