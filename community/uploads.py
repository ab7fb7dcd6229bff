"""Files members hand in: what the bytes are decides, not the name or the browser's content type.

A file is accepted only if its content is one of the document, image or text formats below and its
extension says the same thing. Programs and scripts (by signature or by name), Office files with
macros, archives, zip bombs and empty or oversized files are refused with a message naming the
file; nothing is stored until every file of a submission has passed.
"""

from __future__ import annotations

import codecs
import hashlib
import os
import re
import unicodedata
import zipfile
from dataclasses import dataclass

from django.core.files.uploadedfile import UploadedFile
from django.template.defaultfilters import filesizeformat
from django.utils.translation import gettext as _

from community.exceptions import CommunityError


class InvalidUpload(CommunityError):
    """A file that cannot be handed in; the message names it and says why."""


# kind → (extensions that may carry it, content type it is served with)
KINDS: dict[str, tuple[tuple[str, ...], str]] = {
    "pdf": (("pdf",), "application/pdf"),
    "docx": (("docx",), "application/vnd.openxmlformats-officedocument.wordprocessingml.document"),
    "xlsx": (("xlsx",), "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"),
    "pptx": (("pptx",), "application/vnd.openxmlformats-officedocument.presentationml.presentation"),
    "ole": (("doc", "xls", "ppt", "wps", "et", "dps"), "application/octet-stream"),
    "jpeg": (("jpg", "jpeg"), "image/jpeg"),
    "png": (("png",), "image/png"),
    "gif": (("gif",), "image/gif"),
    "webp": (("webp",), "image/webp"),
    "text": (("txt", "md"), "text/plain"),  # UTF-8 or GB18030: the reader's program decides
}
ACCEPTED_EXTENSIONS = sorted({ext for exts, _type in KINDS.values() for ext in exts})

EXECUTABLE_SIGNATURES = (
    b"MZ",  # Windows and DOS programs, DLLs
    b"\x7fELF",  # Linux programs and libraries
    b"\xfe\xed\xfa\xce",
    b"\xfe\xed\xfa\xcf",
    b"\xce\xfa\xed\xfe",
    b"\xcf\xfa\xed\xfe",
    b"\xca\xfe\xba\xbe",  # Mach-O (and Java classes)
    b"#!",  # scripts
    b"dex\n",  # Android
)
EXECUTABLE_EXTENSIONS = {
    "exe", "com", "bat", "cmd", "scr", "msi", "msp", "dll", "sys", "cpl", "ps1", "psm1", "vbs", "vbe",
    "js", "jse", "wsf", "wsh", "hta", "lnk", "sh", "bash", "run", "elf", "so", "dylib", "app",
    "dmg", "pkg", "deb", "rpm", "apk", "jar", "class", "py", "pl", "php", "reg", "inf",
}  # fmt: skip
OOXML_PARTS = {"docx": "word/", "xlsx": "xl/", "pptx": "ppt/"}
# VBA storage names in old Office files' directories (UTF-16LE): Word, Excel and PowerPoint macros
OLE_MACRO_MARKERS = ("_VBA_PROJECT".encode("utf-16-le"), "VBA".encode("utf-16-le") + b"\x00\x00" * 2)
ZIP_MAX_ENTRIES = 2_000
ZIP_MAX_UNPACKED = 200 * 1024 * 1024
HEAD_BYTES = 8192


@dataclass(frozen=True)
class CheckedFile:
    upload: UploadedFile
    name: str
    extension: str
    kind: str
    size: int
    sha256: str


def content_type(kind: str) -> str:
    return KINDS.get(kind, ((), "application/octet-stream"))[1]


def check_upload(upload: UploadedFile, *, max_bytes: int) -> CheckedFile:
    """The file's safe name, kind, size and digest; ``InvalidUpload`` when it may not be handed in."""
    name = clean_filename(upload.name or "")
    extension = name.rsplit(".", 1)[-1].lower() if "." in name else ""
    size, digest, head = _measure(upload, max_bytes=max_bytes, name=name)
    if head.startswith(EXECUTABLE_SIGNATURES) or extension in EXECUTABLE_EXTENSIONS:
        raise InvalidUpload(
            _("“%(name)s” is a program or script. Programs cannot be handed in as homework.") % {"name": name}
        )
    kind = _sniff(upload, head, extension, name)
    if extension not in KINDS[kind][0]:
        raise InvalidUpload(
            _("The content of “%(name)s” does not match its extension. Please hand in the original file.")
            % {"name": name}
        )
    return CheckedFile(upload=upload, name=name, extension=extension, kind=kind, size=size, sha256=digest)


def clean_filename(raw: str) -> str:
    """The last path component, without control characters, at most 120 characters (extension kept)."""
    name = unicodedata.normalize("NFC", os.path.basename(raw.replace("\\", "/")))
    name = re.sub(r"[\x00-\x1f\x7f<>:\"/\\|?*]", "", name)
    name = "".join(char for char in name if unicodedata.category(char) != "Cf").strip(" .")  # no bidi tricks
    if len(name) > 120:
        stem, dot, extension = name.rpartition(".")
        name = (stem[: 119 - len(extension)] + dot + extension) if dot else name[:120]
    return name or "file"


def _measure(upload: UploadedFile, *, max_bytes: int, name: str) -> tuple[int, str, bytes]:
    digest = hashlib.sha256()
    size = 0
    head = b""
    upload.seek(0)
    for chunk in upload.chunks():
        if len(head) < HEAD_BYTES:
            head += chunk[: HEAD_BYTES - len(head)]
        size += len(chunk)
        if size > max_bytes:
            raise InvalidUpload(
                _("“%(name)s” is larger than %(max)s.") % {"name": name, "max": filesizeformat(max_bytes)}
            )
        digest.update(chunk)
    upload.seek(0)
    if size == 0:
        raise InvalidUpload(_("“%(name)s” is empty.") % {"name": name})
    return size, digest.hexdigest(), head


def _sniff(upload: UploadedFile, head: bytes, extension: str, name: str) -> str:
    if head.startswith(b"%PDF-"):
        return "pdf"
    if head.startswith(b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"):
        if _contains(upload, OLE_MACRO_MARKERS):
            raise InvalidUpload(
                _("“%(name)s” contains macros. Please save it as a document without macros.") % {"name": name}
            )
        return "ole"
    if head.startswith(b"\xff\xd8\xff"):
        return "jpeg"
    if head.startswith(b"\x89PNG\r\n\x1a\n"):
        return "png"
    if head.startswith((b"GIF87a", b"GIF89a")):
        return "gif"
    if head[:4] == b"RIFF" and head[8:12] == b"WEBP":
        return "webp"
    if head.startswith(b"PK\x03\x04"):
        return _ooxml_kind(upload, extension, name)
    if extension in KINDS["text"][0] and _is_text(upload):
        return "text"
    raise InvalidUpload(
        _("“%(name)s” is not a file type that can be handed in. Accepted: %(types)s.")
        % {"name": name, "types": ", ".join(ACCEPTED_EXTENSIONS)}
    )


def _ooxml_kind(upload: UploadedFile, extension: str, name: str) -> str:
    """A Word, Excel or PowerPoint file; other archives (and macros or programs inside) are refused."""
    try:
        with zipfile.ZipFile(upload) as archive:
            entries = archive.infolist()
    except Exception:  # zipfile raises many kinds on crafted archives: any of them is a refusal
        entries = []
    finally:
        upload.seek(0)
    names = {entry.filename for entry in entries}
    kind = next((k for k, part in OOXML_PARTS.items() if any(n.startswith(part) for n in names)), None)
    if not entries or "[Content_Types].xml" not in names or kind is None:
        raise InvalidUpload(
            _("“%(name)s” is an archive. Please hand in the documents themselves, not a zip file.")
            % {"name": name}
        )
    if len(entries) > ZIP_MAX_ENTRIES or sum(entry.file_size for entry in entries) > ZIP_MAX_UNPACKED:
        raise InvalidUpload(_("“%(name)s” unpacks to far too much data.") % {"name": name})
    for entry in names:
        lowered = entry.lower()
        if lowered.endswith("vbaproject.bin"):
            raise InvalidUpload(
                _("“%(name)s” contains macros. Please save it as a document without macros.") % {"name": name}
            )
        if lowered.rsplit(".", 1)[-1] in EXECUTABLE_EXTENSIONS:
            raise InvalidUpload(
                _("“%(name)s” contains a program. Programs cannot be handed in as homework.") % {"name": name}
            )
    return kind


def _is_text(upload: UploadedFile) -> bool:
    """UTF-8 or GB18030 without NUL bytes, decoded chunk by chunk (never the whole file in memory)."""
    return any(_decodes(upload, encoding) for encoding in ("utf-8-sig", "gb18030"))


def _decodes(upload: UploadedFile, encoding: str) -> bool:
    decoder = codecs.getincrementaldecoder(encoding)()
    try:
        for chunk in upload.chunks():
            if b"\x00" in chunk:
                return False
            decoder.decode(chunk)
        decoder.decode(b"", final=True)
    except UnicodeDecodeError:
        return False
    finally:
        upload.seek(0)
    return True


def _contains(upload: UploadedFile, markers: tuple[bytes, ...]) -> bool:
    """Whether any marker occurs in the file, scanned chunk by chunk with an overlap."""
    overlap = max(len(marker) for marker in markers) - 1
    tail = b""
    try:
        for chunk in upload.chunks():
            window = tail + chunk
            if any(marker in window for marker in markers):
                return True
            tail = window[-overlap:]
    finally:
        upload.seek(0)
    return False
