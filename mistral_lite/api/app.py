"""The aiohttp application: middlewares and one routes() per resource module."""

from __future__ import annotations

from aiohttp import web

from mistral_lite.api import (
    action_executions,
    actions,
    admin_only,
    cron_triggers,
    environments,
    event_triggers,
    events,
    executions,
    graphs,
    forwarding,
    members,
    middleware,
    openapi,
    reports,
    root,
    services,
    stream,
    sub_executions,
    tasks,
    timeline,
    workbooks,
    workflows,
)
from mistral_lite.api.context import CREATING, NODE, RUNNER
from mistral_lite.node import Node
from mistral_lite.ui import routes as ui_routes


def make_app(node: Node, leadership: object) -> web.Application:
    # aiohttp refuses bodies over client_max_size itself; the errors
    # middleware turns that into Mistral's 400 body.
    app = web.Application(
        middlewares=[middleware.access_log, middleware.errors, forwarding.route_writes],
        client_max_size=node.config.max_body_size,
    )
    app[NODE] = node
    app[RUNNER] = leadership
    app[CREATING] = {}
    if node.config.clustered:
        app.cleanup_ctx.append(forwarding.http_session)
    for module in (root, workflows, workbooks, actions, environments, executions, reports, tasks,
                   action_executions, cron_triggers, services):
        app.add_routes(module.routes())
    # Event triggers and the HTTP event ingress (POST /v2/events, a mistral-lite extension).
    app[events.RECEIVING] = {}
    app.add_routes(event_triggers.routes() + events.routes())
    # Members, code sources and dynamic actions (refused as Mistral refuses them without auth), sub-executions,
    # the OpenAPI document.
    for module in (members, admin_only, sub_executions, openapi):
        app.add_routes(module.routes())
    # The web UI's server side (mistral-lite extensions, docs/ui.md "Server side"): definition graphs,
    # executions' live streams and timelines.
    stream.install(app)
    app.add_routes(graphs.routes() + stream.routes() + timeline.routes())
    # The web UI's static files at /ui/ (not part of the REST API, so not in the OpenAPI document).
    app.add_routes(ui_routes.routes())
    return app
