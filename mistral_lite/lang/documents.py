"""Documents as uploaded: workflow files, workbooks and ad-hoc action files.

Each parse function validates the whole text and returns what the registry
stores: per item its name, its raw mapping (kept to rebuild the spec later),
its spec object and its stored definition text.
"""

from __future__ import annotations

import re
from collections import OrderedDict
from dataclasses import dataclass, replace
from typing import Any, Iterable

import yaml

from mistral_lite.lang.errors import DslWarning
from mistral_lite.lang.actions import check_base_cycles, parse_action
from mistral_lite.lang.inputs import signature
from mistral_lite.lang.place import Place, describe
from mistral_lite.lang.specs import ActionSpec, WorkbookSpec, WorkflowSpec
from mistral_lite.lang.subworkflows import check_subworkflow_inputs
from mistral_lite.lang.values import description, tags
from mistral_lite.lang.workflows import parse_workflow
from mistral_lite.lang.yaml_source import load
from mistral_lite.storable import DEFAULT_MAX_DEPTH, control_character

ACCEPTED_VERSIONS = ("2.0", 2.0, "2", 2)
UUID_RE = re.compile(r"^[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}$")
WORKBOOK_KEYS = ("version", "name", "description", "tags", "workflows", "actions")


@dataclass(frozen=True)
class WorkflowSource:
    name: str
    raw: dict[str, Any]
    spec: WorkflowSpec
    definition: str

    def input_string(self) -> str:
        return signature(self.spec.input)


@dataclass(frozen=True)
class ActionSource:
    name: str
    raw: dict[str, Any]
    spec: ActionSpec
    definition: str


@dataclass(frozen=True)
class WorkbookSource:
    name: str
    raw: dict[str, Any]
    spec: WorkbookSpec
    definition: str
    workflows: tuple[WorkflowSource, ...]
    actions: tuple[ActionSource, ...]


def _document(text: str, max_depth: int, warnings: list[DslWarning] | None) -> Place:
    source = load(text, max_depth)
    root = Place.root(source, warnings)
    if not isinstance(source.data, dict):
        raise root.error(f"a document must be a mapping with 'version' and its items, got {describe(source.data)}")
    if "version" not in source.data:
        raise root.error("'version' is a required property; start the document with version: '2.0'")
    if source.data["version"] not in ACCEPTED_VERSIONS:
        raise root.child("version").error(
            f"unsupported version {source.data['version']!r}; only '2.0' is supported"
        )
    return root


def check_name(place: Place, name: Any, kind: str) -> str:
    if not isinstance(name, str) or not name:
        raise place.error(f"{kind} name must be a non-empty string, got {describe(name)}")
    if UUID_RE.match(name):
        raise place.error(f"{kind} name cannot be in the format of UUID: {name}")
    if " " in name:
        raise place.error(f"Name '{name}' must not contain spaces")
    control = control_character(name)
    if control is not None:
        raise place.error(f"{kind} name must not contain control characters, found {control}")
    return name


def _standalone(version: Any, name: str, raw: dict[str, Any]) -> str:
    # An item cut out of a larger document is stored as a document of its own.
    return yaml.safe_dump({"version": version, name: raw}, sort_keys=False, default_flow_style=False)


def parse_workflows(
    text: str, max_depth: int = DEFAULT_MAX_DEPTH, warnings: list[DslWarning] | None = None
) -> list[WorkflowSource]:
    """A workflow file: `version` plus one or more workflows; what is accepted but doubtful goes to `warnings`."""
    root = _document(text, max_depth, warnings)
    names = [k for k in root.value if k != "version"]
    if not names:
        raise root.error("the document defines no workflow")
    sources = []
    for name in names:
        place = root.child(name, "workflow")
        check_name(place, name, "Workflow")
        spec = parse_workflow(place)
        definition = text if len(names) == 1 else _standalone(root.value["version"], name, place.value)
        sources.append(WorkflowSource(name, place.value, spec, definition))
    check_subworkflow_inputs({s.name: s.spec for s in sources}, {s.name: root.child(s.name, "workflow") for s in sources})
    return sources


def parse_actions(
    text: str, max_depth: int = DEFAULT_MAX_DEPTH, warnings: list[DslWarning] | None = None
) -> list[ActionSource]:
    """An ad-hoc action file: `version` plus one or more actions; each stores the whole text."""
    root = _document(text, max_depth, warnings)
    names = [k for k in root.value if k != "version"]
    if not names:
        raise root.error("the document defines no action")
    places = {name: root.child(name, "action") for name in names}
    specs = {}
    for name, place in places.items():
        check_name(place, name, "Action")
        specs[name] = parse_action(place)
    check_base_cycles(specs, places)
    return [ActionSource(name, places[name].value, specs[name], text) for name in names]


def parse_workbook(
    text: str, max_depth: int = DEFAULT_MAX_DEPTH, warnings: list[DslWarning] | None = None
) -> WorkbookSource:
    """A workbook: a name, and workflows and actions saved as `<name>.<item>`."""
    root = _document(text, max_depth, warnings)
    root.check_keys(WORKBOOK_KEYS, "a workbook")
    name = check_name(root.require("name", "a workbook"), root.value.get("name"), "Workbook")
    root = replace(root, labels={"workbook": name})
    version = root.value["version"]

    workflow_places = _items(root, "workflows", "workflow")
    action_places = _items(root, "actions", "action")

    workflows: dict[str, WorkflowSpec] = {}
    for wf_name, place in workflow_places.items():
        check_name(place, wf_name, "Workflow")
        workflows[wf_name] = parse_workflow(place)
    check_subworkflow_inputs(workflows, workflow_places, prefix=f"{name}.")
    actions: dict[str, ActionSpec] = {}
    for action_name, place in action_places.items():
        check_name(place, action_name, "Action")
        actions[action_name] = parse_action(place)
    check_base_cycles(actions, action_places, prefix=f"{name}.")

    spec = WorkbookSpec(
        name=name,
        workflows=workflows,
        actions=actions,
        description=description(root.child("description")) if "description" in root.value else None,
        tags=tags(root.child("tags")) if "tags" in root.value else (),
    )
    def full(short: str) -> str:
        return f"{name}.{short}"

    def definition_of(key: str, short: str, raw: dict[str, Any]) -> str:
        return workbook_section(text, key, short) or _standalone(version, full(short), raw)

    return WorkbookSource(
        name=name,
        raw=root.value,
        spec=spec,
        definition=text,
        workflows=tuple(
            WorkflowSource(full(n), p.value, replace(workflows[n], name=full(n)), definition_of("workflows", n, p.value))
            for n, p in workflow_places.items()
        ),
        actions=tuple(
            ActionSource(full(n), p.value, replace(actions[n], name=full(n)), definition_of("actions", n, p.value))
            for n, p in action_places.items()
        ),
    )


def workbook_section(text: str, section: str, item: str) -> str | None:
    """The lines of one workflow or action of a workbook as the author wrote them, dedented to its own
    `item:` line (what Mistral stores and shows as that workflow's or action's definition); None when the
    text is not laid out as one item per block (flow style), so the caller falls back to a dump."""
    lines = text.splitlines()
    start = next((i for i, line in enumerate(lines) if line.strip() == f"{section}:"), None)
    if start is None:
        return None
    head = next((i for i in range(start + 1, len(lines)) if lines[i].strip() == f"{item}:"), None)
    if head is None:
        return None
    indent = len(lines[head]) - len(lines[head].lstrip())
    kept = [lines[head].lstrip()]
    for line in lines[head + 1:]:
        depth = len(line) - len(line.lstrip())
        if not line.strip():
            kept.append("")
        elif line.lstrip().startswith("#"):
            kept.append(line[indent:] if depth >= indent else line)
        elif depth > indent:
            kept.append(line[indent:])
        else:
            break
    return "\n".join(kept).rstrip() + "\n"


def _items(root: Place, key: str, label: str) -> dict[str, Place]:
    """A workbook's `workflows` or `actions`: name → place of each item."""
    if root.value.get(key) is None:
        return {}
    section = root.child(key)
    section.mapping(key)
    return {name: section.child(name, label) for name in section.value}


# Parsed specs by the identity of their stored mapping, which is never changed
# in place: every execution of a definition shares one parse.
_SPECS: OrderedDict[int, tuple[dict[str, Any], str, WorkflowSpec]] = OrderedDict()
_SPECS_LIMIT = 256


def workflow_spec(name: str, raw: dict[str, Any]) -> WorkflowSpec:
    """Rebuild the spec of a stored workflow (no line numbers: it was validated at upload)."""
    hit = _SPECS.get(id(raw))
    if hit is not None and hit[0] is raw and hit[1] == name:
        _SPECS.move_to_end(id(raw))
        return hit[2]
    spec = parse_stored(name, raw)
    remember_spec(name, raw, spec)
    return spec


def parse_stored(name: str, raw: dict[str, Any]) -> WorkflowSpec:
    """The spec of a stored workflow, parsed without the cache (so any thread may call it)."""
    return parse_workflow(Place(raw, None, (name,), {"workflow": name}))


def spec_known(name: str, raw: dict[str, Any]) -> bool:
    hit = _SPECS.get(id(raw))
    return hit is not None and hit[0] is raw and hit[1] == name


def remember_specs(sources: Iterable[WorkflowSource]) -> None:
    """Specs parsed at upload serve the executions of their stored mapping (the same object), so the
    engine does not parse a large definition again, on the event loop, when its first execution starts."""
    for source in sources:
        remember_spec(source.name, source.raw, source.spec)


def remember_spec(name: str, raw: dict[str, Any], spec: WorkflowSpec) -> None:
    _SPECS[id(raw)] = (raw, name, spec)
    _SPECS.move_to_end(id(raw))
    if len(_SPECS) > _SPECS_LIMIT:
        _SPECS.popitem(last=False)


def action_spec(name: str, raw: dict[str, Any]) -> ActionSpec:
    return parse_action(Place(raw, None, (name,), {"action": name}))
