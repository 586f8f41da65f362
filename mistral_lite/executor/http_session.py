"""One aiohttp client session shared by all HTTP actions of an executor."""

from __future__ import annotations

import aiohttp


class HttpSessions:
    """Creates the client session on first use (it needs the running loop) and closes it."""

    def __init__(self) -> None:
        self._session: aiohttp.ClientSession | None = None

    def get(self) -> aiohttp.ClientSession:
        """The shared session, created on first call from inside the event loop."""
        if self._session is None or self._session.closed:
            self._session = aiohttp.ClientSession(
                # Actions of unrelated workflows share this session: a real jar
                # would hand one workflow's cookies to the next.
                cookie_jar=aiohttp.DummyCookieJar(),
                # Only the action's own `proxies` input decides about proxies.
                trust_env=False,
                # Every request gets its own timeout (see http_action).
                timeout=aiohttp.ClientTimeout(total=None),
            )
        return self._session

    async def close(self) -> None:
        """Close the session and its connections; a later get() opens a new one."""
        if self._session is not None and not self._session.closed:
            await self._session.close()
        self._session = None
