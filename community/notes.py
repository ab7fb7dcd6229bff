"""Every write of study notes (学习心得): write, edit, delete, like, comment, feature, hide and restore.

As in ``community.services``: each entry point owns its transaction, checks permission itself and
raises ``NotAllowed``/``InvalidPost`` with a message for the member; featuring and moderation write
an audit row. A note earns the "发表学习心得" points once, when it is first published (a note held
for review earns them when approved).
"""

from __future__ import annotations

from django.core.exceptions import PermissionDenied
from django.db import transaction
from django.db.models import F
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from community import content, permissions
from community.exceptions import InvalidPost, NotAllowed
from community.models import NoteAudience, NoteComment, NoteLike, NoteReport, Notification, StudyNote
from community.models import Visibility as V
from community.notifications import notification_send
from community.services import _screen, like_toggle
from courses.permissions import can_read
from school.models import PointRule, User
from school.services.audit import audit_record
from school.services.points import points_award


def note_url(note: StudyNote) -> str:
    return reverse("community:note", args=[note.pk])


def note_page_types() -> tuple[type, ...]:
    """What a note may be about: courses, lessons, articles and policy documents."""
    from courses.models import ArticlePage, CoursePage, LessonPage, PolicyDocumentPage

    return (CoursePage, LessonPage, ArticlePage, PolicyDocumentPage)


def _checked_page(author: User, page):
    if page is None:
        return None
    page = page.specific
    if not isinstance(page, note_page_types()) or not page.live or not can_read(author, page):
        raise NotAllowed(_("You cannot write a study note on this page."))
    return page


def _checked_audience(audience: str) -> str:
    if audience not in NoteAudience.values:
        raise InvalidPost(_("Please choose who may read the note."))
    return audience


@transaction.atomic(durable=True)
def note_create(*, author: User, title: str, body: str, audience: str, page=None) -> StudyNote:
    if not permissions.is_participant(author):
        raise NotAllowed(_("Please log in to write a study note."))
    page = _checked_page(author, page)
    audience = _checked_audience(audience)
    title = content.clean_title(title)
    cleaned = content.clean_body(body)
    visibility = _screen(f"{title}\n{cleaned.text}")
    note = StudyNote.objects.create(
        author=author,
        page=page,
        page_title=page.title if page is not None else "",
        title=title,
        body=cleaned.html,
        audience=audience,
        org_unit=permissions.author_branch(author),
        visibility=visibility,
    )
    if visibility == V.PUBLISHED:
        _award(note)
    return note


@transaction.atomic(durable=True)
def note_edit(*, note: StudyNote, acting_user: User, title: str, body: str, audience: str) -> StudyNote:
    note = StudyNote.objects.select_for_update().get(pk=note.pk)
    if not permissions.can_edit_note(acting_user, note):
        raise NotAllowed(_("You can only edit your own study notes."))
    audience = _checked_audience(audience)
    title = content.clean_title(title)
    cleaned = content.clean_body(body)
    visibility = _screen(f"{title}\n{cleaned.text}")
    note.title, note.body, note.audience, note.edited_at = title, cleaned.html, audience, timezone.now()
    fields = ["title", "body", "audience", "edited_at"]
    if visibility == V.HELD and note.visibility == V.PUBLISHED:
        note.visibility = V.HELD  # an edit that adds a word under review goes back for review
        fields.append("visibility")
    if audience == NoteAudience.PRIVATE and note.is_featured:
        note.is_featured, note.featured_at = False, None  # a private note is nobody's example
        fields += ["is_featured", "featured_at"]
    note.save(update_fields=fields)
    return note


@transaction.atomic(durable=True)
def note_delete(*, note: StudyNote, acting_user: User) -> None:
    """The author deletes their note with its comments and likes (the points already earned stay)."""
    note = StudyNote.objects.select_for_update().get(pk=note.pk)
    if note.author_id != acting_user.pk:
        raise NotAllowed(_("You can only delete your own study notes."))
    note.delete()


def note_like(*, note: StudyNote, user: User) -> tuple[bool, int]:
    if not permissions.can_comment_note(user, note):
        raise NotAllowed(_("You cannot like this study note."))
    return like_toggle(NoteLike, StudyNote.objects.filter(pk=note.pk), note=note, user=user)


@transaction.atomic(durable=True)
def note_comment(*, note: StudyNote, author: User, body: str) -> NoteComment:
    note = StudyNote.objects.select_for_update().get(pk=note.pk)
    if not permissions.can_comment_note(author, note):
        raise NotAllowed(_("You cannot comment on this study note."))
    cleaned = content.clean_body(body)
    visibility = _screen(cleaned.text)
    comment = NoteComment.objects.create(note=note, author=author, body=cleaned.html, visibility=visibility)
    if visibility == V.PUBLISHED:
        StudyNote.objects.filter(pk=note.pk).update(comment_count=F("comment_count") + 1)
        notification_send(
            recipients=[note.author],
            kind=Notification.Kind.NOTE_COMMENT,
            actor=author,
            subject=note.title,
            url=f"{note_url(note)}#comment-{comment.pk}",
        )
    return comment


@transaction.atomic(durable=True)
def note_feature(*, note: StudyNote, acting_user: User, featured: bool = True) -> StudyNote:
    """Organizers show a note as an example (精选); the author is told."""
    note = _for_moderation(note, acting_user)
    if featured and (note.audience == NoteAudience.PRIVATE or note.visibility != V.PUBLISHED):
        raise NotAllowed(_("Only a published note that others may read can be featured."))
    if note.is_featured == featured:
        return note
    note.is_featured, note.featured_at = featured, timezone.now() if featured else None
    note.save(update_fields=["is_featured", "featured_at"])
    audit_record(
        actor=acting_user,
        action="community.note.featured" if featured else "community.note.unfeatured",
        target=note,
    )
    if featured:
        notification_send(
            recipients=[note.author],
            kind=Notification.Kind.NOTE_FEATURED,
            actor=acting_user,
            subject=note.title,
            url=note_url(note),
        )
    return note


@transaction.atomic(durable=True)
def note_hide(*, note: StudyNote, acting_user: User, reason: str) -> StudyNote:
    note = _for_moderation(note, acting_user)
    reason = (reason or "").strip()[:200]
    if not reason:
        raise InvalidPost(_("Please give a reason for hiding the note."))
    if note.visibility == V.HIDDEN:
        return note
    note.visibility, note.moderation_reason = V.HIDDEN, reason
    note.is_featured, note.featured_at = False, None
    note.save(update_fields=["visibility", "moderation_reason", "is_featured", "featured_at"])
    _reports_handled(note)
    audit_record(actor=acting_user, action="community.note.hidden", target=note, reason=reason)
    notification_send(
        recipients=[note.author],
        kind=Notification.Kind.POST_HIDDEN,
        actor=acting_user,
        subject=note.title,
        url=note_url(note),
    )
    return note


@transaction.atomic(durable=True)
def note_restore(*, note: StudyNote, acting_user: User, reason: str = "") -> StudyNote:
    """Publish a hidden note again, or approve one held for review."""
    note = _for_moderation(note, acting_user)
    if note.visibility == V.PUBLISHED:
        return note
    was = note.visibility
    note.visibility, note.moderation_reason = V.PUBLISHED, ""
    note.save(update_fields=["visibility", "moderation_reason"])
    _reports_handled(note)
    audit_record(
        actor=acting_user,
        action="community.note.approved" if was == V.HELD else "community.note.restored",
        target=note,
        reason=(reason or "").strip()[:200],
    )
    if was == V.HELD:
        _award(note)
    notification_send(
        recipients=[note.author],
        kind=Notification.Kind.POST_RESTORED,
        actor=acting_user,
        subject=note.title,
        url=note_url(note),
    )
    return note


def note_report(*, note: StudyNote, reporter: User, reason: str) -> NoteReport:
    """Report a note to its moderators; reporting the same note again changes nothing."""
    if not permissions.can_comment_note(reporter, note):  # published and shared with the reporter
        raise NotAllowed(_("You cannot report this study note."))
    if note.author_id == reporter.pk:
        raise NotAllowed(_("You cannot report your own study note."))
    reason = (reason or "").strip()[:200]
    if not reason:
        raise InvalidPost(_("Please say briefly what is wrong with the study note."))
    with transaction.atomic(durable=True):
        report, created = NoteReport.objects.get_or_create(
            note=note, reporter=reporter, defaults={"reason": reason}
        )
        if not created and report.status == NoteReport.Status.HANDLED:  # reported again after handling
            report.reason, report.status = reason, NoteReport.Status.OPEN
            report.save(update_fields=["reason", "status"])
    return report


def _reports_handled(note: StudyNote) -> None:
    open_reports = NoteReport.objects.filter(note=note, status=NoteReport.Status.OPEN)
    open_reports.update(status=NoteReport.Status.HANDLED)


def _for_moderation(note: StudyNote, acting_user: User) -> StudyNote:
    note = StudyNote.objects.select_for_update(of=("self",)).select_related("author__member").get(pk=note.pk)
    if not permissions.can_moderate_note(acting_user, note):
        raise PermissionDenied
    return note


def _award(note: StudyNote) -> None:
    """The note's points, once in its life (not again when approved after an edit on another day)."""
    member = getattr(note.author, "member", None)
    key = f"note:{note.pk}"
    if member is None or member.points.filter(rule=PointRule.Code.NOTE_PUBLISHED, object_key=key).exists():
        return
    points_award(member=member, rule=PointRule.Code.NOTE_PUBLISHED, object_key=key)
