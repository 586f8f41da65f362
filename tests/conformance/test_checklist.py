"""Every run-time row of the Mistral feature checklist is shown by a recorded case, or says why none can.

checklist.yaml lists the rows itself (the suite reads nothing outside the repository): `sections` says how many
rows each section has, `rows` maps each row id to case-file stems or to `{excluded: reason}`.
"""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import yaml

from tests.conformance import replay

HERE = Path(__file__).resolve().parent
CHECKLIST = HERE / "checklist.yaml"
ROW_ID = re.compile(r"^([A-Z])([1-9][0-9]*)$")


def _checklist() -> dict[str, Any]:
    return yaml.safe_load(CHECKLIST.read_text(encoding="utf-8"))


def test_every_row_of_every_section_is_listed() -> None:
    data = _checklist()
    sections: dict[str, int] = data["sections"]
    expected = {f"{letter}{n}" for letter, count in sections.items() for n in range(1, count + 1)}
    listed = set(data["rows"])
    assert not expected - listed, f"rows missing from checklist.yaml: {sorted(expected - listed)}"
    assert not listed - expected, f"rows outside the declared sections: {sorted(listed - expected)}"
    for row in listed:
        assert ROW_ID.match(row), f"{row!r} is not a row id like L12"


def test_every_row_names_existing_cases_or_a_reason() -> None:
    stems = {case.stem for case in replay.discover(HERE / "cases")}
    for row, entry in _checklist()["rows"].items():
        if isinstance(entry, dict):
            reason = entry.get("excluded")
            assert set(entry) == {"excluded"} and isinstance(reason, str) and reason.strip(), (
                f"{row}: an excluded row is {{excluded: 'why no case can show it'}}, not {entry!r}")
            continue
        assert isinstance(entry, list) and entry, f"{row}: needs at least one case, or {{excluded: reason}}"
        unknown = [stem for stem in entry if stem not in stems]
        assert not unknown, f"{row} names cases that do not exist: {unknown}"
