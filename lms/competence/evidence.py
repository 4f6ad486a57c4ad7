"""Evidence attachments: checked by size, extension and content, stored outside the web root."""

import hashlib
import io
import uuid
import zipfile
from dataclasses import dataclass
from pathlib import Path

from lms.errors import UserError
from lms.i18n import N_

MAX_BYTES = 5 * 1024 * 1024
EXTENSIONS = ("pdf", "png", "jpg", "odt", "docx")
MIMETYPES = {
    "pdf": "application/pdf",
    "png": "image/png",
    "jpg": "image/jpeg",
    "odt": "application/vnd.oasis.opendocument.text",
    "docx": "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
}
_ALIASES = {"jpeg": "jpg"}
SUBDIRECTORY = "evidence"


class EvidenceError(UserError):
    """An attachment we refuse, or a stored path outside the upload directory."""


@dataclass(frozen=True)
class StoredFile:
    path: str  # relative to the upload directory
    name: str  # the file name as the trainer sent it, for display and download
    type: str  # one of EXTENSIONS
    size: int
    sha256: str | None = None  # hex digest, named in the decision's xAPI attachment


def extension_of(filename: str) -> str:
    suffix = Path(filename).suffix.lower().lstrip(".")
    return _ALIASES.get(suffix, suffix)


def _zip_names(data: bytes) -> set[str] | None:
    try:
        with zipfile.ZipFile(io.BytesIO(data)) as archive:
            return set(archive.namelist())
    except (zipfile.BadZipFile, ValueError):
        return None


def content_matches(kind: str, data: bytes) -> bool:
    """Whether the bytes are what the extension claims (a renamed file is refused)."""
    if kind == "pdf":
        return data.startswith(b"%PDF-")
    if kind == "png":
        return data.startswith(b"\x89PNG\r\n\x1a\n")
    if kind == "jpg":
        return data.startswith(b"\xff\xd8\xff")
    if not data.startswith(b"PK\x03\x04"):
        return False
    names = _zip_names(data)
    if names is None:
        return False
    if kind == "odt":
        # OpenDocument puts an uncompressed "mimetype" entry first, right after its header.
        return (
            "mimetype" in names
            and data[30:38] == b"mimetype"
            and MIMETYPES["odt"].encode() in data[38:120]
        )
    if kind == "docx":
        return "[Content_Types].xml" in names and "word/document.xml" in names
    return False


def check(filename: str, data: bytes) -> str:
    """The attachment's type if acceptable; EvidenceError with a message otherwise."""
    kind = extension_of(filename)
    if kind not in EXTENSIONS:
        raise EvidenceError(
            N_("Attach a PDF, PNG, JPG, ODT or DOCX file (not .%(extension)s)."),
            extension=kind or "?",
        )
    if len(data) > MAX_BYTES:
        raise EvidenceError(N_("The attachment is larger than 5 MB."))
    if not data:
        raise EvidenceError(N_("The attachment is empty."))
    if not content_matches(kind, data):
        raise EvidenceError(
            N_("The content of this file is not a %(kind)s document."), kind=kind.upper()
        )
    return kind


def safe_display_name(filename: str) -> str:
    """The sent file name without any directory part or control characters, for display."""
    name = filename.replace("\\", "/").rsplit("/", 1)[-1]
    name = "".join(ch for ch in name if ch.isprintable()).strip()
    return name[:200] or "attachment"


def store(upload_dir: Path, filename: str, data: bytes) -> StoredFile:
    """Check and write the attachment under ``upload_dir`` with a name nobody can guess."""
    kind = check(filename, data)
    relative = f"{SUBDIRECTORY}/{uuid.uuid4().hex}.{kind}"
    target = Path(upload_dir) / relative
    target.parent.mkdir(parents=True, exist_ok=True)
    target.write_bytes(data)
    return StoredFile(
        path=relative,
        name=safe_display_name(filename),
        type=kind,
        size=len(data),
        sha256=hashlib.sha256(data).hexdigest(),
    )


def resolve(upload_dir: Path, relative: str) -> Path:
    """The absolute path of a stored attachment; refuses anything outside the upload directory."""
    root = Path(upload_dir).resolve()
    target = (root / relative).resolve()
    if root not in target.parents:
        raise EvidenceError(N_("This attachment cannot be found."))
    return target
