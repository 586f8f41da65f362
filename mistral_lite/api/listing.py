"""Collection listing as Mistral does it: limit, marker, sort_keys, sort_dirs, fields, filters, next."""

from __future__ import annotations

from dataclasses import dataclass, replace
from typing import Any, Callable, Iterable
from urllib.parse import urlencode

from aiohttp import web

from mistral_lite.api.context import node_of
from mistral_lite.api.params import unknown_arguments
from mistral_lite.errors import InvalidInput, NotFound
from mistral_lite.store import queries
from mistral_lite.store.queries import Filter, MarkerNotFound, PageQuery

PAGING_PARAMS = ("limit", "marker", "sort_keys", "sort_dirs", "fields", "all_projects", "project_id")
OPERATOR_PREFIXES = ("eq", "neq", "gt", "gte", "lt", "lte", "in", "nin", "has")


@dataclass(frozen=True)
class Collection:
    """How one resource is listed: its key, its fields and which of them are columns."""

    key: str
    fields: tuple[str, ...]
    # API filter name → column; filtering and sorting only work on columns.
    columns: dict[str, str]
    default_sort: str = "created_at"


@dataclass(frozen=True)
class ListRequest:
    query: PageQuery
    fields: tuple[str, ...] | None


def split(raw: str | None) -> list[str]:
    return [p.strip() for p in raw.split(",") if p.strip()] if raw else []


def parse_filter(column: str, raw: str) -> Filter:
    """`value` or `op:value` (in/nin take a comma list; has is a substring)."""
    op, sep, rest = raw.partition(":")
    if sep and op in OPERATOR_PREFIXES:
        if op in ("in", "nin"):
            return Filter(column, op, split(rest))
        return Filter(column, op, rest)
    return Filter(column, "eq", raw)


def parse(request: web.Request, collection: Collection, max_limit: int, extra: Iterable[str] = ()) -> ListRequest:
    """Validate the list query parameters; every mistake is a 400 naming the parameter."""
    q = request.query
    extra = set(extra)
    # `tags` filters only the collections that have tags (not environments, cron triggers).
    allowed = set(PAGING_PARAMS) | set(collection.columns) | extra
    unknown = sorted(k for k in q if k not in allowed)
    if unknown:
        raise unknown_arguments(unknown)

    limit = max_limit
    if "limit" in q:
        try:
            limit = int(q["limit"])
        except ValueError:
            raise InvalidInput(f"Limit must be an integer, got '{q['limit']}'.") from None
        if limit <= 0:
            raise InvalidInput("Limit must be positive.")
        limit = min(limit, max_limit)

    sort_keys = split(q.get("sort_keys")) or [collection.default_sort]
    for key in sort_keys:
        if key not in collection.columns:
            raise InvalidInput(
                f"Unknown sort key '{key}'; sortable keys are: {', '.join(sorted(collection.columns))}"
            )
    sort_dirs = [d.lower() for d in split(q.get("sort_dirs"))] or ["asc"]
    for direction in sort_dirs:
        if direction not in ("asc", "desc"):
            raise InvalidInput(f"Unknown sort direction '{direction}', must be 'desc' or 'asc'.")
    if len(sort_dirs) > len(sort_keys):
        raise InvalidInput("The number of sort_dirs must be same or less than the number of sort_keys.")

    fields = parse_fields(request, collection)

    filters = [parse_filter(collection.columns[name], q[name]) for name in q if name in collection.columns and name != "tags"]
    if "tags" in q:
        filters.append(Filter(collection.columns["tags"], "tags", split(q["tags"])))

    page = PageQuery(
        filters=tuple(filters),
        sort_keys=tuple(collection.columns[k] for k in sort_keys),
        sort_dirs=tuple(sort_dirs),
        limit=limit,
        marker=q.get("marker") or None,
    )
    return ListRequest(page, fields)


def parse_fields(request: web.Request, collection: Collection) -> tuple[str, ...] | None:
    """The `fields` parameter: the attributes to return, `id` always among them."""
    if "fields" not in request.query:
        return None
    requested = split(request.query["fields"])
    missing = [f for f in requested if f not in collection.fields]
    if missing:
        raise InvalidInput(
            f"Some fields do not exist  [{', '.join(missing)}], please choose from: {', '.join(collection.fields)}"
        )
    return tuple(dict.fromkeys(["id", *requested]))


async def list_table(
    request: web.Request,
    collection: Collection,
    table: str,
    resource: Callable[[dict[str, Any]], dict[str, Any]],
    model: str,
    extra: Iterable[str] = (),
    filters: Iterable[Filter] = (),
    omit: Iterable[str] = (),
) -> web.Response:
    """The whole GET of a collection stored in one table: parse, page, shape, respond.

    omit: columns `resource` does not use, left unread."""
    node = node_of(request)
    req = parse(request, collection, node.config.default_limit, extra)
    req = ListRequest(replace(req.query, filters=req.query.filters + tuple(filters), omit=tuple(omit)), req.fields)
    try:
        page = await node.read(queries.read_page, table, req.query, node.config.max_list_response_size or None)
    except MarkerNotFound as e:
        raise NotFound(f"{model} not found [marker={e.args[0]}]") from None
    return web.json_response(response(request, collection, req, [resource(r) for r in page.rows], more=page.cut))


def select_fields(item: dict[str, Any], fields: tuple[str, ...] | None) -> dict[str, Any]:
    if fields is None:
        return item
    return {f: item.get(f) for f in fields}


def response(request: web.Request, collection: Collection, listing: ListRequest, items: list[dict[str, Any]],
             more: bool = False) -> dict[str, Any]:
    """`{"<key>": [...], "next": url}`; `next` only when the page is full, or was cut at its size (`more`)."""
    body: dict[str, Any] = {collection.key: [select_fields(i, listing.fields) for i in items]}
    full = listing.query.limit is not None and len(items) == listing.query.limit
    if (full or more) and items:
        params = {k: v for k, v in request.query.items() if k not in ("marker", "limit")}
        params.update({"limit": str(listing.query.limit), "marker": items[-1]["id"]})
        body["next"] = f"{request.url.origin()}{request.path}?{urlencode(params)}"
    return body


def _comparable(value: Any) -> Any:
    if value is None:
        return ""
    if isinstance(value, bool):
        return str(value).lower()
    return value if isinstance(value, (int, float)) else str(value)


def _matches(item: dict[str, Any], f: Filter) -> bool:
    value = item.get(f.column)
    if f.op == "tags":
        return all(tag in (value or []) for tag in f.value)
    if f.op == "null":
        return value is None
    if f.op == "notnull":
        return value is not None
    here = _comparable(value)
    if f.op in ("in", "nin"):
        inside = str(here) in [str(v) for v in f.value]
        return inside if f.op == "in" else not inside
    if f.op == "has":
        return str(f.value) in str(here)
    there = f.value
    if isinstance(here, (int, float)) and not isinstance(here, bool):
        try:
            there = type(here)(there)
        except (TypeError, ValueError):
            here = str(here)
    else:
        here, there = str(here), str(there)
    return {
        "eq": here == there, "neq": here != there, "gt": here > there,
        "gte": here >= there, "lt": here < there, "lte": here <= there,
    }[f.op]


def page_in_memory(items: list[dict[str, Any]], query: PageQuery) -> list[dict[str, Any]]:
    """Filters, order, marker and limit for collections assembled in memory (actions)."""
    selected = [i for i in items if all(_matches(i, f) for f in query.filters)]
    keys = list(query.sort_keys) + ["id"]
    dirs = list(query.sort_dirs) + ["asc"] * (len(keys) - len(query.sort_dirs))
    for key, direction in reversed(list(zip(keys, dirs))):
        selected.sort(key=lambda i: str(_comparable(i.get(key))), reverse=direction == "desc")
    if query.marker is not None:
        position = next(
            (n for n, i in enumerate(selected) if query.marker in (i.get("id"), i.get("name"))), None
        )
        if position is None:
            raise MarkerNotFound(query.marker)
        selected = selected[position + 1:]
    return selected[: query.limit] if query.limit is not None else selected
