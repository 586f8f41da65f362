"""What workflow, action and workbook definitions have in common: scope, lookup, rows."""

from __future__ import annotations

import asyncio
import hashlib
from typing import Any, Callable, Iterable, TypeVar

from mistral_lite import collector, logs
from mistral_lite.errors import Conflict, InvalidInput
from mistral_lite.lang.documents import UUID_RE, ActionSource, WorkflowSource, parse_stored, remember_spec, spec_known
from mistral_lite.lang.errors import DslWarning
from mistral_lite.lang.inputs import signature
from mistral_lite.lang.lint import enforce
from mistral_lite.node import Node
from mistral_lite.project import DEFAULT_PROJECT
from mistral_lite import commands as cmd
from mistral_lite.store import queries

log = logs.get(__name__)
T = TypeVar("T")
# Characters from which a document's parse pauses the garbage collector (about 4,000 tasks).
LARGE_DOCUMENT = 200_000
# Tasks from which a running execution's spec is parsed ahead, at start.
LARGE_WORKFLOW = 1000

SCOPES = ("private", "public")
WORKFLOWS = "workflow_definitions"
ACTIONS = "action_definitions"
WORKBOOKS = "workbooks"
# How Mistral names each table in its duplicate-entry message.
MODEL_NAMES = {WORKFLOWS: "WorkflowDefinition", ACTIONS: "Action", WORKBOOKS: "WorkbookDefinition"}


async def parse_off_loop(parse: Callable[..., T], text: str, *args: Any) -> T:
    """Parse and validate a document on a thread: a large one takes seconds, and the node keeps serving.

    For a large document the garbage collector is paused meanwhile (see collector); it is paused and
    resumed here, on the event loop, so no engine step is half done when the survivors are frozen."""
    if len(text) < LARGE_DOCUMENT:
        return await asyncio.to_thread(parse, text, *args)
    with collector.paused():
        return await asyncio.to_thread(parse, text, *args)


async def parse_document(node: Node, parse: Callable[..., T], text: str) -> tuple[T, list[DslWarning]]:
    """Parse an uploaded document with its warnings: each is logged; under strict-validation the first
    refuses the document (a DslError, answered 400 naming key and line)."""
    warnings: list[DslWarning] = []
    parsed = await parse_off_loop(parse, text, node.config.max_nesting_depth, warnings)
    for warning in warnings:
        log.warning("definition warning", warning=warning.message, line=warning.line, **warning.where)
    enforce(warnings, node.config.strict)
    return parsed, warnings


async def prepare_spec(definition: dict[str, Any] | None) -> None:
    """Parse a stored workflow on a thread if the engine's spec cache lacks it (after a restart, or once
    evicted), so that starting an execution of a large workflow does not parse it on the event loop."""
    if definition is not None:
        await _prepare(definition["name"], definition.get("spec"))


async def prepare_running_specs(executions: Iterable[dict[str, Any]]) -> None:
    """After a restart: the specs of loaded executions of large workflows, parsed on a thread, so
    that their next step does not parse them on the event loop (small ones parse in no time)."""
    for wf_ex in list(executions):
        if len((wf_ex.get("spec") or {}).get("tasks") or ()) >= LARGE_WORKFLOW:
            await _prepare(wf_ex["workflow_name"], wf_ex["spec"])


async def _prepare(name: str, raw: dict[str, Any] | None) -> None:
    if raw is None or spec_known(name, raw):
        return
    spec = await asyncio.to_thread(parse_stored, name, raw)
    remember_spec(name, raw, spec)


def check_scope(scope: str) -> str:
    if scope not in SCOPES:
        raise InvalidInput(f"Invalid scope '{scope}': must be one of {', '.join(SCOPES)}")
    return scope


async def insert_new(node: Node, table: str, row: dict[str, Any], duplicate_error: Conflict) -> dict[str, Any]:
    """Write one new row through the log; a row with its unique key already there is `duplicate_error`."""
    try:
        await node.submit([cmd.insert(table, row)])
    except Conflict:
        raise duplicate_error from None
    return row


def duplicate(table: str, name: str, namespace: str) -> Conflict:
    return Conflict(
        f"Duplicate entry for {MODEL_NAMES[table]} ['name', 'namespace', 'project_id']: {name}, {namespace}, None"
    )


def find(conn, catalog, table: str, identifier: str, namespace: str) -> dict[str, Any] | None:
    """A definition by id, or by name within the namespace."""
    if UUID_RE.match(identifier):
        row = queries.get_row(conn, catalog, table, identifier)
        if row is not None:
            return row
    return queries.find_row(conn, catalog, table, {"name": identifier, "namespace": namespace})


def rows_by_name(conn, catalog, table: str, names: list[str], namespace: str) -> dict[str, dict[str, Any]]:
    """Existing rows of the given names in the namespace."""
    found = queries.list_page(
        conn, catalog, table,
        queries.PageQuery(filters=(queries.Filter("name", "in", names), queries.Filter("namespace", "eq", namespace))),
    )
    return {row["name"]: row for row in found}


def checksum(text: str) -> str:
    return hashlib.md5(text.encode("utf-8")).hexdigest()


def workflow_values(source: WorkflowSource, scope: str) -> dict[str, Any]:
    return {
        "definition": source.definition,
        "spec": source.raw,
        "checksum": checksum(source.definition),
        "tags": list(source.spec.tags),
        "scope": scope,
    }


def action_values(source: ActionSource, scope: str) -> dict[str, Any]:
    return {
        "definition": source.definition,
        "spec": source.raw,
        "description": source.spec.description,
        "input": signature(source.spec.input),
        "tags": list(source.spec.tags),
        "scope": scope,
    }


def new_row(node: Node, name: str, namespace: str, values: dict[str, Any], **extra: Any) -> dict[str, Any]:
    return {
        "id": node.new_id(),
        "name": name,
        "namespace": namespace,
        "project_id": DEFAULT_PROJECT,
        "created_at": node.now(),
        "updated_at": None,
        **values,
        **extra,
    }


async def insert_all(node: Node, table: str, sources: list[Any], namespace: str,
                     values: Callable[[Any], dict[str, Any]]) -> list[dict[str, Any]]:
    """Create one row per source, all or none; any name already taken is a 409."""
    names = [source.name for source in sources]
    existing = await node.read(rows_by_name, table, names, namespace)
    if existing:
        raise duplicate(table, next(iter(existing)), namespace)
    rows = [new_row(node, source.name, namespace, values(source), is_system=False) for source in sources]
    try:
        await node.submit([cmd.insert(table, row) for row in rows])
    except Conflict:  # created concurrently by another request
        raise duplicate(table, names[0], namespace) from None
    return rows


async def update_all(node: Node, table: str, sources: list[Any], namespace: str,
                     values: Callable[[Any], dict[str, Any]], identifier: str | None,
                     not_found: Callable[[str, str], Exception]) -> list[dict[str, Any]]:
    """Replace existing definitions, matched by name (or the one id given), in one entry."""
    if identifier is not None and len(sources) != 1:
        raise InvalidInput(f"Only one {MODEL_NAMES[table]} must be in the definition when updating by id; "
                           f"found {len(sources)}")
    now = node.now()
    changes, updated = [], []
    for source in sources:
        current = await node.read(find, table, identifier or source.name, namespace)
        if current is None:
            raise not_found(identifier or source.name, namespace)
        new_values = {**values(source), "name": source.name, "updated_at": now}
        changes.append(cmd.update(table, current["id"], new_values))
        updated.append({**current, **new_values})
    await node.submit(changes)
    return updated
