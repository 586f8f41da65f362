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
    if not isinstance(key, str):
        return False
    lowered = key.lower()
    return any(k.lower() in lowered for k in keys)


def mask_data(value: Any, keys: Iterable[str] = DEFAULT_MASK_KEYS) -> Any:
    """A copy of `value` with every secret-keyed value (at any depth) replaced by MASK."""
    keys = tuple(keys)
    if isinstance(value, Mapping):
        return {k: MASK if is_secret_key(k, keys) else mask_data(v, keys) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [mask_data(v, keys) for v in value]
    return value


def structlog_processor(keys: Iterable[str] = DEFAULT_MASK_KEYS):
    """A structlog processor masking secret-keyed fields of every log event before rendering."""
    keys = tuple(keys)

    def process(_logger: object, _method: str, event: dict[str, Any]) -> dict[str, Any]:
        return mask_data(event, keys)

    return process
