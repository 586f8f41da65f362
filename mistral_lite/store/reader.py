"""Reads off the event loop: a small pool of threads, each with its own read-only connection.

Query functions are plain synchronous functions taking a connection, so the
same function serves the API, the CLI runner and the tests.
"""

from __future__ import annotations

import asyncio
import sqlite3
import threading
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any, Callable, TypeVar

from mistral_lite.store.catalog import Catalog
from mistral_lite.store.database import connect

T = TypeVar("T")


class Reader:
    def __init__(self, path: Path | str, catalog: Catalog, threads: int = 4) -> None:
        self.path = Path(path)
        self.catalog = catalog
        self._pool = ThreadPoolExecutor(max_workers=threads, thread_name_prefix="sqlite-read")
        self._local = threading.local()
        self._connections: list[sqlite3.Connection] = []
        self._guard = threading.Lock()

    def _connection(self) -> sqlite3.Connection:
        conn = getattr(self._local, "conn", None)
        if conn is None:
            conn = connect(self.path, readonly=True)
            self._local.conn = conn
            with self._guard:
                self._connections.append(conn)
        return conn

    def _call(self, fn: Callable[..., T], args: tuple[Any, ...]) -> T:
        conn = self._connection()
        # One read transaction per call: a consistent snapshot across its queries.
        conn.execute("BEGIN")
        try:
            return fn(conn, self.catalog, *args)
        finally:
            conn.execute("COMMIT")

    async def run(self, fn: Callable[..., T], *args: Any) -> T:
        """Run fn(conn, catalog, *args) on a read thread and return its value."""
        loop = asyncio.get_running_loop()
        return await loop.run_in_executor(self._pool, self._call, fn, args)

    def close(self) -> None:
        self._pool.shutdown(wait=True)
        with self._guard:
            for conn in self._connections:
                conn.close()
            self._connections.clear()
