"""A place in a document being validated: its value, its path, its line, its labels.

Validators walk the document with places, so every error they raise names
the workflow, task and key it concerns and the line it stands on.
"""

from __future__ import annotations

import difflib
from dataclasses import dataclass, field
from typing import Any, Iterable

from mistral_lite.lang.errors import DslError, DslWarning
from mistral_lite.lang.yaml_source import Source


@dataclass(frozen=True)
class Place:
    value: Any
    source: Source | None = None
    path: tuple[Any, ...] = ()
    labels: dict[str, Any] = field(default_factory=dict)
    # Shared by every place of one document: what `warn` found (None: warnings are not collected).
    warnings: list[DslWarning] | None = field(default=None, compare=False)

    @classmethod
    def root(cls, source: Source, warnings: list[DslWarning] | None = None) -> "Place":
        return cls(source.data, source, warnings=warnings)

    @property
    def line(self) -> int | None:
        return self.source.line_of(self.path) if self.source is not None else None

    def child(self, key: Any, label: str | None = None) -> "Place":
        """The value under `key`; `label` names what the key is (workflow, task, ...)."""
        value = self.value.get(key) if isinstance(self.value, dict) else self.value[key]
        labels = dict(self.labels)
        if label is not None:
            labels[label] = key
            labels.pop("key", None)
        elif isinstance(key, str):
            labels["key"] = key if "key" not in labels else f"{labels['key']}.{key}"
        return Place(value, self.source, self.path + (key,), labels, self.warnings)

    def error(self, message: str) -> DslError:
        return DslError(message, line=self.line, where=self.labels)

    def warn(self, message: str) -> None:
        if self.warnings is not None:
            self.warnings.append(DslWarning(message, line=self.line, where=self.labels))

    def mapping(self, what: str, *, allow_empty: bool = True) -> dict[str, Any]:
        if not isinstance(self.value, dict):
            raise self.error(f"{what} must be a mapping, got {describe(self.value)}")
        if not allow_empty and not self.value:
            raise self.error(f"{what} must not be empty")
        return self.value

    def check_keys(self, allowed: Iterable[str], what: str) -> None:
        """Reject keys that are not allowed here, each with its own line."""
        allowed = set(allowed)
        for key in self.value:
            if key not in allowed:
                raise self.child(key).error(
                    f"unknown key '{key}' in {what}; allowed: {', '.join(sorted(allowed))}"
                )

    def warn_unknown_keys(self, known: Iterable[str], what: str) -> None:
        """Keys Mistral ignores here: accepted, each with a warning (a typo of a known key is likely)."""
        known = sorted(set(known))
        for key in self.value:
            if not isinstance(key, str):
                # Mistral fails on such a key with an internal error; refuse it clearly instead.
                raise self.child(key).error(f"a key in {what} must be text, got {describe(key)}; quote it")
            if key not in known:
                guess = difflib.get_close_matches(key, known, n=1, cutoff=0.6)
                hint = f"; did you mean '{guess[0]}'?" if guess else f"; known keys: {', '.join(known)}"
                self.child(key).warn(f"unknown key '{key}' in {what} is ignored{hint}")

    def require(self, key: str, what: str) -> "Place":
        if key not in self.value:
            raise self.error(f"'{key}' is a required property of {what}")
        return self.child(key)


def describe(value: Any) -> str:
    """A short type description for messages: 'a list', 'the number 5'."""
    if value is None:
        return "null"
    if isinstance(value, bool):
        return f"the boolean {str(value).lower()}"
    if isinstance(value, (int, float)):
        return f"the number {value}"
    if isinstance(value, str):
        return f"the string {value!r}" if len(value) < 60 else "a string"
    if isinstance(value, list):
        return "a list"
    if isinstance(value, dict):
        return "a mapping"
    return type(value).__name__
