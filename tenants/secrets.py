"""Encryption of stored credentials (Fernet: AES-128-CBC + HMAC-SHA256).

TRADELANE_ENCRYPTION_KEY holds one or more comma-separated keys, newest first: new values are
encrypted with the first, and any of them decrypts, so keys can be rotated without downtime.
"""

from __future__ import annotations

import json
from typing import Any

from cryptography.fernet import Fernet, InvalidToken, MultiFernet

_fernet: MultiFernet | None = None


def configure(keys: str) -> None:
    global _fernet
    parts = [k.strip() for k in keys.split(",") if k.strip()]
    if not parts:
        raise ValueError("TRADELANE_ENCRYPTION_KEY is empty")
    _fernet = MultiFernet([Fernet(k.encode()) for k in parts])


def _require() -> MultiFernet:
    if _fernet is None:
        raise RuntimeError("encryption is not configured: call create_app() first")
    return _fernet


def encrypt_json(data: dict[str, Any]) -> str:
    return _require().encrypt(json.dumps(data, sort_keys=True).encode()).decode()


def decrypt_json(token: str | None) -> dict[str, Any]:
    if not token:
        return {}
    try:
        return json.loads(_require().decrypt(token.encode()))
    except InvalidToken:
        raise RuntimeError("stored credentials cannot be decrypted with the configured key(s)") from None
