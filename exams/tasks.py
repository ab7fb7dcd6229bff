"""Background work of the exams app: thin tasks that re-fetch by id and call one service."""

from __future__ import annotations

from celery import shared_task

from exams.models import Certificate
from exams.services.certificates import certificate_render


@shared_task(acks_late=True)
def certificate_render_task(*, certificate_id: int) -> None:
    certificate = Certificate.objects.filter(pk=certificate_id).first()
    if certificate is None or certificate.pdf_sha256:
        return  # deleted, or a duplicate delivery of finished work
    certificate_render(certificate=certificate)


@shared_task(acks_late=True)
def attempts_close_overdue_task() -> int:
    """Every minute (Celery beat): submit or discard attempts whose deadline and grace have passed.

    Members who come back are served the same way on their next request; this catches those who
    never do, so results, certificates and reports do not wait for them.
    """
    from exams.services.attempts import attempts_close_overdue

    return attempts_close_overdue()


@shared_task(acks_late=True)
def exams_announce_open_task() -> int:
    """Every minute (Celery beat): tell members of the exams that have just opened."""
    from exams.services.exams import exams_announce_open

    return exams_announce_open()
