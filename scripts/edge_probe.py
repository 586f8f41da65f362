"""Send the table of malformed requests (tests/support/malformed.py) to a fresh server and count the 500s.

    python scripts/edge_probe.py                          this checkout
    python scripts/edge_probe.py --pythonpath /work/main  the server imports mistral_lite from another checkout

Prints one line per case (status, expected, faultstring) and a summary.
"""

from __future__ import annotations

import argparse
import asyncio
import os
import sys
import tempfile
from collections import Counter
from pathlib import Path

import aiohttp

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from tests.support.malformed import run_table  # noqa: E402
from tests.support.process import ServerProcess  # noqa: E402


async def probe(url: str) -> int:
    async with aiohttp.ClientSession() as http:
        outcomes = await run_table(http, url)
        async with http.get(url.removesuffix("/v2") + "/health") as r:
            healthy = r.status == 200
    for o in outcomes:
        mark = "ok  " if o.ok else ("500 " if o.status >= 500 else "BAD ")
        print(f"{mark}{o.status} (want {'/'.join(map(str, o.case.statuses))}) {o.case.label}: "
              f"{(o.faultstring or '')[:140]!r}")
    counts = Counter("5xx" if o.status >= 500 else "ok" if o.ok else "other" for o in outcomes)
    print(f"\n{len(outcomes)} cases: {counts['ok']} as expected, {counts['5xx']} gave a 5xx, "
          f"{counts['other']} gave another wrong answer; /health afterwards: {'200' if healthy else 'FAILED'}")
    return counts["5xx"]


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--pythonpath", help="PYTHONPATH of the server process (default: this checkout)")
    args = parser.parse_args()
    os.environ["PYTHONPATH"] = args.pythonpath or str(ROOT)
    with tempfile.TemporaryDirectory() as tmp:
        # `python -m` puts the working directory first on the path: leave this checkout.
        os.chdir(tmp)
        server = ServerProcess(Path(tmp) / "data").start()
        try:
            return 1 if asyncio.run(probe(server.url)) else 0
        finally:
            server.stop()


if __name__ == "__main__":
    sys.exit(main())
