"""The error a workflow author sees: what is wrong, and where."""

from __future__ import annotations


class DslError(ValueError):
    """An invalid workflow, workbook or action document.

    `line` is 1-based in the uploaded text (None when unknown); `path`
    names the place, e.g. ("my_wf", "tasks", "t1", "action").
    """

    def __init__(self, message: str, *, line: int | None = None, path: tuple[str, ...] = ()) -> None:
        self.message = message
        self.line = line
        self.path = path
        super().__init__(self.render())

    def render(self) -> str:
        where = []
        if self.path:
            where.append(".".join(self.path))
        if self.line is not None:
            where.append(f"line {self.line}")
        suffix = f" [{', '.join(where)}]" if where else ""
        return f"Invalid DSL: {self.message}{suffix}"
