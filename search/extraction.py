"""Text of attached files and caption tracks, for lessons' records."""

from __future__ import annotations

import logging
import re
from typing import Any

from courses.documents import extract_text
from search.models import DocumentText

logger = logging.getLogger(__name__)

CUE_TIMING = re.compile(r"^\s*(\d{2}:)?\d{2}:\d{2}[.,]\d{3}\s+-->")
TAG = re.compile(r"<[^>]+>")
MAX_CAPTION_BYTES = 2_000_000


def document_text(document: Any) -> str:
    """The text of a PDF or DOCX, read once per file version and kept in ``DocumentText``."""
    source = f"{document.file.name}:{document.file_size or ''}:{document.file_hash or ''}"
    cached = DocumentText.objects.filter(document=document).first()
    if cached is not None and cached.source == source:
        return cached.text
    try:
        text = extract_text(document)
    except Exception:  # damaged or encrypted files: pypdf and python-docx raise many kinds of errors
        logger.warning("could not read the text of document %s", document.pk, exc_info=True)
        text = ""
    DocumentText.objects.update_or_create(document=document, defaults={"source": source, "text": text})
    return text


def vtt_text(vtt: str) -> str:
    """The spoken lines of a WebVTT file: no header, cue ids, timings, notes or tags."""
    lines: list[str] = []
    blocks = re.split(r"\n\s*\n", vtt.replace("\r\n", "\n").replace("\r", "\n"))
    for block in blocks:
        rows = [row for row in block.split("\n") if row.strip()]
        if not rows or rows[0].startswith(("WEBVTT", "NOTE", "STYLE", "REGION")):
            continue
        timing = next((i for i, row in enumerate(rows) if CUE_TIMING.match(row)), None)
        if timing is None:
            continue
        lines += [TAG.sub("", row).strip() for row in rows[timing + 1 :]]
    return "\n".join(line for line in lines if line)


def captions_text(video: Any) -> str:
    texts = []
    for caption in video.captions.all():
        try:
            with caption.file.open("rb") as handle:
                data = handle.read(MAX_CAPTION_BYTES)
        except OSError:
            logger.warning("caption file of %s is missing", caption, exc_info=True)
            continue
        texts.append(vtt_text(data.decode("utf-8", errors="replace")))
    return "\n".join(texts)
