"""Signal handlers of the courses app, connected in ``CoursesConfig.ready``: they only enqueue."""

from __future__ import annotations

from django.db import transaction
from wagtail.signals import page_published


def extract_policy_document_text(sender, instance, **kwargs) -> None:
    from courses.tasks import policy_document_extract_text_task

    page_id = instance.pk
    transaction.on_commit(lambda: policy_document_extract_text_task.delay(page_id=page_id))


def connect() -> None:
    from courses.models import PolicyDocumentPage

    page_published.connect(extract_policy_document_text, sender=PolicyDocumentPage)
