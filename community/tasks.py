from __future__ import annotations

from celery import shared_task
from django.conf import settings
from django.core.mail import send_mail
from django.utils import timezone, translation

from community.models import Notification
from community.notifications import notification_text


@shared_task(acks_late=True, queue="default", autoretry_for=(OSError,), retry_backoff=60, max_retries=5)
def notification_email_task(*, notification_id: int) -> bool:
    """E-mail one notification once; skipped if already read on the site or already e-mailed."""
    row = Notification.objects.filter(pk=notification_id).select_related("recipient", "actor").first()
    if row is None or row.read_at or row.emailed_at or not row.recipient.email:
        return False
    with translation.override(settings.LANGUAGE_CODE):
        text = notification_text(row)
        link = f"{settings.WAGTAILADMIN_BASE_URL.rstrip('/')}{row.url}"
        send_mail(
            subject=text[:150],
            message=f"{text}\n\n{link}",
            from_email=None,
            recipient_list=[row.recipient.email],
        )
    Notification.objects.filter(pk=row.pk).update(emailed_at=timezone.now())
    return True


@shared_task(acks_late=True, queue="default")
def course_assigned_notify_task(*, assignment_id: int) -> int:
    from community.notifications import notify_course_assigned
    from courses.models import CourseAssignment

    assignment = (
        CourseAssignment.objects.filter(pk=assignment_id).select_related("course", "created_by").first()
    )
    return notify_course_assigned(assignment=assignment) if assignment is not None else 0


@shared_task(acks_late=True, queue="default")
def exam_open_notify_task(*, exam_id: int) -> int:
    from community.notifications import notify_exam_open
    from exams.models import Exam

    exam = Exam.objects.filter(pk=exam_id, status=Exam.Status.PUBLISHED).select_related("org_unit").first()
    return notify_exam_open(exam=exam) if exam is not None else 0
