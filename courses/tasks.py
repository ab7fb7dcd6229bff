from __future__ import annotations

from celery import shared_task


@shared_task(acks_late=True, queue="default")
def policy_document_extract_text_task(*, page_id: int) -> None:
    from courses.services.documents import policy_document_extract_text

    policy_document_extract_text(page_id=page_id)
