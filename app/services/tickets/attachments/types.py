"""What an attached file is, from its bytes and its name: the known types, each with the test
its content must pass, and the content type we serve it as.

A small signature check rather than a library: the allow-list is short, the office formats need
their ZIP directory read anyway (to tell a document from an archive and to find macros), and text
has no signature. The client's claimed content type is never consulted."""

from __future__ import annotations

import zipfile
from collections.abc import Callable, Collection
from dataclasses import dataclass

from app.services.errors import DomainError

HEAD_BYTES = 8192
TEXT_CONTROLS = set(range(32)) - {9, 10, 12, 13}  # tab, LF, FF and CR are text; other C0 bytes are not
MARKUP = (b"<!doctype", b"<html", b"<head", b"<body", b"<script", b"<svg", b"<?xml", b"<iframe", b"<meta")
PROGRAMS = (b"MZ", b"\x7fELF", b"\xca\xfe\xba\xbe", b"\xcf\xfa\xed\xfe", b"\xce\xfa\xed\xfe", b"\x00asm")


class AttachmentError(DomainError):
    """A file that cannot be attached (type, size, count); the message names the file and says why."""

    code = "attachment_refused"

    def __init__(self, message: str, *, status: int = 400) -> None:
        super().__init__(message, field="attachments")
        self.status = status


def _ooxml(folder: str) -> Callable[[bytes, str], bool]:
    def check(head: bytes, path: str) -> bool:
        names = _zip_names(head, path)
        return names is not None and "[Content_Types].xml" in names and any(n.startswith(folder) for n in names)
    return check


def _odf(kind: str) -> Callable[[bytes, str], bool]:
    # An OpenDocument file's first member is "mimetype", stored uncompressed: its text is at byte 38.
    expected = f"application/vnd.oasis.opendocument.{kind}".encode()
    return lambda head, path: head.startswith(b"PK\x03\x04") and head[30:38] == b"mimetype" and \
        head[38:38 + len(expected)] == expected and _zip_names(head, path) is not None


def _zip(head: bytes, path: str) -> bool:
    return _zip_names(head, path) is not None


def _zip_names(head: bytes, path: str) -> list[str] | None:
    if not head.startswith((b"PK\x03\x04", b"PK\x05\x06")):
        return None
    try:
        with zipfile.ZipFile(path) as archive:
            return archive.namelist()
    except (zipfile.BadZipFile, OSError, ValueError):
        return None


def _text(head: bytes, path: str) -> bool:
    """Text: no NUL or other control bytes anywhere, and not a web page in disguise."""
    if head.lstrip(b"\xef\xbb\xbf \t\r\n").lower().startswith(MARKUP):
        return False
    with open(path, "rb") as file:
        while chunk := file.read(65536):
            if not TEXT_CONTROLS.isdisjoint(chunk):
                return False
    return True


@dataclass(frozen=True)
class FileType:
    content_type: str
    label: str  # as a person says it: "a PDF document"
    check: Callable[[bytes, str], bool]  # (the first bytes, the file's path) -> is it really one

    @property
    def inline(self) -> bool:
        """Shown in the browser (images only); every other type is served as a download."""
        return self.content_type.startswith("image/")


_PNG = FileType("image/png", "a PNG image", lambda head, path: head.startswith(b"\x89PNG\r\n\x1a\n"))
_JPEG = FileType("image/jpeg", "a JPEG image", lambda head, path: head.startswith(b"\xff\xd8\xff"))
TYPES: dict[str, FileType] = {
    "png": _PNG,
    "jpg": _JPEG,
    "jpeg": _JPEG,
    "gif": FileType("image/gif", "a GIF image", lambda head, path: head.startswith((b"GIF87a", b"GIF89a"))),
    "webp": FileType("image/webp", "a WebP image", lambda head, path: head[:4] == b"RIFF" and head[8:12] == b"WEBP"),
    "pdf": FileType("application/pdf", "a PDF document", lambda head, path: b"%PDF-" in head[:1024]),
    "txt": FileType("text/plain", "a text file", _text),
    "csv": FileType("text/csv", "a CSV file", _text),
    "docx": FileType("application/vnd.openxmlformats-officedocument.wordprocessingml.document", "a Word document",
                     _ooxml("word/")),
    "xlsx": FileType("application/vnd.openxmlformats-officedocument.spreadsheetml.sheet", "an Excel workbook",
                     _ooxml("xl/")),
    "pptx": FileType("application/vnd.openxmlformats-officedocument.presentationml.presentation",
                     "a PowerPoint presentation", _ooxml("ppt/")),
    "odt": FileType("application/vnd.oasis.opendocument.text", "an OpenDocument text", _odf("text")),
    "ods": FileType("application/vnd.oasis.opendocument.spreadsheet", "an OpenDocument spreadsheet",
                    _odf("spreadsheet")),
    "odp": FileType("application/vnd.oasis.opendocument.presentation", "an OpenDocument presentation",
                    _odf("presentation")),
    "zip": FileType("application/zip", "a ZIP archive", _zip),
}
BY_CONTENT_TYPE = {t.content_type: t for t in TYPES.values()}
# How the accepted types are listed to people, in this order, when at least one is allowed.
GROUPS = (("images (PNG, JPEG, GIF, WebP)", ("png", "jpg", "jpeg", "gif", "webp")), ("PDF", ("pdf",)),
          ("text and CSV", ("txt", "csv")), ("Word, Excel and PowerPoint", ("docx", "xlsx", "pptx")),
          ("OpenDocument", ("odt", "ods", "odp")), ("ZIP archives", ("zip",)))


def accepted_description(allowed: Collection[str]) -> str:
    """The accepted types in words, for hints and errors: "images (PNG, JPEG, GIF, WebP), PDF, …"."""
    return ", ".join(label for label, extensions in GROUPS if set(extensions) & set(allowed))


def extension(filename: str) -> str:
    return filename.rpartition(".")[2].lower() if "." in filename else ""


def _what_it_is(head: bytes, path: str) -> str | None:
    """The content's real kind, when we recognise it, for a clearer refusal."""
    if head.startswith(PROGRAMS):
        return "a program"
    if head.lstrip(b"\xef\xbb\xbf \t\r\n").lower().startswith(MARKUP):
        return "a web page or SVG image"
    for file_type in TYPES.values():
        if file_type.check is not _text and file_type.check(head, path):
            return file_type.label
    return None


def detect(path: str, filename: str, allowed: Collection[str]) -> FileType:
    """Called by app/services/tickets/attachments/store.py once a file is written: its type, when its
    extension is allowed and its content is what the extension says; AttachmentError otherwise."""
    ext = extension(filename)
    with open(path, "rb") as file:
        head = file.read(HEAD_BYTES)
    if ext not in allowed or ext not in TYPES:
        kind = "has no file extension" if not ext else f"is a .{ext} file, which we do not accept"
        raise AttachmentError(f"“{filename}” {kind}. Attach {accepted_description(allowed)}.", status=415)
    file_type = TYPES[ext]
    if not file_type.check(head, path):
        actual = _what_it_is(head, path)
        if actual == "a program":
            raise AttachmentError(f"“{filename}” is a program, and programs cannot be attached.", status=415)
        said = f"its content is {actual}" if actual else "its content does not match its name"
        raise AttachmentError(f"“{filename}” is not {file_type.label}: {said}.", status=415)
    if ext in ("docx", "xlsx", "pptx") and any(n.endswith("vbaProject.bin") for n in _zip_names(head, path) or ()):
        raise AttachmentError(f"“{filename}” contains macros, which we do not accept: save it without them.",
                              status=415)
    return file_type
