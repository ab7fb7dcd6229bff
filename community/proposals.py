"""Topic proposals (主题征集), votes, and calls for instructors (众包): every write.

Members propose topics and vote once on each (a unique row per member and proposal; a second vote,
however close in time, is refused and counts nothing). An organizer turns a proposal into a call
for instructors on a course; members apply with a statement; whoever opened the call accepts one
applicant, who gets the 讲师 role and joins the course's instructors. Deciding writes audit rows.
"""

from __future__ import annotations

import datetime

from django.contrib.auth.models import Group
from django.db import IntegrityError, transaction
from django.db.models import F
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from community import content, permissions
from community.exceptions import InvalidPost, NotAllowed
from community.models import (
    CallApplication,
    InstructorCall,
    Notification,
    ProposalVote,
    TopicProposal,
)
from community.models import Visibility as V
from community.notifications import notification_send
from community.services import _screen
from courses.services.instructors import course_instructor_add
from school.models import User
from school.roles import Role
from school.services.audit import audit_record

MIN_STATEMENT_CHARS = 10
MAX_STATEMENT_CHARS = 1000


def proposal_url(proposal: TopicProposal) -> str:
    return reverse("community:proposal", args=[proposal.pk])


def call_url(call: InstructorCall) -> str:
    return reverse("community:call", args=[call.pk])


@transaction.atomic(durable=True)
def proposal_create(*, author: User, title: str, body: str = "") -> TopicProposal:
    if not permissions.is_participant(author):
        raise NotAllowed(_("Please log in to propose a topic."))
    title = content.clean_title(title)
    cleaned = content.clean_body(body) if body.strip() else None
    visibility = _screen(f"{title}\n{cleaned.text if cleaned else ''}")
    return TopicProposal.objects.create(
        author=author, title=title, body=cleaned.html if cleaned else "", visibility=visibility
    )


def proposal_vote(*, proposal: TopicProposal, user: User) -> int:
    """One vote per member and proposal; returns the votes now. A second vote raises ``NotAllowed``."""
    if not permissions.is_participant(user):
        raise NotAllowed(_("Please log in to vote."))
    if proposal.visibility != V.PUBLISHED or proposal.status != TopicProposal.Status.OPEN:
        raise NotAllowed(_("Voting on this topic has ended."))
    try:
        with transaction.atomic(durable=True):
            ProposalVote.objects.create(proposal=proposal, user=user)
            TopicProposal.objects.filter(pk=proposal.pk).update(vote_count=F("vote_count") + 1)
    except IntegrityError:
        raise NotAllowed(_("You have already voted for this topic.")) from None
    return TopicProposal.objects.values_list("vote_count", flat=True).get(pk=proposal.pk)


@transaction.atomic(durable=True)
def proposal_approve(*, proposal: TopicProposal, acting_user: User) -> TopicProposal:
    """Publish a proposal the sensitive-word list held for review."""
    if not permissions.can_run_calls(acting_user):
        raise NotAllowed(_("Only organizers decide on topic proposals."))
    proposal = TopicProposal.objects.select_for_update().get(pk=proposal.pk)
    if proposal.visibility != V.HELD:
        return proposal
    proposal.visibility = V.PUBLISHED
    proposal.save(update_fields=["visibility"])
    audit_record(actor=acting_user, action="community.proposal.approved", target=proposal)
    return proposal


@transaction.atomic(durable=True)
def proposal_decline(*, proposal: TopicProposal, acting_user: User, reason: str) -> TopicProposal:
    if not permissions.can_run_calls(acting_user):
        raise NotAllowed(_("Only organizers decide on topic proposals."))
    reason = (reason or "").strip()[:200]
    if not reason:
        raise InvalidPost(_("Please give a reason: the members who proposed and voted will read it."))
    proposal = TopicProposal.objects.select_for_update().get(pk=proposal.pk)
    if proposal.status != TopicProposal.Status.OPEN:
        raise NotAllowed(_("This topic has already been decided."))
    proposal.status, proposal.status_reason = TopicProposal.Status.DECLINED, reason
    proposal.save(update_fields=["status", "status_reason"])
    audit_record(actor=acting_user, action="community.proposal.declined", target=proposal, reason=reason)
    return proposal


@transaction.atomic(durable=True)
def call_open(
    *,
    proposal: TopicProposal,
    acting_user: User,
    course,
    title: str,
    body: str = "",
    closes_on: datetime.date | None = None,
) -> InstructorCall:
    """Turn a proposal into a call for instructors on ``course``; its author and voters are told."""
    if not permissions.can_run_calls(acting_user):
        raise NotAllowed(_("Only organizers open calls for instructors."))
    proposal = TopicProposal.objects.select_for_update().get(pk=proposal.pk)
    if proposal.status != TopicProposal.Status.OPEN or proposal.visibility != V.PUBLISHED:
        raise NotAllowed(_("This topic has already been decided."))
    if closes_on is not None and closes_on < timezone.localdate():
        raise InvalidPost(_("The closing date is in the past."))
    if course is None or not course.live:
        raise InvalidPost(_("Please choose a published course for the instructor to teach."))
    title = content.clean_title(title)
    cleaned = content.clean_body(body) if body.strip() else None
    call = InstructorCall.objects.create(
        proposal=proposal,
        course=course,
        title=title,
        body=cleaned.html if cleaned else "",
        closes_on=closes_on,
        created_by=acting_user,
    )
    proposal.status = TopicProposal.Status.ADOPTED
    proposal.save(update_fields=["status"])
    audit_record(actor=acting_user, action="community.call.opened", target=call, proposal=proposal.pk)
    notification_send(
        recipients=[proposal.author],
        kind=Notification.Kind.PROPOSAL_ACCEPTED,
        actor=acting_user,
        subject=proposal.title,
        url=call_url(call),
    )
    voters = User.objects.filter(pk__in=proposal.votes.values("user")).exclude(pk=proposal.author_id)
    notification_send(
        recipients=voters,
        kind=Notification.Kind.CALL_OPENED,
        actor=acting_user,
        subject=call.title,
        url=call_url(call),
    )
    return call


def call_is_open(call: InstructorCall) -> bool:
    return call.status == InstructorCall.Status.OPEN and (
        call.closes_on is None or call.closes_on >= timezone.localdate()
    )


def call_apply(*, call: InstructorCall, applicant: User, statement: str) -> CallApplication:
    if getattr(applicant, "member", None) is None or not permissions.is_participant(applicant):
        raise NotAllowed(_("Only members apply to teach."))
    if not call_is_open(call):
        raise NotAllowed(_("This call no longer takes applications."))
    statement = content.clean_body(statement)
    if len(statement.text) < MIN_STATEMENT_CHARS:
        raise InvalidPost(
            _("Please say in at least %(min)d characters why you would teach this course.")
            % {"min": MIN_STATEMENT_CHARS}
        )
    if len(statement.text) > MAX_STATEMENT_CHARS:
        raise InvalidPost(
            _("The statement is too long: at most %(max)d characters.") % {"max": MAX_STATEMENT_CHARS}
        )
    try:
        with transaction.atomic(durable=True):
            return CallApplication.objects.create(call=call, applicant=applicant, statement=statement.html)
    except IntegrityError:
        raise NotAllowed(_("You have already applied for this call.")) from None


@transaction.atomic(durable=True)
def application_withdraw(*, application: CallApplication, acting_user: User) -> CallApplication:
    application = CallApplication.objects.select_for_update().get(pk=application.pk)
    if application.applicant_id != acting_user.pk or application.status != CallApplication.Status.PENDING:
        raise NotAllowed(_("Only a pending application of your own can be withdrawn."))
    application.status, application.decided_at = CallApplication.Status.WITHDRAWN, timezone.now()
    application.save(update_fields=["status", "decided_at"])
    return application


@transaction.atomic(durable=True)
def application_accept(*, application: CallApplication, acting_user: User) -> CallApplication:
    """The applicant becomes an instructor of the call's course (and gets the 讲师 role); the other
    applicants are told they were not chosen; the call is filled."""
    call = InstructorCall.objects.select_for_update().select_related("course").get(pk=application.call_id)
    if not permissions.can_decide_call(acting_user, call):
        raise NotAllowed(_("Only whoever opened the call chooses the instructor."))
    if call.status != InstructorCall.Status.OPEN:
        raise NotAllowed(_("This call has already been decided."))
    application = CallApplication.objects.select_related("applicant").get(pk=application.pk)
    if application.call_id != call.pk or application.status != CallApplication.Status.PENDING:
        raise NotAllowed(_("Only a pending application can be accepted."))
    now = timezone.now()
    application.status, application.decided_at = CallApplication.Status.ACCEPTED, now
    application.save(update_fields=["status", "decided_at"])
    others = list(
        call.applications.filter(status=CallApplication.Status.PENDING)
        .exclude(pk=application.pk)
        .select_related("applicant")
    )
    call.applications.filter(pk__in=[other.pk for other in others]).update(
        status=CallApplication.Status.DECLINED, decided_at=now
    )
    call.status = InstructorCall.Status.FILLED
    call.save(update_fields=["status"])
    applicant = application.applicant
    role_granted = not applicant.groups.filter(name=Role.INSTRUCTOR.value).exists()
    if role_granted:
        applicant.groups.add(Group.objects.get(name=Role.INSTRUCTOR.value))
    course_instructor_add(course=call.course, user=applicant)
    audit_record(
        actor=acting_user,
        action="community.call.instructor_chosen",
        target=call,
        applicant=applicant.pk,
        course=call.course_id,
        role_granted=role_granted,
    )
    notification_send(
        recipients=[applicant],
        kind=Notification.Kind.APPLICATION_ACCEPTED,
        actor=acting_user,
        subject=call.title,
        url=call_url(call),
    )
    notification_send(
        recipients=[other.applicant for other in others],
        kind=Notification.Kind.APPLICATION_DECLINED,
        actor=acting_user,
        subject=call.title,
        url=call_url(call),
    )
    return application


@transaction.atomic(durable=True)
def call_close(*, call: InstructorCall, acting_user: User) -> InstructorCall:
    """Close a call without choosing anyone; pending applicants are told."""
    call = InstructorCall.objects.select_for_update().get(pk=call.pk)
    if not permissions.can_decide_call(acting_user, call):
        raise NotAllowed(_("Only whoever opened the call closes it."))
    if call.status != InstructorCall.Status.OPEN:
        return call
    pending = list(
        call.applications.filter(status=CallApplication.Status.PENDING).select_related("applicant")
    )
    call.applications.filter(status=CallApplication.Status.PENDING).update(
        status=CallApplication.Status.DECLINED, decided_at=timezone.now()
    )
    call.status = InstructorCall.Status.CLOSED
    call.save(update_fields=["status"])
    audit_record(actor=acting_user, action="community.call.closed", target=call)
    notification_send(
        recipients=[application.applicant for application in pending],
        kind=Notification.Kind.APPLICATION_DECLINED,
        actor=acting_user,
        subject=call.title,
        url=call_url(call),
    )
    return call
