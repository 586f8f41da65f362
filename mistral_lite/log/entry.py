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

# Epochs are Raft terms, stored in an SQLite INTEGER.
MAX_EPOCH = 2**63 - 1


class EntryFormatError(ValueError):
    """Bytes that are not a valid log entry. `entry_id` is the id it claims, when it has a usable one."""

    def __init__(self, message: str, entry_id: str = "") -> None:
        super().__init__(message)
        self.entry_id = entry_id


@dataclass(frozen=True)
class Entry:
    """One engine step or one client request: ids and timestamps inside, chosen by the caller.

    `kind` is "request" for a client's change (deduplicated by `id`),
    "engine" for an engine decision (fenced by `epoch` and `prev` in a
    cluster) and "barrier" for a new leader's first entry (epoch = term).
    `prev` is the id of the engine entry or barrier the leader applied before
    this one, so an entry that lost its place in the chain is refused.
    """

    id: str
    kind: str
    commands: tuple[Command, ...] = field(default_factory=tuple)
    epoch: int | None = None
    v: int = ENTRY_VERSION
    prev: str | None = None

    def to_json(self) -> str:
        raw: dict[str, Any] = {"v": self.v, "id": self.id, "epoch": self.epoch, "kind": self.kind,
                               "commands": list(self.commands)}
        if self.prev is not None:  # omitted: single-node entries keep their old bytes
            raw["prev"] = self.prev
        return json.dumps(raw, separators=(",", ":"))

    def problem(self) -> str | None:
        """Why this entry is not well formed (wrong types, unknown kind, newer version); None if it is."""
        if not _is_text(self.id):
            return f"not a log entry: id must be a UTF-8 string, not {_shown(self.id)}"
        if not isinstance(self.kind, str) or self.kind not in KINDS:
            return f"unknown entry kind {_shown(self.kind)}"
        if not _is_int(self.v) or self.v < 1:
            return f"not a log entry: v must be a positive integer, not {_shown(self.v)}"
        if self.v > ENTRY_VERSION:
            return f"entry version {_shown(self.v)} is newer than this node understands ({ENTRY_VERSION})"
        if self.epoch is not None and not (_is_int(self.epoch) and 0 <= self.epoch <= MAX_EPOCH):
            return f"not a log entry: epoch must be an integer from 0 to 2**63-1 or null, not {_shown(self.epoch)}"
        if self.prev is not None and not _is_text(self.prev):
            return f"not a log entry: prev must be a UTF-8 string or null, not {_shown(self.prev)}"
        if not isinstance(self.commands, (tuple, list)) or not all(isinstance(c, dict) for c in self.commands):
            return "not a log entry: commands must be a list of objects"
        return None

    @classmethod
    def from_json(cls, text: str | bytes) -> "Entry":
        """Decode one entry; raises EntryFormatError, and nothing else, for anything that is not one."""
        if not isinstance(text, (str, bytes)):
            raise EntryFormatError(f"not a log entry: {type(text).__name__} is not JSON text")
        try:
            raw: Any = json.loads(text)
        except MemoryError:
            raise
        except Exception as e:  # ValueError, UnicodeDecodeError, RecursionError (deep nesting), ...
            raise EntryFormatError(f"not a log entry: {type(e).__name__}: {e}") from None
        return cls.from_obj(raw)

    @classmethod
    def from_obj(cls, raw: Any) -> "Entry":
        """An entry from decoded JSON (one member of a batch); raises EntryFormatError only."""
        if not isinstance(raw, dict):
            raise EntryFormatError(f"not a log entry: {type(raw).__name__} is not an object")
        claimed = raw.get("id")
        entry_id = claimed if _is_text(claimed) else ""
        if "id" not in raw or "kind" not in raw:
            raise EntryFormatError("not a log entry: id and kind are required", entry_id)
        commands = raw.get("commands")
        if commands is not None and not isinstance(commands, list):
            raise EntryFormatError("not a log entry: commands must be a list of objects", entry_id)
        entry = cls(id=claimed, kind=raw["kind"], commands=tuple(commands or ()), epoch=raw.get("epoch"),
                    v=raw.get("v", 1), prev=raw.get("prev"))
        problem = entry.problem()
        if problem is not None:
            raise EntryFormatError(problem, entry_id)
        return entry


def _is_int(value: Any) -> bool:
    return isinstance(value, int) and not isinstance(value, bool)


def _is_text(value: Any) -> bool:
    """A str SQLite can store: JSON may carry lone surrogates, which UTF-8 cannot encode."""
    if not isinstance(value, str):
        return False
    try:
        value.encode("utf-8")
    except UnicodeEncodeError:
        return False
    return True


def _shown(value: Any) -> str:
    """A short, deterministic rendering of a bad value for an error message (containers by type only:
    their repr could recurse too deep or be huge)."""
    if not isinstance(value, (str, int, float, bool, type(None))):
        return type(value).__name__
    text = repr(value) if not isinstance(value, int) or abs(value) < 10**30 else "a huge integer"
    return text if len(text) <= 80 else text[:77] + "..."
