"""A log entry: the unit that is committed, replicated and applied atomically."""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from typing import Any

from mistral_lite.commands import Command

# Bumped when the meaning of an entry or a command changes; apply keeps
# accepting every older version so a new node can replay an old log.
ENTRY_VERSION = 1

KINDS = ("request", "engine", "barrier")


class EntryFormatError(ValueError):
    """Bytes that are not a valid log entry."""


@dataclass(frozen=True)
class Entry:
    """One engine step or one client request: ids and timestamps inside, chosen by the caller.

    `kind` is "request" for a client's change (deduplicated by `id`),
    "engine" for an engine decision (fenced by `epoch` in a cluster) and
    "barrier" for a new leader's first entry.
    """

    id: str
    kind: str
    commands: tuple[Command, ...] = field(default_factory=tuple)
    epoch: int | None = None
    v: int = ENTRY_VERSION
    # In a cluster: the id of the engine entry (or barrier) this one follows; apply refuses a broken chain.
    prev: str | None = None

    def to_json(self) -> str:
        return json.dumps(
            {"v": self.v, "id": self.id, "epoch": self.epoch, "kind": self.kind, "commands": list(self.commands),
             "prev": self.prev},
            separators=(",", ":"),
            sort_keys=True,
        )

    @classmethod
    def from_json(cls, text: str | bytes) -> "Entry":
        try:
            raw: Any = json.loads(text)
            entry = cls(
                id=str(raw["id"]),
                kind=str(raw["kind"]),
                commands=tuple(raw.get("commands") or ()),
                epoch=raw.get("epoch"),
                v=int(raw.get("v", 1)),
                prev=raw.get("prev"),
            )
        except (ValueError, KeyError, TypeError) as e:
            raise EntryFormatError(f"not a log entry: {e}") from None
        if entry.kind not in KINDS:
            raise EntryFormatError(f"unknown entry kind {entry.kind!r}")
        if entry.v > ENTRY_VERSION:
            raise EntryFormatError(f"entry version {entry.v} is newer than this node understands ({ENTRY_VERSION})")
        return entry
