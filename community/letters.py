"""The message board (留言板 / 书记信箱): every write.

A member writes to their own unit or one above it. The organizers who manage that unit are told,
unless the sensitive-word list holds the letter for review (they are told once it is approved). An
organizer answers publicly, if the writer allowed it, or only to the writer; a public answer puts
the letter on the board. The writer may follow up privately until the letter is closed, which
reopens it. An anonymous letter never carries its writer's name to other members: the
notification to the organizers has no actor either, since organizers need only open the letter.
"""

from __future__ import annotations

from collections.abc import Sequence

from django.db import transaction
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from community import content, permissions
from community.exceptions import InvalidPost, NotAllowed
from community.models import Letter, LetterReply, Notification
from community.models import Visibility as V
from community.notifications import notification_send
from community.services import _screen
from school.models import OrgUnit, User
from school.services.audit import audit_record

MAX_REASON_CHARS = 200


def letter_url(letter: Letter) -> str:
    return reverse("community:letter", args=[letter.pk])


@transaction.atomic(durable=True)
def letter_create(
    *,
    author: User,
    org_unit: OrgUnit | None,
    title: str,
    body: str,
    is_anonymous: bool = False,
    may_publish: bool = True,
) -> Letter:
    if not permissions.is_participant(author):
        raise NotAllowed(_("Please log in to write to the organisation."))
    if not permissions.can_write_letter(author, org_unit):
        raise NotAllowed(_("You can only write to your own party organisation or one above it."))
    title = content.clean_title(title, empty=_("Please give your letter a subject."))
    cleaned = content.clean_body(body)
    visibility = _screen(f"{title}\n{cleaned.text}")
    letter = Letter.objects.create(
        author=author,
        org_unit=org_unit,
        title=title,
        body=cleaned.html,
        is_anonymous=is_anonymous,
        may_publish=may_publish,
        visibility=visibility,
    )
    if visibility == V.PUBLISHED:
        _tell_organizers(letter)
    return letter


@transaction.atomic(durable=True)
def letter_reply(*, letter: Letter, acting_user: User, body: str, public: bool = False) -> LetterReply:
    """An organizer's answer (public or only to the writer), or the writer's private follow-up."""
    letter = _locked(letter)
    if permissions.can_follow_up_letter(acting_user, letter):
        return _follow_up(letter, acting_user, body)
    if not permissions.can_reply_to_letter(acting_user, letter):
        if letter.status == Letter.Status.CLOSED:
            raise NotAllowed(_("This letter is closed: no more replies."))
        raise NotAllowed(_("Only the writer and the organizers who receive a letter can reply to it."))
    if public and not letter.may_publish:
        raise NotAllowed(_("The writer asked for a private answer: please answer only to the writer."))
    if public and letter.visibility != V.PUBLISHED:
        raise NotAllowed(_("Only a published letter can be answered publicly."))
    cleaned = content.clean_body(body)
    _screen(cleaned.text)  # a blocked word is refused; the organizers are the reviewers themselves
    reply = LetterReply.objects.create(
        letter=letter, author=acting_user, from_organizer=True, is_public=public, body=cleaned.html
    )
    letter.status, letter.answered_at = Letter.Status.ANSWERED, timezone.now()
    fields = ["status", "answered_at"]
    if public and not letter.is_public:
        letter.is_public = True
        fields.append("is_public")
    letter.save(update_fields=fields)
    audit_record(actor=acting_user, action="community.letter.answered", target=letter, public=public)
    notification_send(
        recipients=[letter.author],
        kind=Notification.Kind.LETTER_ANSWERED,
        actor=acting_user,
        subject=letter.title,
        url=letter_url(letter),
    )
    return reply


@transaction.atomic(durable=True)
def letter_close(*, letter: Letter, acting_user: User) -> Letter:
    """No more replies: the writer's matter is settled (the writer or an organizer says so)."""
    letter = _locked(letter)
    if letter.status == Letter.Status.CLOSED:
        return letter
    if not permissions.can_close_letter(acting_user, letter):
        raise NotAllowed(_("Only the writer and the organizers who receive a letter can close it."))
    letter.status = Letter.Status.CLOSED
    letter.save(update_fields=["status"])
    audit_record(actor=acting_user, action="community.letter.closed", target=letter)
    return letter


@transaction.atomic(durable=True)
def letter_hide(*, letter: Letter, acting_user: User, reason: str) -> Letter:
    """Take a letter off the board (or refuse one held for review); the writer still reads it."""
    letter = _for_moderation(letter, acting_user)
    reason = (reason or "").strip()[:MAX_REASON_CHARS]
    if not reason:
        raise InvalidPost(_("Please give a reason for hiding the letter."))
    if letter.visibility == V.HIDDEN:
        return letter
    letter.visibility, letter.moderation_reason = V.HIDDEN, reason
    letter.save(update_fields=["visibility", "moderation_reason"])
    audit_record(actor=acting_user, action="community.letter.hidden", target=letter, reason=reason)
    notification_send(
        recipients=[letter.author],
        kind=Notification.Kind.POST_HIDDEN,
        actor=acting_user,
        subject=letter.title,
        url=letter_url(letter),
    )
    return letter


@transaction.atomic(durable=True)
def letter_restore(*, letter: Letter, acting_user: User, reason: str = "") -> Letter:
    """Show a hidden letter again, or approve one held for review (its organizers are told now)."""
    letter = _for_moderation(letter, acting_user)
    if letter.visibility == V.PUBLISHED:
        return letter
    was = letter.visibility
    letter.visibility, letter.moderation_reason = V.PUBLISHED, ""
    letter.save(update_fields=["visibility", "moderation_reason"])
    audit_record(
        actor=acting_user,
        action="community.letter.approved" if was == V.HELD else "community.letter.restored",
        target=letter,
        reason=(reason or "").strip()[:MAX_REASON_CHARS],
    )
    if was == V.HELD:
        _tell_organizers(letter, actor=acting_user)
    return letter


# helpers -----------------------------------------------------------------------------------------


def _locked(letter: Letter) -> Letter:
    return (
        Letter.objects.select_for_update(of=("self",)).select_related("org_unit", "author").get(pk=letter.pk)
    )


def _for_moderation(letter: Letter, acting_user: User) -> Letter:
    letter = _locked(letter)
    if not permissions.can_answer_letter(acting_user, letter):
        raise NotAllowed(_("Only the organizers who receive a letter can hide or restore it."))
    return letter


def _follow_up(letter: Letter, writer: User, body: str) -> LetterReply:
    """Always private; an answered letter is open again, and its organizers are told."""
    cleaned = content.clean_body(body)
    _screen(cleaned.text)
    reply = LetterReply.objects.create(
        letter=letter, author=writer, from_organizer=False, is_public=False, body=cleaned.html
    )
    if letter.status != Letter.Status.OPEN:
        letter.status = Letter.Status.OPEN
        letter.save(update_fields=["status"])
    if letter.visibility == V.PUBLISHED:
        answerers = User.objects.filter(
            pk__in=letter.replies.filter(from_organizer=True).values("author"), is_active=True
        )
        _tell_organizers(letter, also=list(answerers))
    return reply


def _tell_organizers(letter: Letter, *, actor: User | None = None, also: Sequence[User] = ()) -> None:
    """LETTER_RECEIVED to the unit's organizers (and whoever answered before), never to the writer.

    The actor is the writer only when the letter is signed."""
    if actor is None and not letter.is_anonymous:
        actor = letter.author
    recipients = [
        user for user in [*permissions.organizers_of(letter.org_unit), *also] if user.pk != letter.author_id
    ]
    notification_send(
        recipients=recipients,
        kind=Notification.Kind.LETTER_RECEIVED,
        actor=actor,
        subject=letter.title,
        url=letter_url(letter),
    )
