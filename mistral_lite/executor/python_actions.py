"""Custom Python actions: discovery through entry points, and running mistral_lib-style classes unchanged.

A custom action is either
* a class shaped like `mistral_lib.actions.Action`: constructed with the input
  as keyword arguments, then `run(context)` returns a value or a Result
  (`data`, `error`, `cancel`); raising means error; `is_sync()` False means
  the real result comes later over the API; or
* a plain function called with the input as keyword arguments.

mistral_lib need not be installed: a Result is recognised by its attributes.
Blocking code (constructor, run, plain functions) runs on the executor's
thread pool; `async def run` and async functions are awaited on the loop.
"""

from __future__ import annotations

import inspect
import json
from collections.abc import Awaitable, Iterable, Mapping
from dataclasses import dataclass
from importlib.metadata import EntryPoint, entry_points
from typing import Any

from mistral_lite import logs
from mistral_lite.actions.system import SYSTEM_ACTIONS
from mistral_lite.executor.context import mistral_lib_context
from mistral_lite.executor.env import ActionEnv
from mistral_lite.executor.outcome import Outcome, error_text
from mistral_lite.executor.signature import ActionSignature, signature_of

MISTRAL_GROUP = "mistral.actions"
ENTRY_POINT_GROUP = "mistral_lite.actions"
# Mistral's group first, so a plug-in package written for Mistral works after `pip install` alone;
# ours last, so it wins a name both declare.
ENTRY_POINT_GROUPS = (MISTRAL_GROUP, ENTRY_POINT_GROUP)

log = logs.get(__name__)


def installed_entry_points() -> list[EntryPoint]:
    """Action entry points of both groups, Mistral's own std.* ones left out.

    Mistral (when installed beside us) declares its std.* actions in its group;
    those names are built in here, so they are never imported."""
    found = [ep for ep in entry_points(group=MISTRAL_GROUP) if ep.name not in SYSTEM_ACTIONS]
    return found + list(entry_points(group=ENTRY_POINT_GROUP))


def discover(found: Iterable[EntryPoint] | None = None) -> dict[str, Any]:
    """Load the actions registered in the entry point groups: name -> class or function.

    An entry point that fails to load is logged and skipped: one broken
    plug-in must not stop the service. A later entry point of the same name
    replaces an earlier one (said in the log when they point at different code).
    """
    if found is None:
        found = installed_entry_points()
    actions: dict[str, Any] = {}
    values: dict[str, str] = {}
    for ep in found:
        try:
            target = ep.load()
        except Exception as e:  # noqa: BLE001 - ImportError, AttributeError, or whatever the module raises
            log.warning("action entry point failed to load", action=ep.name, value=ep.value, group=ep.group,
                        error=str(e))
            continue
        if not callable(target):
            log.warning("action entry point is not a class or function", action=ep.name, value=ep.value)
            continue
        if ep.name in values and values[ep.name] != ep.value:
            log.warning("action declared twice; the later entry point wins", action=ep.name, replaced=values[ep.name],
                        value=ep.value, group=ep.group)
        actions[ep.name], values[ep.name] = target, ep.value
    return actions


@dataclass(frozen=True)
class PythonAction:
    """A registered custom action."""

    name: str
    target: Any  # a mistral_lib-style class, or a function

    @property
    def class_name(self) -> str:
        """module.Name, as Mistral shows it in input errors."""
        return qualified_name(self.target)

    @property
    def signature(self) -> ActionSignature:
        """Input parameters of the constructor (class) or the function."""
        params, accepts_kwargs = signature_of(self.target)
        return ActionSignature(params, accepts_kwargs, _declares_async(self.target),
                               inspect.getdoc(self.target) or "")

    async def invoke(self, env: ActionEnv, params: Mapping[str, Any]) -> Outcome:
        """Run the action; exceptions raised on the loop are the caller's to report."""
        if not inspect.isclass(self.target) and inspect.iscoroutinefunction(self.target):
            return outcome_of(await self.target(**params), is_sync=True)
        started = await env.run_blocking(_start, self.name, self.target, dict(params),
                                         mistral_lib_context(env.context))
        if isinstance(started, Outcome):
            return started
        pending, is_sync = started  # `async def run`: its body runs on the loop
        return outcome_of(await pending, is_sync)


def outcome_of(value: Any, is_sync: bool) -> Outcome:
    """Interpret what run() returned: a plain value, or a Result-like object. Payloads are made JSON-safe."""
    if not is_result(value):
        return Outcome.success(json_safe(value)) if is_sync else Outcome.running()
    if _result_is_error(value):
        # Mistral completes even an async action at once when it reports an error.
        return Outcome.error(json_safe(value.error))
    if not is_sync:
        return Outcome.running()
    if value.cancel:
        # mistral_lib's Result.to_dict(): anything not a success carries `error`.
        return Outcome.cancelled(json_safe(value.error))
    return Outcome.success(json_safe(value.data))


def json_safe(value: Any) -> Any:
    """value itself if JSON can hold it, else a copy with the rest turned into JSON values.

    Results are stored as JSON; like Mistral's to_json_str fallback, what JSON
    cannot hold (sets, datetimes, objects) becomes a list or its str().
    """
    try:
        json.dumps(value)
        return value
    except (TypeError, ValueError):
        return json.loads(json.dumps(value, default=_json_fallback))


def _json_fallback(value: Any) -> Any:
    if isinstance(value, (set, frozenset)):
        return list(value)
    if isinstance(value, bytes):
        return value.decode("utf-8", errors="replace")
    return str(value)


def qualified_name(target: Any) -> str:
    """module.QualifiedName of a class or function."""
    return f"{getattr(target, '__module__', '?')}.{getattr(target, '__qualname__', type(target).__name__)}"


def is_result(value: Any) -> bool:
    """Duck-typed mistral_lib.actions.Result: data, error and cancel attributes."""
    return all(hasattr(value, a) for a in ("data", "error", "cancel"))


def raised_message(name: str, action_execution_id: str | None, error: BaseException) -> str:
    """The ERROR payload for an action that raised."""
    msg = error_text(error)
    return f"The action raised an exception [action={name}, action_ex_id={action_execution_id}, msg='{msg}']"


def _result_is_error(result: Any) -> bool:
    is_error = getattr(result, "is_error", None)
    if callable(is_error):
        return bool(is_error())
    return result.error is not None and not result.cancel


def _start(name: str, target: Any, params: dict[str, Any], context: Any) -> Outcome | tuple[Awaitable[Any], bool]:
    """On a pool thread: construct and run the action.

    Returns its outcome, or (awaitable, is_sync) when run() is a coroutine
    the loop must finish. The outcome is made here, off the loop, because
    making a large result JSON-safe costs time. Catches BaseException: a
    SystemExit raised by an action must not travel through the future into
    the event loop.
    """
    action_execution_id = context.execution.action_execution_id
    is_sync = True
    try:
        if inspect.isclass(target):
            try:
                action = target(**params)
            except BaseException as e:  # noqa: BLE001 - see the docstring
                return Outcome.error(
                    f"Failed to initialize action {name} [class={qualified_name(target)}]: {error_text(e)}"
                )
            is_sync = bool(action.is_sync()) if hasattr(action, "is_sync") else True
            value = action.run(context)
        else:
            value = target(**params)
        if inspect.isawaitable(value):
            return value, is_sync
        return outcome_of(value, is_sync)
    except BaseException as e:  # noqa: BLE001 - see the docstring
        return Outcome.error(raised_message(name, action_execution_id, e))


def _declares_async(target: Any) -> bool:
    """Whether a class says is_sync() False, asked before any input exists.

    is_sync() is an instance method, so it is called on a bare instance made
    without the constructor; one that needs constructor state counts as sync
    here (run time asks the real instance).
    """
    is_sync = getattr(target, "is_sync", None) if inspect.isclass(target) else None
    if not callable(is_sync):
        return False
    try:
        return not is_sync(target.__new__(target))
    except Exception:  # noqa: BLE001 - any failure means: not known to be async
        return False
