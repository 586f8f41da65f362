"""The real `mistral` CLI against a fresh mistral-lite prints what real Mistral printed for the same steps."""

from __future__ import annotations

import difflib
import os
import sys
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any

import pytest
import yaml

from tests.cli.compat import HERE, Family, driver_cli, families, run_family, subprocess_cli
from tests.support.process import ServerProcess

MISTRAL = Path(sys.executable).parent / "mistral"
# CLI_SUBPROCESS=1: one `mistral` process per step, as a user runs it (slower); by default each family's
# steps go through the client's entry point in one process of this virtualenv (tests/cli/cli_driver.py).
ONE_PROCESS_PER_STEP = os.environ.get("CLI_SUBPROCESS") == "1"
FAMILIES = families()
DIFFERENCES = yaml.safe_load((HERE / "differences.yaml").read_text(encoding="utf-8"))


def listed(kind: str) -> dict[tuple[str, str], str]:
    return {(d["family"], d["step"]): d["reason"] for d in DIFFERENCES[kind] or []}


APPROVED, PENDING = listed("approved"), listed("pending")


def run_on_fresh_server(family: Family, root: Path) -> list[dict[str, Any]]:
    server = ServerProcess(root / family.name).start()
    try:
        if ONE_PROCESS_PER_STEP:
            return run_family(family, server.url, subprocess_cli(str(MISTRAL), server.url))
        with driver_cli(sys.executable, server.url) as cli:
            return run_family(family, server.url, cli)
    finally:
        server.stop()


@pytest.fixture(scope="module")
def outputs(tmp_path_factory) -> dict[str, list[dict[str, Any]]]:
    """Every family run once, side by side, each on its own fresh server."""
    root = tmp_path_factory.mktemp("cli")
    with ThreadPoolExecutor(max_workers=3) as pool:
        results = pool.map(lambda f: run_on_fresh_server(f, root), FAMILIES)
        return {f.name: r for f, r in zip(FAMILIES, results)}


def test_differences_name_real_steps():
    steps = {(f.name, s["id"]) for f in FAMILIES for s in f.recording()}
    assert not (set(APPROVED) | set(PENDING)) - steps
    assert not set(APPROVED) & set(PENDING)


def test_every_step_is_recorded():
    for family in FAMILIES:
        recorded = [r["id"] for r in family.recording()]
        assert recorded == [s.id for s in family.steps if s.id in recorded], family.name
        assert recorded, f"{family.name} has no recording"


def difference(expected: dict[str, Any], got: dict[str, Any]) -> str:
    """What a step printed against what Mistral printed, as a diff of each part that differs."""
    lines = [f"--- step {expected['id']}"]
    for part in ("exit", "stdout", "stderr"):
        if expected[part] != got[part]:
            lines.extend(difflib.unified_diff(str(expected[part]).splitlines(), str(got[part]).splitlines(),
                                              f"Mistral {part}", f"mistral-lite {part}", lineterm=""))
    return "\n".join(lines)


@pytest.mark.parametrize("family", FAMILIES, ids=[f.name for f in FAMILIES])
def test_family_prints_what_mistral_prints(family: Family, outputs):
    got = {r["id"]: r for r in outputs[family.name]}
    mismatched, fixed = [], []
    for expected in family.recording():
        key = (family.name, expected["id"])
        same = got[expected["id"]] == expected
        if key in APPROVED:
            continue
        if key in PENDING:
            if same:
                fixed.append(expected["id"])
        elif not same:
            mismatched.append(difference(expected, got[expected["id"]]))
    assert not mismatched, "\n".join(mismatched)
    assert not fixed, f"pending differences now identical (remove them from differences.yaml): {fixed}"
