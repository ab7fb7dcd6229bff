"""Who may download a document, the audit of every download, and watermarked PDFs.

A Wagtail document has no access level of its own: it is as open as the live pages that show
it (a policy document's original, a lesson's attachment, a document block in a body), found
through Wagtail's reference index. A member may download it if they may read one of those
pages; a document no page shows is for the people who manage documents only. Restricted PDFs
(no public page shows them) are stamped with the reader's name and member number.
"""

from __future__ import annotations

import io
from dataclasses import dataclass
from typing import Any

from django.contrib.auth.models import AnonymousUser
from django.contrib.contenttypes.models import ContentType
from django.utils import timezone
from django.utils.translation import gettext as _
from wagtail.models import Page, ReferenceIndex

from courses.permissions import can_read, reads_everything

PDF_MAGIC = b"%PDF-"
WATERMARK_FONT = "'Noto Sans CJK SC', 'Noto Sans CJK', 'Source Han Sans SC', sans-serif"


@dataclass(frozen=True)
class DocumentAccess:
    allowed: bool
    restricted: bool  # no public page shows it: downloads are stamped
    page_ids: tuple[int, ...] = ()


def pages_showing(document: Any) -> list[Page]:
    """The live pages whose content refers to ``document`` (their specific classes)."""
    page_type = ContentType.objects.get_for_model(Page)
    references = ReferenceIndex.get_references_to(document).filter(base_content_type=page_type)
    # object_id is text (any model's key): compare as integers, which PostgreSQL will not do by itself.
    ids = {int(key) for key in references.values_list("object_id", flat=True) if key.isdigit()}
    return list(Page.objects.live().filter(pk__in=ids).specific())


def manages_document(user: Any, document: Any) -> bool:
    """Editors and administrators, and the one who uploaded it.

    Not everyone with Wagtail's change_document: instructors have it to build lessons, and
    would otherwise read every organisation's restricted files.
    """
    if not (user.is_authenticated and user.is_active):
        return False
    return reads_everything(user) or document.uploaded_by_user_id == user.pk


def document_access(user: Any, document: Any) -> DocumentAccess:
    pages = pages_showing(document)
    anonymous = AnonymousUser()
    restricted = not any(can_read(anonymous, page) for page in pages)
    if manages_document(user, document):
        return DocumentAccess(True, restricted, tuple(page.pk for page in pages))
    readable = tuple(page.pk for page in pages if can_read(user, page))
    return DocumentAccess(bool(readable), restricted, readable)


def is_pdf(document: Any) -> bool:
    if document.file_extension.lower() != "pdf":
        return False
    with document.file.open("rb") as handle:
        return handle.read(len(PDF_MAGIC)) == PDF_MAGIC


def watermark_text(user: Any) -> str:
    member = getattr(user, "member", None)
    today = timezone.localdate().isoformat()
    if member is not None:
        return _("%(name)s · member no. %(number)s · downloaded %(date)s") % {
            "name": member.real_name,
            "number": member_number(member),
            "date": today,
        }
    return _("%(name)s · downloaded %(date)s") % {"name": user.get_username(), "date": today}


def member_number(member: Any) -> str:
    return f"{member.pk:06d}"


def watermarked_pdf(source: bytes, text: str) -> bytes:
    """``source`` with ``text`` stamped across every page, diagonally and at the foot, in grey."""
    from pypdf import PdfReader, PdfWriter, Transformation

    writer = PdfWriter(clone_from=PdfReader(io.BytesIO(source)))
    stamps: dict[tuple[float, float], Any] = {}
    for page in writer.pages:
        box = page.mediabox
        width, height = float(box.width), float(box.height)
        size = (round(width), round(height))
        if size not in stamps:
            stamps[size] = PdfReader(io.BytesIO(_stamp_pdf(text, width, height))).pages[0]
        offset = Transformation().translate(float(box.left), float(box.bottom))
        page.merge_transformed_page(stamps[size], offset, over=True)
    output = io.BytesIO()
    writer.write(output)
    return output.getvalue()


def _stamp_pdf(text: str, width: float, height: float) -> bytes:
    """A transparent page of the given size (in points) carrying the stamp, drawn by WeasyPrint."""
    from django.utils.html import escape
    from weasyprint import HTML

    rows = "".join(f'<p style="top:{top}%">{escape(text)}</p>' for top in (18, 42, 66, 90))
    html = f"""<!doctype html><html><head><meta charset="utf-8"><style>
      @page {{ size: {width}pt {height}pt; margin: 0; }}
      html, body {{ margin: 0; background: transparent; }}
      body {{ position: relative; width: {width}pt; height: {height}pt; overflow: hidden;
              font-family: {WATERMARK_FONT}; }}
      p {{ position: absolute; left: -10%; width: 120%; margin: 0; text-align: center;
           font-size: {max(10, min(width, height) / 30):.1f}pt; color: rgba(200, 16, 46, .22);
           transform: rotate(-30deg); white-space: nowrap; }}
      .foot {{ top: auto; bottom: 8pt; transform: none; font-size: 8pt; color: rgba(80, 80, 80, .8); }}
    </style></head><body>{rows}<p class="foot">{escape(text)}</p></body></html>"""
    return HTML(string=html).write_pdf()


def extract_text(document: Any, *, limit: int = 2_000_000) -> str:
    """The text of a PDF or DOCX document, for reading online and search; '' for other files."""
    extension = document.file_extension.lower()
    with document.file.open("rb") as handle:
        data = handle.read()
    if extension == "pdf" and data.startswith(PDF_MAGIC):
        from pypdf import PdfReader

        reader = PdfReader(io.BytesIO(data))
        text = "\n\n".join((page.extract_text() or "").strip() for page in reader.pages)
    elif extension == "docx":
        import docx

        text = "\n\n".join(paragraph.text for paragraph in docx.Document(io.BytesIO(data)).paragraphs)
    else:
        return ""
    return text.strip()[:limit]
