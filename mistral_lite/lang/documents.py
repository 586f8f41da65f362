"""Workflow documents: `version: '2.0'` plus one or more named workflows.

This is the first layer of the language: it splits a document into its
workflows and checks what every later layer relies on. Full key-by-key
validation of each workflow builds on it.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass
from typing import Any

import yaml

from mistral_lite.lang.errors import DslError
from mistral_lite.lang.yaml_source import Source, load

ACCEPTED_VERSIONS = ("2.0", 2.0, "2", 2)
UUID_RE = re.compile(r"^[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}$")


@dataclass(frozen=True)
class WorkflowSource:
    """One workflow of a document, with what the API shows about it."""

    name: str
    spec: dict[str, Any]
    definition: str
    line: int | None

    @property
    def tags(self) -> list[str]:
        return list(self.spec.get("tags") or [])

    def interface(self) -> dict[str, Any]:
        return interface(self.spec)


def input_string(params: list[Any] | None) -> str:
    """Mistral's one-line signature of declared inputs, e.g. 'name, greeting="Hello"'."""
    parts = []
    for param in params or []:
        if isinstance(param, dict):
            parts.extend(f"{k}={json.dumps(v)}" for k, v in param.items())
        else:
            parts.append(str(param))
    return ", ".join(parts)


def interface(spec: dict[str, Any]) -> dict[str, Any]:
    """The `interface` field: declared inputs and the names of outputs."""
    output = spec.get("output")
    return {"input": list(spec.get("input") or []), "output": list(output) if isinstance(output, dict) else []}


def check_version(source: Source) -> None:
    if not isinstance(source.data, dict):
        raise DslError("a document must be a mapping with 'version' and its items", line=source.line_of(()))
    if "version" not in source.data:
        raise DslError("'version' is a required property; use version: '2.0'", line=source.line_of(()))
    if source.data["version"] not in ACCEPTED_VERSIONS:
        raise DslError(
            f"unsupported version {source.data['version']!r}; only '2.0' is supported",
            line=source.line_of(("version",)),
            path=("version",),
        )


def check_name(name: Any, source: Source, kind: str = "Workflow") -> str:
    line = source.line_of((name,))
    if not isinstance(name, str) or not name:
        raise DslError(f"{kind} name must be a non-empty string, got {name!r}", line=line)
    if UUID_RE.match(name):
        raise DslError(f"{kind} name cannot be in the format of UUID: {name}", line=line, path=(name,))
    if " " in name:
        raise DslError(f"Name '{name}' must not contain spaces", line=line, path=(name,))
    return name


def parse_workflows(text: str) -> list[WorkflowSource]:
    """Split a workflow document into its workflows, or raise DslError."""
    source = load(text)
    check_version(source)
    names = [k for k in source.data if k != "version"]
    if not names:
        raise DslError("the document defines no workflow", line=source.line_of(()))
    workflows = []
    for name in names:
        check_name(name, source)
        spec = source.data[name]
        if not isinstance(spec, dict):
            raise DslError(
                f"workflow '{name}' must be a mapping, got {type(spec).__name__}",
                line=source.line_of((name,)),
                path=(name,),
            )
        _check_input(name, spec, source)
        definition = text if len(names) == 1 else _single_definition(source.data["version"], name, spec)
        workflows.append(WorkflowSource(name, spec, definition, source.line_of((name,))))
    return workflows


def _check_input(name: str, spec: dict[str, Any], source: Source) -> None:
    params = spec.get("input")
    if params is None:
        return
    path = (name, "input")
    if not isinstance(params, list):
        raise DslError("'input' must be a list of names or {name: default}", line=source.line_of(path), path=path)
    seen: set[str] = set()
    for i, param in enumerate(params):
        if isinstance(param, dict) and len(param) == 1:
            param_name = next(iter(param))
        elif isinstance(param, str):
            param_name = param
        else:
            raise DslError(
                f"input item {param!r} must be a name or a mapping of one name to its default",
                line=source.line_of(path + (i,)),
                path=path,
            )
        if param_name in seen:
            raise DslError(f"input '{param_name}' is declared twice", line=source.line_of(path + (i,)), path=path)
        seen.add(param_name)


def _single_definition(version: Any, name: str, spec: dict[str, Any]) -> str:
    # Several workflows in one document: each is stored as its own document.
    return yaml.safe_dump({"version": version, name: spec}, sort_keys=False, default_flow_style=False)
