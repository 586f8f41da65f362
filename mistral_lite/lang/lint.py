"""Warnings on documents Mistral accepts but that are probably mistakes, and the `lint` command.

A warning never refuses an upload unless strict-validation is on; it is reported in the validate
response, in the log, and by `mistral-lite lint FILE...` as `file:line: warning: message`.
"""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Any, Callable, Iterable, TextIO

from mistral_lite.lang.documents import parse_actions, parse_workbook, parse_workflows
from mistral_lite.lang.errors import DslError, DslWarning
from mistral_lite.lang.yaml_source import load
from mistral_lite.storable import DEFAULT_MAX_DEPTH

Parse = Callable[..., Any]


def enforce(warnings: Iterable[DslWarning], strict: bool) -> None:
    """Under strict-validation the first warning refuses the document, naming its key and line."""
    if strict:
        for warning in warnings:
            raise warning.as_error()


def kind_of(text: str, max_depth: int = DEFAULT_MAX_DEPTH) -> Parse:
    """Which parser a file is for: a workbook has `name` with `workflows` or `actions`; ad-hoc actions
    have `base`; anything else is a workflow file (whose parser then says what is wrong)."""
    try:
        data = load(text, max_depth).data  # the upload's own reading: bounded, anchors off
    except DslError:
        return parse_workflows
    if not isinstance(data, dict):
        return parse_workflows
    if "name" in data and ("workflows" in data or "actions" in data):
        return parse_workbook
    items = [v for k, v in data.items() if k != "version"]
    if items and all(isinstance(v, dict) and "base" in v for v in items):
        return parse_actions
    return parse_workflows


def lint_text(text: str, max_depth: int = DEFAULT_MAX_DEPTH) -> list[DslError]:
    """Everything wrong or doubtful in one document: its warnings, or its error (parsing stops there)."""
    warnings: list[DslWarning] = []
    try:
        kind_of(text, max_depth)(text, max_depth, warnings)
    except DslError as e:
        return [*warnings, e]
    return list(warnings)


def line(path: str, finding: DslError) -> str:
    level = "warning" if isinstance(finding, DslWarning) else "error"
    where = f"{path}:{finding.line}" if finding.line is not None else path
    return f"{where}: {level}: {finding.message}{finding.location(with_line=False)}"


def main(paths: Iterable[str], out: TextIO = sys.stdout) -> int:
    """Print every finding of every file; exit 1 when there is any (for CI), 2 when a file cannot be read."""
    status = 0
    for path in paths:
        try:
            text = Path(path).read_text(encoding="utf-8")
        except (OSError, UnicodeDecodeError) as e:
            print(f"{path}: error: cannot read the file: {e}", file=out)
            status = 2
            continue
        findings = lint_text(text)
        for finding in findings:
            print(line(path, finding), file=out)
        if findings and status == 0:
            status = 1
    return status
