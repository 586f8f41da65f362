"""The action executor: runs std.* actions and custom Python actions, answering with an Outcome.

The engine uses `Executor.run(name, input, ActionContext(...), timeout)`;
`check_input` and `signature` serve validation and the API.
"""

from mistral_lite.executor.context import ActionContext
from mistral_lite.executor.env import ActionLimits
from mistral_lite.executor.outcome import CANCELLED, ERROR, RUNNING, SUCCESS, Outcome
from mistral_lite.executor.runner import Executor
from mistral_lite.executor.signature import ActionSignature

__all__ = ["CANCELLED", "ERROR", "RUNNING", "SUCCESS", "ActionContext", "ActionLimits", "ActionSignature", "Executor", "Outcome"]
