"""The ledger file a beancount connection writes: created with its options, appended to one
transaction at a time under a lock, and read back to find what it holds (the "remote" state of
this target). Appends are flushed and fsynced before a voucher counts as posted."""

from __future__ import annotations

import os
import re
import threading
from pathlib import Path

from core.ports import ConnectionContext, RemoteRejected, TransientError

_locks: dict[str, threading.Lock] = {}
_guard = threading.Lock()
REF = re.compile(r'^  ref: "((?:[^"\\]|\\.)*)"$', re.MULTILINE)
OPEN = re.compile(r"^\d{4}-\d{2}-\d{2} open (\S+)", re.MULTILINE)
PRICE = re.compile(r"^(\d{4}-\d{2}-\d{2}) price (\S+) ", re.MULTILINE)
TXN = re.compile(r"^(\d{4}-\d{2}-\d{2}) \* ", re.MULTILINE)


class LedgerFile:
    def __init__(self, ctx: ConnectionContext) -> None:
        self.ctx = ctx
        path = str(ctx.settings.get("path") or "").strip()
        if not path:
            raise RemoteRejected("set the path of the beancount file")
        self.path = Path(path)
        with _guard:
            self.lock = _locks.setdefault(str(self.path.resolve()), threading.Lock())

    def close(self) -> None:
        pass

    def read(self) -> str:
        try:
            return self.path.read_text(encoding="utf-8")
        except FileNotFoundError:
            return ""
        except OSError as exc:
            raise TransientError(f"cannot read {self.path}: {exc.strerror}") from None

    def size(self) -> int:
        try:
            return self.path.stat().st_size
        except FileNotFoundError:
            return 0

    def read_from(self, offset: int) -> bytes:
        """The bytes appended after `offset`."""
        try:
            with open(self.path, "rb") as fh:
                fh.seek(offset)
                return fh.read()
        except FileNotFoundError:
            return b""
        except OSError as exc:
            raise TransientError(f"cannot read {self.path}: {exc.strerror}") from None

    def append(self, text: str) -> None:
        """Write `text` at the end, durably. A write that fails part-way leaves the file as it
        was (the file is truncated back to its old length)."""
        try:
            self.path.parent.mkdir(parents=True, exist_ok=True)
            with open(self.path, "a", encoding="utf-8") as fh:
                start = fh.tell()
                try:
                    fh.write(text)
                    fh.flush()
                    os.fsync(fh.fileno())
                except OSError:
                    fh.truncate(start)
                    raise
        except OSError as exc:
            raise TransientError(f"cannot write {self.path}: {exc.strerror}") from None

    def references(self, text: str) -> list[str]:
        return [m.group(1).replace('\\"', '"').replace("\\\\", "\\") for m in REF.finditer(text)]

    def opened(self, text: str) -> set[str]:
        return set(OPEN.findall(text))

    def priced(self, text: str) -> set[tuple[str, str]]:
        return set(PRICE.findall(text))
