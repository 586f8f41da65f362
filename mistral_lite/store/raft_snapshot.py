"""Placeholder until the snapshot part lands: pysyncobj's own dump of nothing useful is avoided by
never compacting in tests (logCompactionMinEntries)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from pysyncobj.config import SERIALIZER_STATE


class RaftSnapshots:
    def __init__(self, store: Any, dump_path: Path) -> None:
        self._store = store
        self._dump_path = dump_path

    def serialize(self, tmp_file: str, data: tuple) -> None:
        raise NotImplementedError

    def state(self) -> int:
        return SERIALIZER_STATE.NOT_SERIALIZING

    def deserialize(self, file_name: str) -> tuple:
        raise NotImplementedError
