"""The workflow-language corpus: valid and invalid documents with their expectations in headers."""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent / "corpus"
HEADER = re.compile(r"^#\s*([\w-]+):\s*(.*?)\s*$")


@dataclass(frozen=True)
class Case:
    path: Path
    kind: str  # workflow, workbook or actions
    text: str
    expect_line: int | None = None
    expect_key: str | None = None
    expect_fragment: str | None = None

    @property
    def id(self) -> str:
        return self.path.stem


def _case(path: Path) -> Case:
    text = path.read_text()
    headers: dict[str, str] = {}
    for line in text.splitlines():
        match = HEADER.match(line)
        if not match:
            break
        headers[match.group(1)] = match.group(2)
    line = headers.get("expect-line")
    return Case(
        path=path,
        kind=headers.get("kind", "workflow"),
        text=text,
        expect_line=int(line) if line else None,
        expect_key=headers.get("expect-key"),
        expect_fragment=headers.get("expect-fragment"),
    )


def cases(group: str) -> list[Case]:
    return [_case(p) for p in sorted((ROOT / group).glob("*.yaml"))]
