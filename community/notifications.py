"""The notification centre: one row per event for one user, e-mailed too when the site wants it.

Other apps (homework, proposals, course assignment, exams) call ``notification_send`` inside their
own transaction; the e-mail, if any, leaves after commit from a Celery task.
"""

from __future__ import annotations

from collections.abc import Iterable

from django.conf import settings
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from community.models import Notification

# kind → sentence, with %(actor)s and %(subject)s; rendered in the reader's language.
TEXTS = {
    Notification.Kind.REPLY: _("%(actor)s replied to “%(subject)s”"),
    Notification.Kind.MENTION: _("%(actor)s mentioned you in “%(subject)s”"),
    Notification.Kind.BEST_ANSWER: _("%(actor)s chose your reply as the best answer in “%(subject)s”"),
    Notification.Kind.QUESTION_ANSWERED: _("%(actor)s chose the best answer to your question “%(subject)s”"),
    Notification.Kind.NOTE_COMMENT: _("%(actor)s commented on your study note “%(subject)s”"),
    Notification.Kind.NOTE_FEATURED: _("Your study note “%(subject)s” was featured by %(actor)s"),
    Notification.Kind.CALL_OPENED: _(
        "%(actor)s opened a call for instructors on a topic you voted for: “%(subject)s”"
    ),
    Notification.Kind.APPLICATION_ACCEPTED: _(
        "You were chosen to teach “%(subject)s”: you are now one of its instructors"
    ),
    Notification.Kind.APPLICATION_DECLINED: _(
        "Another applicant was chosen for “%(subject)s”. Thank you for applying"
    ),
    Notification.Kind.POST_HIDDEN: _("Your post in “%(subject)s” was hidden by a moderator"),
    Notification.Kind.POST_RESTORED: _("Your post in “%(subject)s” is visible again"),
    Notification.Kind.HOMEWORK_REVIEWED: _("%(actor)s reviewed your homework “%(subject)s”"),
    Notification.Kind.PROPOSAL_ACCEPTED: _("Your topic proposal “%(subject)s” was taken up"),
    Notification.Kind.COURSE_ASSIGNED: _("You have been assigned the course “%(subject)s”"),
    Notification.Kind.EXAM_OPEN: _("The exam “%(subject)s” is open"),
    Notification.Kind.HOMEWORK_SET: _("%(actor)s set new homework: “%(subject)s”"),
    Notification.Kind.LETTER_RECEIVED: _("A new letter to the organisation: “%(subject)s”"),
    Notification.Kind.LETTER_ANSWERED: _("%(actor)s answered your letter “%(subject)s”"),
    Notification.Kind.GROUP_PENDING: _("%(actor)s asks to start the study group “%(subject)s”"),
    Notification.Kind.GROUP_APPROVED: _("Your study group “%(subject)s” was approved"),
    Notification.Kind.GROUP_DECLINED: _("Your study group “%(subject)s” was not approved"),
}


def notification_text(notification: Notification) -> str:
    actor = notification.actor.display_name if notification.actor_id else _("Someone")
    return str(TEXTS[notification.kind]) % {"actor": actor, "subject": notification.subject}


def notification_send(
    *, recipients: Iterable, kind: str, actor=None, subject: str, url: str
) -> list[Notification]:
    """One notification per distinct recipient, never to the actor themself."""
    seen: set[int] = set()
    rows = []
    for user in recipients:
        if (
            user is None
            or user.pk in seen
            or (actor is not None and user.pk == actor.pk)
            or not user.is_active
        ):
            continue
        seen.add(user.pk)
        rows.append(
            Notification(recipient=user, kind=kind, actor=actor, subject=subject[:200], url=url[:300])
        )
    created = Notification.objects.bulk_create(rows, batch_size=1000)
    if getattr(settings, "NOTIFICATION_EMAILS", False):
        ids = [row.pk for row in created if row.recipient.email]
        if ids:
            from community.tasks import notification_email_task
            from school.queueing import enqueue_on_commit

            for pk in ids:
                enqueue_on_commit(notification_email_task, notification_id=pk)
    return created


def unread_count(user) -> int:
    if not user.is_authenticated:
        return 0
    return Notification.objects.filter(recipient=user, read_at__isnull=True).count()


def notifications_mark_read(*, user, ids: Iterable[int] | None = None) -> int:
    """Mark the user's notifications read (all of them, or those of ``ids``); returns how many."""
    rows = Notification.objects.filter(recipient=user, read_at__isnull=True)
    if ids is not None:
        rows = rows.filter(pk__in=list(ids))
    return rows.update(read_at=timezone.now())


def notify_course_assigned(*, assignment) -> int:
    """Tell the members an assignment enrolled (those who finished the course already are not told);
    run again, it tells nobody twice."""
    from courses.models import Enrollment

    users = [
        enrollment.member.user
        for enrollment in Enrollment.objects.filter(assignment=assignment, member__is_active=True)
        .exclude(status=Enrollment.Status.COMPLETED)
        .select_related("member__user")
    ]
    return _tell_once(
        users,
        kind=Notification.Kind.COURSE_ASSIGNED,
        actor=assignment.created_by,
        subject=assignment.course.title,
        url=assignment.course.url or "/",
        since=assignment.created_at,
    )


def notify_exam_open(*, exam) -> int:
    """Tell the exam's audience (its org subtree, of its political statuses) that it is open."""
    from django.urls import reverse

    from courses.services.enrollment import assignable_members

    members = assignable_members(org_unit=exam.org_unit, political_statuses=exam.political_statuses)
    users = [member.user for member in members.select_related("user")]
    return _tell_once(
        users,
        kind=Notification.Kind.EXAM_OPEN,
        actor=None,
        subject=exam.title,
        url=reverse("exams:detail", args=[exam.pk]),
        since=exam.announced_at or exam.opens_at,
    )


def _tell_once(users: list, *, kind: str, actor, subject: str, url: str, since) -> int:
    told = set(
        Notification.objects.filter(kind=kind, url=url[:300], created_at__gte=since).values_list(
            "recipient_id", flat=True
        )
    )
    fresh = [user for user in users if user.pk not in told]
    with transaction.atomic():
        return len(notification_send(recipients=fresh, kind=kind, actor=actor, subject=subject, url=url))
