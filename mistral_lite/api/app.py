"""The aiohttp application: middlewares and one routes() per resource module."""

from __future__ import annotations

from aiohttp import web

from mistral_lite.api import (
    action_executions,
    actions,
    cron_triggers,
    environments,
    executions,
    forwarding,
    middleware,
    reports,
    root,
    services,
    tasks,
    workbooks,
    workflows,
)
from mistral_lite.api.context import CREATING, NODE, RUNNER
from mistral_lite.node import Node


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
    # openapi block: members, code sources, dynamic actions, sub-executions, the OpenAPI document
    from mistral_lite.api import admin_only, members, openapi, sub_executions
    for module in (members, admin_only, sub_executions, openapi):
        app.add_routes(module.routes())
    return app
