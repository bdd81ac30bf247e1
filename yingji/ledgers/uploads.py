"""Keeping an uploaded ledger between its preview and the confirmed import.

The file is saved under ``MEDIA_ROOT/imports/<uuid>`` with a small JSON sidecar naming
the user, the original filename, the ledger and the column mapping. The client only ever
holds the uuid: it is parsed as a UUID (so it cannot carry a path), the sidecar must
name the same user and ledger, and files older than `PENDING_TTL` are refused and
deleted. Uploads hold personal data (ID numbers), so they are deleted after the import,
by any later upload once expired, and by the worker's periodic purge.
"""

from __future__ import annotations

import json
import time
import uuid
from dataclasses import dataclass, field
from pathlib import Path
from typing import IO, Any

from django.conf import settings

PENDING_TTL = 60 * 60  # seconds
CHUNK = 64 * 1024


class PendingUploadMissing(Exception):
    """The upload is unknown, belongs to someone else, or has expired; the user uploads again."""


@dataclass
class PendingUpload:
    token: str
    path: Path
    filename: str
    ledger: str
    user_id: int
    created: float
    mapping: dict[str, str] = field(default_factory=dict)

    def open(self) -> IO[bytes]:
        return self.path.open("rb")

    def save_mapping(self, mapping: dict[str, str]) -> None:
        self.mapping = mapping
        _meta_path(self.path).write_text(json.dumps(self._meta(), ensure_ascii=False), encoding="utf-8")

    def _meta(self) -> dict[str, Any]:
        return {
            "filename": self.filename,
            "ledger": self.ledger,
            "user_id": self.user_id,
            "created": self.created,
            "mapping": self.mapping,
        }


def pending_dir() -> Path:
    directory = Path(settings.MEDIA_ROOT) / "imports"
    directory.mkdir(parents=True, exist_ok=True)
    return directory


def _meta_path(path: Path) -> Path:
    return path.with_suffix(".json")


def stash(upload: Any, *, user: Any, ledger: str) -> PendingUpload:
    """Save an uploaded file for this user and ledger; returns the handle whose token the page keeps."""
    purge_expired()
    token = uuid.uuid4().hex
    path = pending_dir() / f"{token}.upload"
    with path.open("wb") as out:
        upload.seek(0)
        while chunk := upload.read(CHUNK):
            out.write(chunk)
    pending = PendingUpload(
        token=token,
        path=path,
        filename=str(getattr(upload, "name", "") or "upload")[-200:],
        ledger=ledger,
        user_id=user.pk,
        created=time.time(),
    )
    pending.save_mapping({})
    return pending


def load(token: str, *, user: Any, ledger: str) -> PendingUpload:
    """The pending upload named by `token`, if it is this user's, for this ledger and not expired."""
    try:
        token = uuid.UUID(str(token)).hex
    except ValueError as exc:
        raise PendingUploadMissing from exc
    path = pending_dir() / f"{token}.upload"
    try:
        meta = json.loads(_meta_path(path).read_text(encoding="utf-8"))
    except (OSError, ValueError) as exc:
        raise PendingUploadMissing from exc
    if meta.get("user_id") != user.pk or meta.get("ledger") != ledger or not path.exists():
        raise PendingUploadMissing
    if time.time() - float(meta.get("created", 0)) > PENDING_TTL:
        discard(token)
        raise PendingUploadMissing
    return PendingUpload(token=token, path=path, **meta)


def discard(token: str) -> None:
    try:
        token = uuid.UUID(str(token)).hex
    except ValueError:
        return
    path = pending_dir() / f"{token}.upload"
    path.unlink(missing_ok=True)
    _meta_path(path).unlink(missing_ok=True)


def purge_expired(now: float | None = None) -> int:
    """Delete uploads older than the time-to-live; returns how many were deleted."""
    now = time.time() if now is None else now
    deleted = 0
    for path in pending_dir().glob("*.upload"):
        try:
            age = now - path.stat().st_mtime
        except OSError:
            continue
        if age > PENDING_TTL:
            path.unlink(missing_ok=True)
            _meta_path(path).unlink(missing_ok=True)
            deleted += 1
    return deleted
