"""Real actions inside workflows: std.http against a local app, std.email against a local SMTP
server, and a custom Python action installed through an entry point."""

import email
import email.policy
import sys

import aiohttp
import pytest
from aiohttp import web
from aiosmtpd.controller import Controller

from mistral_lite.config import Config
from mistral_lite.server import RunningServer
from tests.support.api import Api
from tests.support.plugin import make_plugin
from tests.support.remote import serving
from tests.support.ports import free_port


@pytest.fixture
async def remote():
    """The outside world: a small HTTP service on 127.0.0.1."""
    seen: list[dict] = []

    async def order(request: web.Request) -> web.Response:
        body = await request.json()
        seen.append({"body": body, "auth": request.headers.get("Authorization"), "token": request.query.get("token")})
        return web.json_response({"order_id": 7, "items": body["items"]}, status=201)

    async def missing(request: web.Request) -> web.Response:
        return web.json_response({"error": "no such thing"}, status=404)

    app = web.Application()
    app.add_routes([web.post("/orders", order), web.get("/missing", missing)])
    async with serving(app) as base:
        yield base, seen


async def test_std_http_in_a_workflow(api, remote):
    base, seen = remote
    await api.upload("""---
version: '2.0'
order:
  input: [base]
  output: {id: <% $.order_id %>, status: <% $.status %>}
  tasks:
    place:
      action: std.http
      input:
        url: <% $.base %>/orders
        method: POST
        params: {token: abc}
        json: {items: [1, 2]}
        auth: "user:secret"
      publish:
        order_id: <% task().result.content.order_id %>
        status: <% task().result.status %>
      on-success: [lookup]
    lookup:
      action: std.http url="<% $.base %>/missing"
      publish-on-error: {lookup_status: <% task().result.status %>}
      on-error: [noop]
""")
    ex = await api.run("order", {"base": base})
    assert ex["state"] == "SUCCESS", ex
    assert ex["output"] == {"id": 7, "status": 201}
    assert seen[0]["body"] == {"items": [1, 2]} and seen[0]["token"] == "abc"
    assert seen[0]["auth"].startswith("Basic ")
    tasks = {t["name"]: t for t in await api.tasks(ex["id"])}
    assert tasks["lookup"]["state"] == "ERROR" and tasks["lookup"]["published"] == {"lookup_status": 404}


async def test_std_email_in_a_workflow(api):
    received = []

    class Inbox:
        async def handle_DATA(self, server, session, envelope):  # noqa: N802 (aiosmtpd's name)
            received.append(envelope)
            return "250 OK"

    port = free_port()
    controller = Controller(Inbox(), hostname="127.0.0.1", port=port)
    controller.start()
    try:
        await api.upload(f"""---
version: '2.0'
notify:
  tasks:
    mail:
      action: std.email
      input:
        from_addr: wf@example.org
        to_addrs: [ops@example.org]
        smtp_server: 127.0.0.1:{port}
        subject: Deploy finished
        body: All good
""")
        ex = await api.run("notify")
    finally:
        controller.stop()
    assert ex["state"] == "SUCCESS", ex
    [message] = received
    assert message.rcpt_tos == ["ops@example.org"]
    parsed = email.message_from_bytes(message.content, policy=email.policy.default)
    assert parsed["Subject"] == "Deploy finished" and parsed.get_content().strip() == "All good"


async def test_custom_python_action_from_an_entry_point(tmp_path, monkeypatch):
    site = make_plugin(tmp_path / "site")
    monkeypatch.syspath_prepend(str(site))
    config = Config(port=free_port(), data_dir=str(tmp_path / "data"), log_level="warning")
    running = RunningServer(config)
    await running.start()
    try:
        async with aiohttp.ClientSession() as http:
            api = Api(http, f"http://127.0.0.1:{config.port}/v2")
            await api.upload("""---
version: '2.0'
wf:
  output: {r: <% $.r %>}
  tasks:
    double: {action: acme.double value=21, publish: {r: <% task().result %>}, on-success: [refuse]}
    refuse: {action: acme.refuse reason="policy", on-error: [noop]}
""")
            ex = await api.run("wf")
            assert ex["state"] == "SUCCESS", ex
            assert ex["output"]["r"] == {"doubled": 42, "execution": ex["id"]}
            # installed actions are listed beside the std.* ones, with their signature
            listed = {a["name"]: a for a in (await api.ok("GET", "/actions"))["actions"]}
            assert listed["acme.double"]["input"] == "value" and listed["acme.refuse"]["input"] == 'reason="no"'
            assert (await api.ok("GET", "/actions/acme.double/"))["is_system"] is True
            tasks = {t["name"]: t for t in await api.tasks(ex["id"])}
            assert "refused: policy" in tasks["refuse"]["state_info"]
    finally:
        await running.stop()
        sys.modules.pop("acme_actions", None)
