"""Text of policy documents' originals, extracted for reading online and search."""

from __future__ import annotations

import logging

from courses.documents import extract_text
from courses.models import PolicyDocumentPage
from search.services import search_index_on_commit

logger = logging.getLogger(__name__)


def policy_document_extract_text(*, page_id: int) -> str | None:
    """Store the original's text on the page (and its latest revision's copy stays as it was).

    Unreadable files (encrypted or broken PDFs) leave the text empty and are logged.
    """
    page = PolicyDocumentPage.objects.filter(pk=page_id).select_related("original").first()
    if page is None:
        return None
    text = ""
    if page.original is not None:
        try:
            text = extract_text(page.original)
        except Exception:  # pypdf and python-docx raise many kinds of errors on damaged files
            logger.exception("could not read the text of document %s", page.original_id)
    PolicyDocumentPage.objects.filter(pk=page.pk).update(extracted_text=text)
    search_index_on_commit([f"policy:{page.pk}"])
    return text
