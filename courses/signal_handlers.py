"""Signal handlers of the courses app, connected in ``CoursesConfig.ready``: they only enqueue."""

from __future__ import annotations

from wagtail.signals import page_published

from school.queueing import enqueue_on_commit


def extract_policy_document_text(sender, instance, **kwargs) -> None:
    from courses.tasks import policy_document_extract_text_task

    enqueue_on_commit(policy_document_extract_text_task, page_id=instance.pk)


def connect() -> None:
    from courses.models import PolicyDocumentPage

    page_published.connect(extract_policy_document_text, sender=PolicyDocumentPage)
