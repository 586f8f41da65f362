"""The real python-mistralclient CLI (`mistral`), run against a server's URL without any identity service."""

from __future__ import annotations

import asyncio
import os
import shutil
import sys
from pathlib import Path

MISTRAL = Path(sys.executable).parent / "mistral"


async def cli(server, *args: str) -> tuple[int, str, str]:
    """Run `mistral ARGS` against `server.url`; returns (exit code, stdout, stderr)."""
    env = {k: v for k, v in os.environ.items()
           if k not in ("OS_AUTH_URL", "OS_USERNAME", "OS_PASSWORD", "OS_AUTH_TOKEN")}
    env["OS_MISTRAL_URL"] = server.url
    proc = await asyncio.create_subprocess_exec(
        str(MISTRAL if MISTRAL.exists() else shutil.which("mistral")), *args,
        stdout=asyncio.subprocess.PIPE, stderr=asyncio.subprocess.PIPE, env=env)
    out, err = await asyncio.wait_for(proc.communicate(), 60)
    return proc.returncode, out.decode(), err.decode()
