"""Attachment files on disk, under HELPDESK_DATA_DIR/attachments/: checked while they are written
(size, then type), written atomically (a temporary file, fsync, os.replace), named by a random key,
found and deleted by that key. No database here: app/services/tickets/attachments/files.py keeps the rows."""

from __future__ import annotations

import hashlib
import logging
import os
import re
import secrets
import tempfile
import unicodedata
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import BinaryIO

from flask import current_app

from app.models.ticket_attachment import MAX_FILENAME_CHARS
from app.services.tickets.attachments.types import AttachmentError, accepted_description, detect

log = logging.getLogger(__name__)
DIRECTORY = "attachments"
CHUNK = 65536
KEY = re.compile(r"^[0-9a-f]{32}$")


@dataclass(frozen=True)
class Upload:
    """A file as it arrived: the name the sender gave it and its bytes (a form's file, an email's part)."""

    filename: str
    stream: BinaryIO


@dataclass(frozen=True)
class StoredFile:
    """A file written and checked, not yet (or no longer) tied to a row."""

    filename: str
    content_type: str
    size: int
    sha256: str
    storage_key: str


@dataclass(frozen=True)
class Limits:
    max_bytes: int
    per_message: int
    types: tuple[str, ...]

    @classmethod
    def from_config(cls, config: Mapping) -> Limits:
        return cls(config["HELPDESK_ATTACHMENT_MAX_BYTES"], config["HELPDESK_ATTACHMENTS_PER_MESSAGE"],
                   tuple(config["HELPDESK_ATTACHMENT_TYPES"]))

    def hint(self) -> str:
        """What may be attached, in words, for forms."""
        return (f"Up to {self.per_message} files of {human_size(self.max_bytes)} each: "
                f"{accepted_description(self.types)}.")


def human_size(size: int) -> str:
    """1536 → "1.5 KB", 10485760 → "10 MB" (powers of 1024, as file managers mostly show them)."""
    if size < 1024:
        return f"{size} bytes"
    value, unit = size / 1024, "KB"
    if value >= 1024:
        value, unit = value / 1024, "MB"
    return f"{value:.1f}".removesuffix(".0") + f" {unit}"


def clean_filename(name: str | None) -> str:
    """The name to show: no folders, no control or direction-changing characters (which can make
    "invoice‮fdp.exe" read as "invoice.exe.pdf"), no leading dots, at most 255 characters with the
    extension kept."""
    name = unicodedata.normalize("NFC", (name or "").replace("\\", "/").rpartition("/")[2])
    name = "".join(ch for ch in name if unicodedata.category(ch) not in ("Cc", "Cf", "Zl", "Zp"))
    name = " ".join(name.split()).lstrip(". ")
    if len(name) > MAX_FILENAME_CHARS:
        stem, dot, ext = name.rpartition(".")
        ext = ext[:16] if dot else ""
        name = (stem if dot else name)[:MAX_FILENAME_CHARS - len(ext) - 1].rstrip() + (f".{ext}" if ext else "")
    return name or "attachment"


def directory() -> Path:
    return Path(current_app.config["HELPDESK_DATA_DIR"]) / DIRECTORY


def path_for(storage_key: str) -> Path:
    """Where a key's file is; only keys we make (32 hex digits) name a file."""
    if not KEY.match(storage_key):
        raise ValueError("not a storage key")
    return directory() / storage_key


def _copy(source: BinaryIO, target, limit: int, filename: str) -> tuple[int, str]:
    """Copy at most `limit` bytes; AttachmentError as soon as there are more."""
    digest, size = hashlib.sha256(), 0
    while chunk := source.read(CHUNK):
        size += len(chunk)
        if size > limit:
            raise AttachmentError(f"“{filename}” is larger than {human_size(limit)}, the most one file may be.",
                                  status=413)
        digest.update(chunk)
        target.write(chunk)
    if size == 0:
        raise AttachmentError(f"“{filename}” is empty.")
    return size, digest.hexdigest()


def store(upload: Upload, limits: Limits) -> StoredFile:
    """Called by app/services/tickets/attachments/files.py: write the upload under a new key, then check
    its type; AttachmentError (and nothing left on disk) when it is too large, empty or refused."""
    filename = clean_filename(upload.filename)
    folder = directory()
    folder.mkdir(parents=True, exist_ok=True)
    handle, temporary = tempfile.mkstemp(dir=folder, prefix=".upload-")
    try:
        with os.fdopen(handle, "wb") as target:
            size, sha256 = _copy(upload.stream, target, limits.max_bytes, filename)
            target.flush()
            os.fsync(target.fileno())
        file_type = detect(temporary, filename, limits.types)
        key = secrets.token_hex(16)
        os.replace(temporary, folder / key)
    except BaseException:
        Path(temporary).unlink(missing_ok=True)
        raise
    _sync_directory(folder)
    return StoredFile(filename, file_type.content_type, size, sha256, key)


def _sync_directory(folder: Path) -> None:
    """Make the rename itself durable (POSIX); a filesystem that cannot is left as it is."""
    try:
        fd = os.open(folder, os.O_RDONLY)
    except OSError:
        return
    try:
        os.fsync(fd)
    except OSError:
        pass
    finally:
        os.close(fd)


def delete(storage_keys: Iterable[str]) -> None:
    """Remove these keys' files; one already gone is fine, one that cannot be removed is logged."""
    for key in storage_keys:
        try:
            path_for(key).unlink(missing_ok=True)
        except OSError:
            log.warning("attachment file not deleted", extra={"storage_key": key}, exc_info=True)
