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
