"""Action signatures: which parameters an action takes, and Mistral's input check."""

from __future__ import annotations

import inspect
import json
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from mistral_lite.lang.inputs import mismatch_message
from mistral_lite.lang.specs import InputParam


@dataclass(frozen=True)
class ActionSignature:
    """The parameters of an action, in declaration order."""

    params: tuple[InputParam, ...]
    accepts_kwargs: bool = False  # **kwargs: any input is accepted, nothing is checked
    is_async: bool = False  # the result is delivered later over the API
    description: str = ""

    @property
    def input_string(self) -> str:
        """Mistral's one-line form: 'output, delay=0' (plus '**kwargs')."""
        parts = [_param_string(p) for p in self.params]
        if self.accepts_kwargs:
            parts.append("**kwargs")
        return ", ".join(parts)


def _param_string(param: InputParam) -> str:
    if not param.has_default:
        return param.name
    try:
        return f"{param.name}={json.dumps(param.default)}"
    except (TypeError, ValueError):
        # A Python default with no JSON form (an object): show it as Python does.
        return f"{param.name}={param.default!r}"


def signature_of(func: Any, *, skip_first: bool = False) -> tuple[tuple[InputParam, ...], bool]:
    """The keyword parameters of a callable (a class means its constructor) and whether it takes **kwargs.

    skip_first drops a leading positional-only parameter (the runtime
    environment our native actions receive).
    """
    params: list[InputParam] = []
    accepts_kwargs = False
    found = list(inspect.signature(func).parameters.values())
    if skip_first and found and found[0].kind is inspect.Parameter.POSITIONAL_ONLY:
        found = found[1:]
    for p in found:
        if p.kind is inspect.Parameter.VAR_KEYWORD:
            accepts_kwargs = True
        elif p.kind in (inspect.Parameter.POSITIONAL_OR_KEYWORD, inspect.Parameter.KEYWORD_ONLY):
            has_default = p.default is not inspect.Parameter.empty
            params.append(InputParam(p.name, has_default, p.default if has_default else None))
        # *args and positional-only parameters cannot be given by name: input never reaches them.
    return tuple(params), accepts_kwargs


def check_parameters(
    name: str, class_name: str | None, signature: ActionSignature, params: Mapping[str, Any] | None
) -> str | None:
    """None if params fit the signature, else Mistral's 'Invalid input [...]' message."""
    if signature.accepts_kwargs:
        return None
    given = list((params or {}).keys())
    declared = {p.name for p in signature.params}
    missing = [p.name for p in signature.params if not p.has_default and p.name not in given]
    unexpected = [k for k in given if k not in declared]
    if not missing and not unexpected:
        return None
    return mismatch_message(name, class_name, missing, unexpected)
