#!/usr/bin/env python3
"""Record the CLI step files of tests/cli on real Mistral with its own `mistral` command, twice; keep stable steps.

    python3 scripts/cli_record.py [--only workflows,executions] [--mistral http://127.0.0.1:8989/v2]
        [--cli /tmp/mistral-anchor/venv/bin/mistral]

Before each run everything named `cli_...` is deleted from Mistral over REST, so a family starts from the
same state. A step whose two recordings differ is left out of FAMILY.recorded.yaml and reported (a step file
should then be changed so it is stable). Families run concurrently; steps of one family run in order.
"""

from __future__ import annotations

import argparse
import json
import sys
import urllib.error
import urllib.request
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import yaml

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from tests.cli.compat import Family, families, run_family, subprocess_cli  # noqa: E402

# (collection path, list key, field holding the name, field used in the DELETE path), children first.
COLLECTIONS = [
    ("cron_triggers", "cron_triggers", "name", "name"),
    ("event_triggers", "event_triggers", "name", "id"),
    ("executions", "executions", "workflow_name", "id"),
    ("workbooks", "workbooks", "name", "name"),
    ("workflows", "workflows", "name", "id"),
    ("actions", "actions", "name", "id"),
    ("environments", "environments", "name", "name"),
    ("code_sources", "code_sources", "name", "id"),
    ("dynamic_actions", "dynamic_actions", "name", "id"),
]


def request(method: str, url: str) -> object:
    with urllib.request.urlopen(urllib.request.Request(url, method=method), timeout=30) as response:
        raw = response.read()
        return json.loads(raw) if raw else None


def clean(mistral: str, prefix: str) -> None:
    """Delete every object a family's steps may have created (named PREFIX...), children before parents."""
    for path, key, name_field, id_field in COLLECTIONS:
        try:
            listing = request("GET", f"{mistral}/{path}?limit=1000&{name_field}=has:{prefix}")
        except urllib.error.URLError:
            continue
        for item in listing.get(key, []):  # type: ignore[union-attr]
            if str(item.get(name_field) or "").startswith(prefix):
                query = "?force=true" if path == "executions" else ""
                if item.get("namespace"):
                    query = f"?namespace={item['namespace']}"
                try:
                    request("DELETE", f"{mistral}/{path}/{item[id_field]}{query}")
                except urllib.error.HTTPError as error:
                    print(f"  could not delete {path}/{item[id_field]}: {error.code}", file=sys.stderr)


def stable(first: list[dict], second: list[dict]) -> tuple[list[dict], list[str]]:
    """The results both runs agree on, and the ids of the others."""
    second_by_id = {r["id"]: r for r in second}
    kept = [r for r in first if second_by_id.get(r["id"]) == r]
    return kept, [r["id"] for r in first if r not in kept]


class Dumper(yaml.SafeDumper):
    """Multi-line output as literal blocks, so a recording reads like the terminal."""


Dumper.add_representer(str, lambda dumper, text: dumper.represent_scalar(
    "tag:yaml.org,2002:str", text, style="|" if "\n" in text else None))


def record(family: Family, mistral: str, cli: str, runs_dir: Path | None) -> str:
    runs = []
    for _ in range(2):
        clean(mistral, family.prefix)
        runs.append(run_family(family, mistral, subprocess_cli(cli, mistral)))
    if runs_dir:
        for number, run in enumerate(runs, 1):
            (runs_dir / f"{family.name}.{number}.yaml").write_text(
                yaml.dump(run, Dumper=Dumper, sort_keys=False, allow_unicode=True, width=120), encoding="utf-8")
    kept, dropped = stable(*runs)
    family.recording_path.write_text(yaml.dump(kept, Dumper=Dumper, sort_keys=False, allow_unicode=True, width=120),
                                     encoding="utf-8")
    clean(mistral, family.prefix)
    note = f" (unstable, dropped: {', '.join(dropped)})" if dropped else ""
    return f"{family.name}: {len(kept)} of {len(family.steps)} steps recorded{note}"


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--only", default="", help="comma list of family names (default: all)")
    parser.add_argument("--mistral", default="http://127.0.0.1:8989/v2")
    parser.add_argument("--cli", default="/tmp/mistral-anchor/venv/bin/mistral")
    parser.add_argument("--runs", type=Path, help="directory to keep both raw runs of each family in")
    parser.add_argument("--jobs", type=int, default=3, help="families recorded at once")
    args = parser.parse_args()
    wanted = [f for f in families() if not args.only or f.name in args.only.split(",")]
    # Each family has its own prefix (cleaned and filtered by it), so families can run side by side.
    with ThreadPoolExecutor(max_workers=args.jobs) as pool:
        for line in pool.map(lambda f: record(f, args.mistral, args.cli, args.runs), wanted):
            print(line)
    return 0


if __name__ == "__main__":
    sys.exit(main())
