"""Serving the web UI's static files at /ui/ with caching headers that survive upgrades.

Every asset is addressed as /ui/<version>/<path>, the version being a digest of all the shipped files: such a
path never changes meaning, so browsers keep it for a year without asking again. index.html is the one
unversioned document (no-cache); it names the current version in its import map and script tags, so a new
release is picked up on the next page load.
"""

from __future__ import annotations

import hashlib
import mimetypes
from dataclasses import dataclass
from functools import cache
from pathlib import Path

from aiohttp import web

PREFIX = "/ui"
STATIC = Path(__file__).parent / "static"
IMMUTABLE = "public, max-age=31536000, immutable"
REVALIDATE = "no-cache"
# mimetypes knows neither .mjs everywhere nor extensionless license files.
TYPES = {".mjs": "text/javascript", ".js": "text/javascript", ".css": "text/css", ".html": "text/html",
         ".svg": "image/svg+xml", "": "text/plain"}


@dataclass(frozen=True)
class Assets:
    version: str
    files: dict[str, bytes]  # path relative to STATIC, with "/" separators -> content

    def index(self) -> bytes:
        return self.files["index.html"].replace(b"{{base}}", f"{PREFIX}/{self.version}/".encode())


@cache
def assets() -> Assets:
    """Read once: the files are small (tens of KB) and belong to the installed package, so they cannot change."""
    files = {p.relative_to(STATIC).as_posix(): p.read_bytes() for p in sorted(STATIC.rglob("*")) if p.is_file()}
    digest = hashlib.sha256()
    for name, content in files.items():
        digest.update(name.encode() + b"\0" + hashlib.sha256(content).digest())
    return Assets(digest.hexdigest()[:12], files)


def content_type(name: str) -> str:
    suffix = Path(name).suffix
    return TYPES.get(suffix) or mimetypes.guess_type(name)[0] or "application/octet-stream"


async def redirect(request: web.Request) -> web.Response:
    raise web.HTTPFound(f"{PREFIX}/")


async def index(request: web.Request) -> web.Response:
    return web.Response(body=assets().index(), content_type="text/html", charset="utf-8",
                        headers={"Cache-Control": REVALIDATE})


async def asset(request: web.Request) -> web.Response:
    current = assets()
    name = request.match_info["path"]
    body = current.files.get(name)
    if body is None or name == "index.html":
        raise web.HTTPNotFound(text=f"No UI file {name!r}.")
    # A page loaded before an upgrade may still ask for its old version: answer with today's file, uncached.
    cached = request.match_info["version"] == current.version
    return web.Response(body=body, headers={"Content-Type": content_type(name),
                                            "Cache-Control": IMMUTABLE if cached else REVALIDATE})


def routes() -> list[web.RouteDef]:
    return [
        web.get(PREFIX, redirect),
        web.get(f"{PREFIX}/", index),
        web.get(PREFIX + "/{version:[0-9a-f]{12}}/{path:.+}", asset),
    ]
