"""/v2/workflows/{id}/members[/{member_id}]: resource sharing, which Mistral offers only with authentication.

Without authentication (mistral-lite's only mode) Mistral 23 refuses every member
call with one 400; mistral-lite answers the same status and text (in its one error
shape, see docs/differences.md "Error bodies"), so `mistral member-*` prints what it
prints against Mistral. An identifier that is not a UUID is refused first, with
Mistral's text (Mistral itself answers that one with an empty 500).
"""

from __future__ import annotations

from aiohttp import web

from mistral_lite.errors import InvalidInput
from mistral_lite.lang.documents import UUID_RE

NEEDS_AUTH = "Resource sharing feature can only be supported with authentication enabled."
NEEDS_UUID = "Only support UUID as resource identifier in resource sharing feature."
METHODS = ("GET", "POST", "PUT", "DELETE")


async def refuse(request: web.Request) -> web.Response:
    raise InvalidInput(NEEDS_AUTH if UUID_RE.match(request.match_info["identifier"]) else NEEDS_UUID)


def routes() -> list[web.RouteDef]:
    return [web.route(method, path, refuse) for path in (
        "/v2/workflows/{identifier}/members", "/v2/workflows/{identifier}/members/{member_id}",
    ) for method in METHODS]
