"""Time as stored (microseconds, sortable text) and as Mistral shows it (whole seconds)."""

from __future__ import annotations

from datetime import datetime, timezone

STORED_FORMAT = "%Y-%m-%d %H:%M:%S.%f"


def utcnow() -> datetime:
    return datetime.now(timezone.utc)


def to_stored(moment: datetime) -> str:
    return moment.astimezone(timezone.utc).strftime(STORED_FORMAT)


def to_api(stored: str | None) -> str | None:
    """'2026-01-02 10:11:12.345678' → '2026-01-02 10:11:12' (the CLI parses exactly this)."""
    return stored[:19] if stored else stored
