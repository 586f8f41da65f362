"""The state of a cluster's nodes as each one's GET /health tells it, and its table for operators."""

from __future__ import annotations

import asyncio
import json
import os
from dataclasses import dataclass
from typing import Any, Sequence

import aiohttp

HEALTH_TIMEOUT = 2.0
COLUMNS = ("node", "url", "role", "term", "leader", "commit", "applied", "peers", "database")


@dataclass(frozen=True)
class NodeHealth:
    url: str  # the node's base URL, without /v2
    health: dict[str, Any] | None  # its /health body, None when it did not answer
    error: str | None = None

    @property
    def is_leader(self) -> bool:
        return self.health is not None and self.health.get("role") == "leader"

    def as_json(self) -> dict[str, Any]:
        return {"url": self.url, "health": self.health, "error": self.error}


def base_url(url: str) -> str:
    """`host:port`, `http://host:port`, `.../v2` or `.../v2/` all name the same node."""
    url = url.strip().rstrip("/")
    if "://" not in url:
        url = "http://" + url
    return url[: -len("/v2")] if url.endswith("/v2") else url


async def ask_health(http: aiohttp.ClientSession, url: str, timeout: float = HEALTH_TIMEOUT) -> NodeHealth:
    """One node's /health; a 503 still carries the body (the node answers, its database does not)."""
    base = base_url(url)
    try:
        async with http.get(base + "/health", timeout=aiohttp.ClientTimeout(total=timeout)) as r:
            body = await r.json(content_type=None)
    except asyncio.TimeoutError:
        return NodeHealth(base, None, f"no answer within {timeout:g} s")
    except aiohttp.ClientConnectorError as e:
        error = e.os_error
        reason = os.strerror(error.errno) if (error.errno or 0) > 0 else (error.strerror or str(error))
        return NodeHealth(base, None, f"cannot connect: {reason}")
    except (aiohttp.ClientError, ValueError) as e:
        return NodeHealth(base, None, str(e) or type(e).__name__)
    if not isinstance(body, dict):
        return NodeHealth(base, None, "the answer is not a health document")
    return NodeHealth(base, body)


async def ask_all(urls: Sequence[str], timeout: float = HEALTH_TIMEOUT) -> list[NodeHealth]:
    """Every node at once, so one node that hangs costs the timeout once, not once per node."""
    async with aiohttp.ClientSession(trust_env=False) as http:
        return list(await asyncio.gather(*(ask_health(http, url, timeout) for url in urls)))


def row(node: NodeHealth) -> tuple[str, ...]:
    h = node.health
    if h is None:
        return ("-", node.url, "unreachable", "-", "-", "-", "-", "-", node.error or "-")
    peers = h.get("peers") or []
    reachable = sum(1 for p in peers if isinstance(p, dict) and p.get("reachable"))
    leader = h.get("leader_url") or h.get("leader") or ("self" if h.get("role") == "leader" else "-")
    return (str(h.get("node_id", "-")), node.url, str(h.get("role", "-")), _text(h.get("term")), str(leader),
            _text(h.get("commit_index")), _text(h.get("applied_index")), f"{reachable}/{len(peers)}",
            str(h.get("database", "-")))


def _text(value: Any) -> str:
    return "-" if value is None else str(value)


def table(nodes: Sequence[NodeHealth]) -> str:
    rows = [COLUMNS, *(row(n) for n in nodes)]
    widths = [max(len(r[i]) for r in rows) for i in range(len(COLUMNS))]
    return "\n".join("  ".join(cell.ljust(w) for cell, w in zip(r, widths)).rstrip() for r in rows)


def main(urls: Sequence[str], as_json: bool) -> int:
    """Print the nodes' status; exit 0 when some node says it leads, 1 otherwise."""
    nodes = asyncio.run(ask_all(urls))
    print(json.dumps([n.as_json() for n in nodes], indent=2) if as_json else table(nodes))
    return 0 if any(n.is_leader for n in nodes) else 1
