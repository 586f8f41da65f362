"""The error a workflow author sees: what is wrong, and where."""

from __future__ import annotations

from typing import Any, Mapping

# Order in which the parts of a location are shown.
LABELS = ("workbook", "workflow", "action", "task", "key")


class DslError(ValueError):
    """An invalid workflow, workbook or action document.

    `line` is 1-based in the uploaded text (None when unknown, e.g. when a
    stored definition is parsed again); `where` names the place:
    {"workflow": "wf", "task": "t1", "key": "on-success"}.
    """

    def __init__(self, message: str, *, line: int | None = None, where: Mapping[str, Any] | None = None) -> None:
        self.message = message
        self.line = line
        self.where = dict(where or {})
        super().__init__(self.render())

    def render(self) -> str:
        parts = [f"{label} '{self.where[label]}'" for label in LABELS if self.where.get(label) is not None]
        if self.line is not None:
            parts.append(f"line {self.line}")
        suffix = f" ({', '.join(parts)})" if parts else ""
        return f"Invalid DSL: {self.message}{suffix}"
