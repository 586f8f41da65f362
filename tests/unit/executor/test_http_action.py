"""std.http and std.mistral_http against a real aiohttp server on 127.0.0.1."""

from __future__ import annotations

import asyncio
import time
from collections.abc import AsyncIterator
from dataclasses import dataclass, field
from typing import Any

import pytest
from aiohttp import web
from aiohttp.test_utils import TestServer

from mistral_lite.executor import ActionContext, Executor, Outcome
from mistral_lite.executor.http_action import InvalidHttpInput, build_request
from tests.support.ports import free_port


@dataclass
class Site:
    base: str  # ends without a slash
    seen: list[dict[str, Any]] = field(default_factory=list)  # requests received, oldest first
    release: asyncio.Event = field(default_factory=asyncio.Event)  # lets /slow answer


def _app(site: Site) -> web.Application:
    async def echo(request: web.Request) -> web.Response:
        seen = {
            "method": request.method,
            "path": request.path,
            "url": str(request.url),
            "query": [[k, v] for k, v in request.query.items()],
            "headers": dict(request.headers),
            "cookies": dict(request.cookies),
            "body": await request.text(),
        }
        site.seen.append(seen)
        return web.json_response(seen)

    async def text(request: web.Request) -> web.Response:
        return web.Response(text="plain words")

    async def latin1(request: web.Request) -> web.Response:
        return web.Response(body="café".encode("latin-1"), content_type="text/plain")

    async def missing(request: web.Request) -> web.Response:
        return web.json_response({"error": "nope"}, status=404)

    async def redirect(request: web.Request) -> web.Response:
        raise web.HTTPFound("/echo")

    async def slow(request: web.Request) -> web.Response:
        await asyncio.wait_for(site.release.wait(), 5)
        return web.Response(text="late")

    async def set_cookie(request: web.Request) -> web.Response:
        response = web.Response(text="ok")
        response.set_cookie("session", "abc")
        return response

    async def auth(request: web.Request) -> web.Response:
        import base64

        header = request.headers.get("Authorization", "")
        if not header.startswith("Basic "):
            return web.Response(status=401, text="who are you")
        user, _, password = base64.b64decode(header[6:]).decode().partition(":")
        return web.json_response({"user": user, "password": password})

    app = web.Application()
    app.router.add_route("*", "/echo", echo)
    app.router.add_get("/text", text)
    app.router.add_get("/latin1", latin1)
    app.router.add_route("*", "/missing", missing)
    app.router.add_get("/redirect", redirect)
    app.router.add_get("/slow", slow)
    app.router.add_get("/set-cookie", set_cookie)
    app.router.add_get("/auth", auth)
    return app


@pytest.fixture
async def site() -> AsyncIterator[Site]:
    site = Site(base="")
    server = TestServer(_app(site), host="127.0.0.1")
    await server.start_server()
    site.base = str(server.make_url("")).rstrip("/")
    yield site
    site.release.set()  # a /slow handler still waiting must not hold the shutdown
    await server.close()


async def http(executor: Executor, ctx: ActionContext, **params: Any) -> Outcome:
    return await executor.run("std.http", params, ctx, timeout=10)


async def test_get_with_params(executor: Executor, ctx: ActionContext, site: Site) -> None:
    out = await http(executor, ctx, url=f"{site.base}/echo?x=0", params={"a": 1, "b": [1, 2], "c": None, "d": True})
    assert out.state == "SUCCESS"
    result = out.result
    assert set(result) == {"content", "status", "headers", "url", "history", "encoding", "reason", "cookies",
                           "elapsed"}
    assert result["status"] == 200 and result["reason"] == "OK"
    assert result["content"]["method"] == "GET"
    assert result["content"]["query"] == [["x", "0"], ["a", "1"], ["b", "1"], ["b", "2"], ["d", "True"]]
    assert result["url"] == f"{site.base}/echo?x=0&a=1&b=1&b=2&d=True"
    assert result["headers"]["Content-Type"] == "application/json; charset=utf-8"
    assert result["encoding"] == "utf-8"
    assert result["history"] == [] and result["cookies"] == {}
    assert isinstance(result["elapsed"], float) and result["elapsed"] >= 0


async def test_post_body_map_is_json_encoded_without_content_type(
    executor: Executor, ctx: ActionContext, site: Site
) -> None:
    out = await http(executor, ctx, url=f"{site.base}/echo", method="post", body={"k": [1, "two"]})
    assert out.state == "SUCCESS"
    seen = out.result["content"]
    assert seen["method"] == "POST"
    assert seen["body"] == '{"k": [1, "two"]}'
    assert "Content-Type" not in seen["headers"]  # like requests with a string body


async def test_string_body_and_own_content_type(executor: Executor, ctx: ActionContext, site: Site) -> None:
    out = await http(executor, ctx, url=f"{site.base}/echo", method="PUT", body="a=1&b=2",
                     headers={"Content-Type": "application/x-www-form-urlencoded"})
    seen = out.result["content"]
    assert seen["body"] == "a=1&b=2"
    assert seen["headers"]["Content-Type"] == "application/x-www-form-urlencoded"


async def test_json_param(executor: Executor, ctx: ActionContext, site: Site) -> None:
    out = await http(executor, ctx, url=f"{site.base}/echo", method="POST", json={"a": [1, None]})
    seen = out.result["content"]
    assert seen["body"] == '{"a": [1, null]}'
    assert seen["headers"]["Content-Type"] == "application/json"


async def test_body_and_json_together_is_error(executor: Executor, ctx: ActionContext, site: Site) -> None:
    out = await http(executor, ctx, url=f"{site.base}/echo", body="x", json={"a": 1})
    assert out == Outcome("ERROR", "Only one of the parameters 'json' and 'body' can be passed")
    assert site.seen == []


async def test_headers_numbers_are_stringified(executor: Executor, ctx: ActionContext, site: Site) -> None:
    out = await http(executor, ctx, url=f"{site.base}/echo", headers={"X-Num": 5, "X-Float": 1.5, "X-Str": "s",
                                                                      "X-None": None})
    headers = out.result["content"]["headers"]
    assert headers["X-Num"] == "5" and headers["X-Float"] == "1.5" and headers["X-Str"] == "s"
    assert "X-None" not in headers


async def test_cookies_sent_and_received(executor: Executor, ctx: ActionContext, site: Site) -> None:
    out = await http(executor, ctx, url=f"{site.base}/echo", cookies={"flavour": "oat", "n": 1})
    assert out.result["content"]["cookies"] == {"flavour": "oat", "n": "1"}
    out = await http(executor, ctx, url=f"{site.base}/set-cookie")
    assert out.result["cookies"] == {"session": "abc"}
    # The shared session keeps no cookie jar: nothing leaks into the next request.
    out = await http(executor, ctx, url=f"{site.base}/echo")
    assert out.result["content"]["cookies"] == {}


async def test_basic_auth_string_and_list(executor: Executor, ctx: ActionContext, site: Site) -> None:
    out = await http(executor, ctx, url=f"{site.base}/auth", auth="alice:se:cret")
    assert out == Outcome("SUCCESS", out.result) and out.result["content"] == {"user": "alice", "password": "se:cret"}
    out = await http(executor, ctx, url=f"{site.base}/auth", auth=["bob", "pw"])
    assert out.result["content"] == {"user": "bob", "password": "pw"}
    out = await http(executor, ctx, url=f"{site.base}/auth", auth="no-colon")
    assert out.state == "ERROR" and "auth" in out.result


async def test_non_json_body_is_text(executor: Executor, ctx: ActionContext, site: Site) -> None:
    out = await http(executor, ctx, url=f"{site.base}/text")
    assert out.result["content"] == "plain words"
    assert out.result["encoding"] == "utf-8"
    out = await http(executor, ctx, url=f"{site.base}/latin1")
    assert out.result["content"] == "café"
    assert out.result["encoding"] == "ISO-8859-1"  # requests' default for text without a charset


async def test_error_status_gives_error_with_the_map(executor: Executor, ctx: ActionContext, site: Site) -> None:
    out = await http(executor, ctx, url=f"{site.base}/missing")
    assert out.state == "ERROR"
    assert out.result["status"] == 404
    assert out.result["content"] == {"error": "nope"}
    assert out.result["reason"] == "Not Found"


async def test_redirect_not_followed_by_default(executor: Executor, ctx: ActionContext, site: Site) -> None:
    out = await http(executor, ctx, url=f"{site.base}/redirect")
    assert out.state == "SUCCESS"  # 302 is inside Mistral's 200..306
    assert out.result["status"] == 302
    assert out.result["headers"]["Location"] == "/echo"
    assert site.seen == []


async def test_redirect_followed_when_allowed(executor: Executor, ctx: ActionContext, site: Site) -> None:
    out = await http(executor, ctx, url=f"{site.base}/redirect", allow_redirects=True)
    assert out.state == "SUCCESS"
    assert out.result["status"] == 200
    assert out.result["url"] == f"{site.base}/echo"
    assert [h["status"] for h in out.result["history"]] == [302]
    assert out.result["history"][0]["url"] == f"{site.base}/redirect"


async def test_request_timeout_is_error(executor: Executor, ctx: ActionContext, site: Site) -> None:
    started = time.monotonic()
    out = await http(executor, ctx, url=f"{site.base}/slow", timeout=0.2)
    assert time.monotonic() - started < 3
    assert out.state == "ERROR"
    assert out.result.startswith("The action raised an exception [action=std.http, ") and "msg='Failed to send HTTP request: " in out.result


async def test_connection_refused_is_error(executor: Executor, ctx: ActionContext) -> None:
    port = free_port()
    out = await http(executor, ctx, url=f"http://127.0.0.1:{port}/x")
    assert out.state == "ERROR"
    assert out.result.startswith("The action raised an exception [action=std.http, ") and "msg='Failed to send HTTP request: " in out.result
    assert f"127.0.0.1:{port}" in out.result


async def test_invalid_url_is_error(executor: Executor, ctx: ActionContext) -> None:
    out = await http(executor, ctx, url="not a url")
    assert out.state == "ERROR" and out.result.startswith("The action raised an exception [action=std.http, ") and "msg='Failed to send HTTP request: " in out.result


async def test_proxy_for_the_url_scheme_is_used(executor: Executor, ctx: ActionContext, site: Site) -> None:
    # The test server plays a forward proxy: it receives the absolute URL.
    out = await http(executor, ctx, url="http://proxied.invalid/echo?q=1",
                     proxies={"http": site.base, "https": "http://127.0.0.1:9"})
    assert out.state == "SUCCESS"
    assert out.result["content"]["url"] == "http://proxied.invalid/echo?q=1"


def test_verify_applies_to_https_only() -> None:
    def ssl_of(url: str, verify: Any) -> Any:
        return build_request(url, "GET", None, None, None, None, None, None, None, None, None, verify).ssl

    assert ssl_of("http://h/", False) is True
    assert ssl_of("https://h/", False) is False
    assert ssl_of("https://h/", None) is True
    assert ssl_of("https://h/", True) is True
    with pytest.raises(InvalidHttpInput):
        ssl_of("https://h/", "/no/such/ca-bundle.pem")


def test_timeout_forms() -> None:
    def timeout_of(value: Any) -> Any:
        return build_request("http://h/", "GET", None, None, None, None, None, None, value, None, None, None).timeout

    assert (timeout_of(2).sock_connect, timeout_of(2).sock_read) == (2.0, 2.0)
    assert (timeout_of([1, 3]).sock_connect, timeout_of([1, 3]).sock_read) == (1.0, 3.0)
    assert timeout_of(None).sock_read == 60.0
    for bad in (0, -1, "soon", True):
        with pytest.raises(InvalidHttpInput):
            timeout_of(bad)


async def test_mistral_http_sends_headers_and_stays_running(
    executor: Executor, ctx: ActionContext, site: Site
) -> None:
    out = await executor.run("std.mistral_http", {"url": f"{site.base}/echo", "headers": {"X-Own": "1"}}, ctx)
    assert out == Outcome("RUNNING")
    headers = site.seen[-1]["headers"]
    assert headers["X-Own"] == "1"
    assert headers["Mistral-Workflow-Name"] == "wf"
    assert headers["Mistral-Workflow-Execution-Id"] == "we-1"
    assert headers["Mistral-Task-Id"] == "te-1"
    assert headers["Mistral-Action-Execution-Id"] == "ae-1"
    assert headers["Mistral-Callback-URL"] == "http://127.0.0.1:8989/v2/action_executions/ae-1"


async def test_mistral_http_error_status_fails_at_once(executor: Executor, ctx: ActionContext, site: Site) -> None:
    out = await executor.run("std.mistral_http", {"url": f"{site.base}/missing", "method": "POST"}, ctx)
    assert out.state == "ERROR"
    assert out.result["status"] == 404


async def test_mistral_http_connection_failure(executor: Executor, ctx: ActionContext) -> None:
    out = await executor.run("std.mistral_http", {"url": f"http://127.0.0.1:{free_port()}/"}, ctx)
    assert out.state == "ERROR" and out.result.startswith("The action raised an exception [action=std.mistral_http, ") and "msg='Failed to send HTTP request: " in out.result
