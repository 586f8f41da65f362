"""The recorded conformance corpus: every case replayed on a live mistral-lite must end as it did on Mistral 23.0.0.

All selected cases run concurrently against one server started for this module (one per session),
then each pytest case checks its own outcome. differences.yaml may list a case:
`approved` (a deliberate difference listed in docs/differences.md: not compared) or
`pending` (a known difference not fixed yet: the case must still differ, so a fix removes the entry).
"""

from __future__ import annotations

import asyncio
from pathlib import Path
from typing import Any

import pytest

from tests.conformance import replay
from tests.support.servers import live_api

HERE = Path(__file__).resolve().parent
CASES = replay.discover(HERE / "cases")
ALLOWED = replay.load_allowed(HERE / "differences.yaml")
DIFFERENCES_DOC = HERE.parent.parent / "docs" / "differences.md"
KINDS = ("approved", "pending")


async def _run_all(cases: list[replay.Case], data_dir: Path) -> dict[str, Any]:
    async with live_api(data_dir) as api:
        return await replay.outcomes(api.url, cases)


@pytest.fixture(scope="module")
def outcomes(request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory) -> dict[str, Any]:
    """Outcomes of the cases this session selected (so `-k feat_012` runs one case, not the corpus)."""
    wanted = {item.callspec.params["case"].id for item in request.session.items
              if item.module is request.module and hasattr(item, "callspec") and "case" in item.callspec.params}
    chosen = [case for case in CASES if case.id in wanted]
    return asyncio.run(_run_all(chosen, tmp_path_factory.mktemp("conformance")))


@pytest.mark.parametrize("case", CASES, ids=[case.id for case in CASES])
def test_case_ends_as_on_mistral(case: replay.Case, outcomes: dict[str, Any]) -> None:
    got = outcomes[case.id]
    allowed = ALLOWED.get(case.stem)
    if allowed is not None and allowed.kind == "approved":
        return  # a deliberate difference: test_allowed_entries_are_sound checks its reason and its doc row
    assert not isinstance(got, str), f"{case.id} did not run: {got}"
    assert not got.get("_timeout"), f"{case.id}: the execution did not finish within {case.timeout}s: {got}"
    assert case.expected_path.exists(), f"{case.id} has no recording: record it on Mistral (docs/conformance.md)"
    expected = replay.drop_ignored(case.expected(), case.meta.get("ignore"))
    found = replay.differences(expected, got)
    if allowed is not None:
        assert found, f"{case.id} is now identical to Mistral: remove its pending entry from differences.yaml"
        return
    assert not found, f"{case.id} differs from Mistral 23.0.0:\n  " + "\n  ".join(found)


def test_every_case_is_recorded_and_well_formed() -> None:
    assert CASES, "the corpus is empty"
    for case in CASES:
        assert case.expected_path.exists(), f"{case.id} has no recording ({case.expected_path.name})"
        if case.group == "valid":
            assert case.meta.get("start"), f"{case.id}: a valid case needs a '# start:' header"
    stems = [case.stem for case in CASES]
    assert len(stems) == len(set(stems)), "two cases share a file name"


def test_allowed_entries_are_sound() -> None:
    stems = {case.stem for case in CASES}
    doc = DIFFERENCES_DOC.read_text(encoding="utf-8")
    for entry in ALLOWED.values():
        assert entry.stem in stems, f"differences.yaml lists {entry.stem}, which is not a case"
        assert entry.kind in KINDS, f"{entry.stem}: kind must be one of {KINDS}, not {entry.kind!r}"
        assert entry.reason, f"{entry.stem}: an allowed difference needs a reason"
        if entry.kind == "approved":
            assert entry.stem in doc, f"{entry.stem} is approved but docs/differences.md does not mention it"
