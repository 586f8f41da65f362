"""Browser tests: Playwright for Python driving Debian's chromium (never a browser Playwright downloads).

One browser and one real server process (fresh data directory) per module, one page per test.
"""

from __future__ import annotations

import json
import shutil
import urllib.request
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.support.process import ServerProcess

INSTALL = "apt-get install -y chromium"
# The network is closed: nothing in the browser may try to phone home.
FLAGS = ["--disable-background-networking", "--disable-component-update", "--disable-sync", "--no-first-run",
         "--disable-quic"]


def chromium_path() -> str:
    path = shutil.which("chromium")
    if path is None:
        pytest.fail(f"The browser tests need Debian's chromium package; install it with: {INSTALL}", pytrace=False)
    return path


# Per module, not per session: while Playwright's sync API is up, its event loop counts as running in this
# thread, and the asyncio tests of the modules after this one could not start theirs.
@pytest.fixture(scope="module")
def browser() -> Iterator[object]:
    from playwright.sync_api import sync_playwright

    executable = chromium_path()
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=executable, headless=True, args=FLAGS)
        yield browser
        browser.close()


class UiServer(ServerProcess):
    @property
    def ui(self) -> str:
        return f"http://127.0.0.1:{self.port}/ui/"

    def call(self, method: str, path: str, body: object = None, text: str | None = None) -> object:
        data, headers = None, {}
        if text is not None:
            data, headers = text.encode(), {"Content-Type": "text/plain"}
        elif body is not None:
            data, headers = json.dumps(body).encode(), {"Content-Type": "application/json"}
        request = urllib.request.Request(self.url + path, data=data, headers=headers, method=method)
        with urllib.request.urlopen(request, timeout=10) as response:
            raw = response.read()
            return json.loads(raw) if raw else None


@pytest.fixture(scope="module")
def ui_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[UiServer]:
    # A test cancels an execution mid-sleep; the stopping server need not wait for that sleep to end.
    server = UiServer(Path(tmp_path_factory.mktemp("ui")) / "data", extra_args=("--drain-timeout", "0")).start()
    yield server
    server.stop()


@pytest.fixture
def page(browser, ui_server: UiServer) -> Iterator[object]:
    context = browser.new_context()
    page = context.new_page()
    errors: list[str] = []
    page.on("pageerror", lambda error: errors.append(str(error)))
    page.set_default_timeout(10_000)
    yield page
    context.close()
    assert errors == [], f"JavaScript errors on the page: {errors}"
