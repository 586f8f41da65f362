"""Masking of secret values: values under keys that look like secrets become '***'.

Pure (no I/O), so the engine may call it too. A key looks like a secret when
one of the mask keys occurs in it, case-insensitively (oslo's mask_dict_password
matches the same way), so 'db_password' and 'X-Auth-Token' are masked.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any

MASK = "***"
DEFAULT_MASK_KEYS: tuple[str, ...] = (
    "password", "passphrase", "token", "secret", "private_key", "api_key",
    "authorization", "cookie",
)


def is_secret_key(key: object, keys: Iterable[str] = DEFAULT_MASK_KEYS) -> bool:
    return _is_secret(key, _lowered(keys))


def mask_data(value: Any, keys: Iterable[str] = DEFAULT_MASK_KEYS) -> Any:
    """A copy of `value` with every secret-keyed value (at any depth) replaced by MASK."""
    return _mask(value, _lowered(keys))


def structlog_processor(keys: Iterable[str] = DEFAULT_MASK_KEYS):
    """A structlog processor masking secret-keyed fields of every log event before rendering."""
    lowered = _lowered(keys)  # once, not on every log line

    def process(_logger: object, _method: str, event: dict[str, Any]) -> dict[str, Any]:
        return _mask(event, lowered)

    return process


def _lowered(keys: Iterable[str]) -> tuple[str, ...]:
    return tuple(k.lower() for k in keys)


def _is_secret(key: object, lowered: tuple[str, ...]) -> bool:
    if not isinstance(key, str):
        return False
    key = key.lower()
    return any(k in key for k in lowered)


def _mask(value: Any, lowered: tuple[str, ...]) -> Any:
    if isinstance(value, Mapping):
        return {k: MASK if _is_secret(k, lowered) else _mask(v, lowered) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [_mask(v, lowered) for v in value]
    return value
