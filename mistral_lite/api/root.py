"""Root documents (`/`, `/v2`) and the node's health."""

from __future__ import annotations

import asyncio

from aiohttp import web

from mistral_lite.api.context import node_of
from mistral_lite.store import queries, size


# What /health adds from the log's status, for operators comparing the nodes of a cluster.
CLUSTER_FIELDS = ("term", "leader", "leader_url", "commit_index", "peers")


def _base(request: web.Request) -> str:
    return f"{request.url.origin()}/v2"


async def versions(request: web.Request) -> web.Response:
    return web.json_response(
        {"versions": [{"id": "v2.0", "status": "CURRENT", "links": [{"href": _base(request), "target": "v2", "rel": "self"}]}]}
    )


async def v2_redirect(request: web.Request) -> web.Response:
    raise web.HTTPFound(f"{_base(request)}/")


async def v2_root(request: web.Request) -> web.Response:
    return web.json_response({"uri": _base(request)})


def _database_pages(conn, catalog) -> dict | None:
    """One read that proves the database answers and gives its page counts (None: it answered wrongly)."""
    if queries.count_rows(conn, catalog, "workflow_definitions") < 0:
        return None
    return size.page_counts(conn, catalog)


async def _write_path(node) -> str | None:
    """Why writes fail, or None. After a storage fault, one empty commit (skipped while
    a write is in flight) tells whether writes work again; otherwise only stat calls."""
    if node.store.write_error is not None:
        await asyncio.to_thread(node.store.probe_write)
    return node.store.write_problem()


async def health(request: web.Request) -> web.Response:
    node = node_of(request)
    pages = None
    try:
        # No read barrier: health must answer even while a write is slow.
        pages = await node.reader.run(_database_pages)
        database = "ok" if pages is not None else "error"
        problem = await _write_path(node) if database == "ok" else None
        if problem:
            database = f"error: writes fail: {problem}"
    except Exception as e:  # health must answer even when the database does not
        database = f"error: {e}"
    status = node.log.status()
    body = {
        "node_id": node.config.node_id,
        "role": status["role"],
        "applied_index": status["applied_index"],
        "database": database,
        # Sizes from stat answer even when the database does not; its page counts are then null.
        "storage": {**size.file_sizes(node.config.database_path), "page_size": None, "free_pages": None,
                    **(pages or {})},
        **{key: status[key] for key in CLUSTER_FIELDS},
    }
    return web.json_response(body, status=200 if database == "ok" else 503)


def routes() -> list[web.RouteDef]:
    return [
        web.get("/", versions),
        web.get("/v2", v2_redirect),
        web.get("/v2/", v2_root),
        web.get("/health", health),
    ]
