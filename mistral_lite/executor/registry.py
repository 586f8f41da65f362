"""Action names to implementations: the built-in std.* actions and custom Python actions."""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Mapping
from dataclasses import dataclass
from typing import Any, Protocol

from mistral_lite import logs
from mistral_lite.actions.system import SYSTEM_ACTIONS, SystemAction
from mistral_lite.executor import email_action, http_action, std_actions
from mistral_lite.executor.env import ActionEnv
from mistral_lite.executor.outcome import Outcome
from mistral_lite.executor.python_actions import PythonAction
from mistral_lite.executor.signature import ActionSignature

log = logs.get(__name__)

NativeImpl = Callable[..., Awaitable[Outcome]]

# name -> (implementation, the class Mistral names in its input errors)
STD_IMPLEMENTATIONS: dict[str, tuple[NativeImpl, str]] = {
    "std.noop": (std_actions.noop, "mistral.actions.std_actions.NoOpAction"),
    "std.echo": (std_actions.echo, "mistral.actions.std_actions.EchoAction"),
    "std.fail": (std_actions.fail, "mistral.actions.std_actions.FailAction"),
    "std.sleep": (std_actions.sleep, "mistral.actions.std_actions.SleepAction"),
    "std.test_dict": (std_actions.test_dict, "mistral.actions.std_actions.TestDictAction"),
    "std.async_noop": (std_actions.async_noop, "mistral.actions.std_actions.AsyncNoOpAction"),
    "std.http": (http_action.http, "mistral.actions.std_actions.HTTPAction"),
    "std.mistral_http": (http_action.mistral_http, "mistral.actions.std_actions.MistralHTTPAction"),
    "std.email": (email_action.email, "mistral.actions.std_actions.SendEmailAction"),
}


class RegisteredAction(Protocol):
    """What the runner needs of any action."""

    name: str

    @property
    def class_name(self) -> str: ...

    @property
    def signature(self) -> ActionSignature: ...

    async def invoke(self, env: ActionEnv, params: Mapping[str, Any]) -> Outcome: ...


@dataclass(frozen=True)
class NativeAction:
    """A built-in action: an async function of (env, /, **input) returning an Outcome."""

    name: str
    class_name: str
    signature: ActionSignature
    impl: NativeImpl

    async def invoke(self, env: ActionEnv, params: Mapping[str, Any]) -> Outcome:
        """Run the action with its input as keyword arguments."""
        return await self.impl(env, **params)


def native_action(system: SystemAction) -> NativeAction:
    """The built-in implementation of a catalogue entry; its signature is the catalogue's."""
    impl, class_name = STD_IMPLEMENTATIONS[system.name]
    signature = ActionSignature(system.params, False, system.is_async, system.description)
    return NativeAction(system.name, class_name, signature, impl)


class ActionRegistry:
    """All actions an executor can run, by name."""

    def __init__(self, custom: Mapping[str, Any] | None = None) -> None:
        self._actions: dict[str, RegisteredAction] = {
            name: native_action(system) for name, system in SYSTEM_ACTIONS.items()
        }
        for name, target in (custom or {}).items():
            if name in self._actions:
                # std.* behaviour is part of the language: a plug-in cannot replace it.
                log.warning("custom action ignored: the name is a built-in action", action=name)
                continue
            self._actions[name] = PythonAction(name, target)

    def get(self, name: str) -> RegisteredAction | None:
        """The action registered under name, if any."""
        return self._actions.get(name)

    def names(self) -> list[str]:
        """All registered names, sorted."""
        return sorted(self._actions)
