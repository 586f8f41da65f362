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

    HEAD = "Invalid DSL"

    def render(self) -> str:
        return f"{self.HEAD}: {self.message}{self.location()}"

    def location(self, with_line: bool = True) -> str:
        parts = [f"{label} '{self.where[label]}'" for label in LABELS if self.where.get(label) is not None]
        if with_line and self.line is not None:
            parts.append(f"line {self.line}")
        return f" ({', '.join(parts)})" if parts else ""


class DslSyntaxError(DslError):
    """Text that is not YAML at all, in Mistral's words: "Definition could not be parsed: " and the YAML
    parser's own report, which already names the line and column (scripts grep for it)."""

    def render(self) -> str:
        return self.message


class DslWarning(DslError):
    """Something Mistral accepts but that is probably a mistake (an unknown key, a typo of a known one).

    The document is accepted; the warning is reported (validate response, log, `mistral-lite lint`),
    and with strict-validation it is refused like an error.
    """

    HEAD = "Warning"

    def as_error(self) -> DslError:
        return DslError(f"{self.message} (refused: strict-validation is on)", line=self.line, where=self.where)
