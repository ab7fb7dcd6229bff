"""Homework (作业): set an assignment on a course, hand in text and files, review with a score.

Files are checked (``community.uploads``) and written to storage before the database transaction;
if anything then fails they are deleted again, so a refused or failed submission leaves neither rows
nor files behind. Files replaced by a later hand-in are deleted after the commit. A review is a
grade: it is audited, and the member is notified.
"""

from __future__ import annotations

import datetime
import logging
import uuid
from collections.abc import Sequence

from django.conf import settings
from django.core.exceptions import PermissionDenied
from django.core.files.storage import default_storage
from django.core.files.uploadedfile import UploadedFile
from django.db import DatabaseError, IntegrityError, transaction
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from community import content, permissions
from community.exceptions import CommunityError, InvalidPost, NotAllowed
from community.models import Assignment, Notification, Submission, SubmissionFile
from community.notifications import notification_send
from community.uploads import CheckedFile, InvalidUpload, check_upload
from school.models import User
from school.services.audit import audit_record

MAX_SCORE = 1000
EARLIEST_YEAR, LATEST_YEAR = 2000, 2100
logger = logging.getLogger(__name__)


class StorageUnavailable(CommunityError):
    """The file store did not take the files: nothing was handed in."""


def assignment_url(assignment: Assignment) -> str:
    return reverse("community:assignment", args=[assignment.pk])


def submission_url(submission: Submission) -> str:
    return reverse("community:submission", args=[submission.pk])


@transaction.atomic(durable=True)
def assignment_create(
    *,
    course,
    acting_user: User,
    title: str,
    prompt: str,
    due_at: datetime.datetime,
    allow_files: bool = True,
    accept_late: bool = True,
    max_score: int = 100,
) -> Assignment:
    """Set homework on a course; the members studying it are told."""
    if not permissions.teaches_course(acting_user, course):
        raise NotAllowed(_("Only the course's instructors set homework on it."))
    fields = _assignment_fields(title=title, prompt=prompt, due_at=due_at, max_score=max_score)
    if fields["due_at"] <= timezone.now():
        raise InvalidPost(_("The due date has already passed."))
    assignment = Assignment.objects.create(
        course=course, created_by=acting_user, allow_files=allow_files, accept_late=accept_late, **fields
    )
    audit_record(actor=acting_user, action="community.homework.set", target=assignment, course=course.pk)
    notification_send(
        recipients=_students(course),
        kind=Notification.Kind.HOMEWORK_SET,
        actor=acting_user,
        subject=assignment.title,
        url=assignment_url(assignment),
    )
    return assignment


@transaction.atomic(durable=True)
def assignment_update(
    *,
    assignment: Assignment,
    acting_user: User,
    title: str,
    prompt: str,
    due_at: datetime.datetime,
    allow_files: bool,
    accept_late: bool,
    max_score: int,
    is_open: bool,
) -> Assignment:
    assignment = Assignment.objects.select_for_update().select_related("course").get(pk=assignment.pk)
    if not permissions.teaches_course(acting_user, assignment.course):
        raise NotAllowed(_("Only the course's instructors change its homework."))
    fields = _assignment_fields(title=title, prompt=prompt, due_at=due_at, max_score=max_score)
    highest = assignment.submissions.exclude(score=None).order_by("-score").values_list("score", flat=True)
    if highest and highest[0] > fields["max_score"]:
        raise InvalidPost(
            _("Full marks cannot be lower than a score already given (%(score)d).") % {"score": highest[0]}
        )
    changes = {**fields, "allow_files": allow_files, "accept_late": accept_late, "is_open": is_open}
    for name, value in changes.items():
        setattr(assignment, name, value)
    assignment.save(update_fields=[*changes, "updated_at"])
    audit_record(actor=acting_user, action="community.homework.changed", target=assignment)
    return assignment


def _assignment_fields(*, title: str, prompt: str, due_at: datetime.datetime, max_score: int) -> dict:
    if due_at is None:
        raise InvalidPost(_("Please give a due date."))
    if not EARLIEST_YEAR <= due_at.year <= LATEST_YEAR:
        raise InvalidPost(
            _("Please give a due date between the years %(first)d and %(last)d.")
            % {"first": EARLIEST_YEAR, "last": LATEST_YEAR}
        )
    if not 1 <= int(max_score) <= MAX_SCORE:
        raise InvalidPost(_("Full marks must be between 1 and %(max)d.") % {"max": MAX_SCORE})
    return {
        "title": content.clean_title(title, empty=_("Please give the homework a title.")),
        "prompt": content.clean_body(prompt).html,
        "due_at": due_at,
        "max_score": int(max_score),
    }


def studying(course):
    """The enrolments of the active members studying ``course`` (or who finished it)."""
    from courses.models import Enrollment

    return Enrollment.objects.studying().filter(course=course, member__is_active=True)


def _students(course) -> list[User]:
    return [enrollment.member.user for enrollment in studying(course).select_related("member__user")]


def with_my_status(assignments: Sequence[Assignment], user: User) -> Sequence[Assignment]:
    """Mark each assignment with the user's submission (``mine``) and whether it is ``overdue``."""
    mine = {
        row.assignment_id: row for row in Submission.objects.filter(author=user, assignment__in=assignments)
    }
    now = timezone.now()
    for assignment in assignments:
        assignment.mine = mine.get(assignment.pk)
        assignment.overdue = assignment.mine is None and assignment.due_at < now
    return assignments


def submission_refusal(*, assignment: Assignment, author: User, now: datetime.datetime | None = None) -> str:
    """Why ``author`` cannot hand in (or hand in again) now; empty when they can."""
    now = now or timezone.now()
    if not permissions.studies_course(author, assignment.course):
        return _("Only members studying the course hand in its homework. Please join the course first.")
    if not assignment.is_open:
        return _("This homework is closed.")
    if now > assignment.due_at and not assignment.accept_late:
        return _("The due date has passed and late work is not accepted.")
    reviewed = Submission.objects.filter(
        assignment=assignment, author=author, status=Submission.Status.REVIEWED
    ).exists()
    if reviewed:
        return _("Your homework has been reviewed and can no longer be changed.")
    return ""


def submission_save(
    *,
    assignment: Assignment,
    author: User,
    text: str,
    files: Sequence[UploadedFile] = (),
    remove_file_ids: Sequence[int] = (),
) -> Submission:
    """Hand in, or hand in again until reviewed: the text replaces the earlier text, new files join
    the kept ones. Refused (``NotAllowed``/``InvalidPost``/``InvalidUpload``) before anything is stored."""
    refusal = submission_refusal(assignment=assignment, author=author)
    if refusal:
        raise NotAllowed(refusal)
    if files and not assignment.allow_files:
        raise InvalidUpload(_("This homework takes text only, no files."))
    earlier = Submission.objects.filter(assignment=assignment, author=author).first()
    kept = earlier.files.exclude(pk__in=list(remove_file_ids)).count() if earlier else 0
    if kept + len(files) > settings.HOMEWORK_FILES_MAX:
        raise _too_many_files()  # before a single byte is stored
    checked = [check_upload(upload, max_bytes=settings.HOMEWORK_FILE_MAX_BYTES) for upload in files]
    body = content.clean_body(text).html if (text or "").strip() else ""
    stored: list[tuple[CheckedFile, str]] = []
    try:
        for item in checked:
            stored.append(_store(item))
        return _submission_write(
            assignment=assignment, author=author, body=body, stored=stored, remove_file_ids=remove_file_ids
        )
    except Exception as error:
        for _item, path in stored:
            _delete_quietly(path)
        if isinstance(error, CommunityError | DatabaseError):
            raise
        logger.exception("homework files could not be stored")
        raise StorageUnavailable(
            _("Your files could not be stored just now, so nothing was handed in. Please try again later.")
        ) from error


def _delete_quietly(path: str) -> None:
    try:
        default_storage.delete(path)
    except Exception:  # the store is failing; the orphan is logged for the operator
        logger.warning("could not delete the homework file %s after a failed hand-in", path)


def _too_many_files() -> InvalidUpload:
    return InvalidUpload(
        _("At most %(max)d files can be handed in for one homework.") % {"max": settings.HOMEWORK_FILES_MAX}
    )


def _store(item: CheckedFile) -> tuple[CheckedFile, str]:
    today = timezone.localdate()
    path = f"homework/{today:%Y/%m}/{uuid.uuid4().hex}.{item.extension}"
    return item, default_storage.save(path, item.upload)


@transaction.atomic(durable=True)
def _submission_write(
    *,
    assignment: Assignment,
    author: User,
    body: str,
    stored: list[tuple[CheckedFile, str]],
    remove_file_ids: Sequence[int],
) -> Submission:
    # Reviews take the assignment's lock first too, so none can slip in between this check and the write.
    assignment = Assignment.objects.select_for_update().select_related("course").get(pk=assignment.pk)
    refusal = submission_refusal(assignment=assignment, author=author)  # again, under the lock
    if refusal:
        raise NotAllowed(refusal)
    now = timezone.now()
    submission = Submission.objects.filter(assignment=assignment, author=author).first()
    if submission is None:
        try:
            with transaction.atomic():
                submission = Submission.objects.create(
                    assignment=assignment,
                    author=author,
                    text=body,
                    submitted_at=now,
                    is_late=now > assignment.due_at,
                )
        except IntegrityError:  # a double click: the first one created it
            submission = Submission.objects.get(assignment=assignment, author=author)
    removed = list(submission.files.filter(pk__in=list(remove_file_ids)))
    kept = submission.files.count() - len(removed)
    if kept + len(stored) > settings.HOMEWORK_FILES_MAX:
        raise _too_many_files()
    if not body and kept + len(stored) == 0:
        raise InvalidPost(_("Please write your answer or attach a file before handing in."))
    for row in removed:
        path = row.file.name
        row.delete()
        transaction.on_commit(lambda path=path: _delete_quietly(path))
    SubmissionFile.objects.bulk_create(
        [
            SubmissionFile(
                submission=submission,
                file=path,
                name=item.name,
                kind=item.kind,
                size=item.size,
                sha256=item.sha256,
            )
            for item, path in stored
        ]
    )
    submission.text, submission.submitted_at, submission.is_late = body, now, now > assignment.due_at
    submission.save(update_fields=["text", "submitted_at", "is_late"])
    return submission


@transaction.atomic(durable=True)
def submission_review(
    *, submission: Submission, acting_user: User, score: int, comment: str = ""
) -> Submission:
    """Grade a submission (again, if need be): audited, and the member is told."""
    # The assignment's lock first, as hand-ins and changes of full marks take it: they wait for each other.
    Assignment.objects.select_for_update().filter(pk=submission.assignment_id).first()
    submission = (
        Submission.objects.select_for_update(of=("self",))
        .select_related("assignment__course", "author")
        .get(pk=submission.pk)
    )
    if not permissions.teaches_course(acting_user, submission.assignment.course):
        raise PermissionDenied
    maximum = submission.assignment.max_score
    if score is None or not 0 <= int(score) <= maximum:
        raise InvalidPost(_("The score must be between 0 and %(max)d.") % {"max": maximum})
    before = submission.score
    submission.score = int(score)
    submission.review_comment = content.clean_body(comment).html if (comment or "").strip() else ""
    submission.status = Submission.Status.REVIEWED
    submission.reviewed_by, submission.reviewed_at = acting_user, timezone.now()
    submission.save(update_fields=["score", "review_comment", "status", "reviewed_by", "reviewed_at"])
    audit_record(
        actor=acting_user,
        action="community.homework.reviewed",
        target=submission,
        score=submission.score,
        previous_score=before,
        member=submission.author_id,
    )
    notification_send(
        recipients=[submission.author],
        kind=Notification.Kind.HOMEWORK_REVIEWED,
        actor=acting_user,
        subject=submission.assignment.title,
        url=assignment_url(submission.assignment),
    )
    return submission
