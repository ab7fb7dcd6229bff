"""Writing exams: settings, publishing and question slots; one transaction and one audit row each."""

from __future__ import annotations

import datetime
from typing import Any

from django.db import transaction
from django.db.models import Count, Max, Min
from django.utils import timezone
from django.utils.translation import gettext as _

from exams.exceptions import ExamError
from exams.models import Exam, ExamSlot, Question
from exams.services.layout import layout_draw
from school.models import Member
from school.services.audit import audit_record


class CannotPublish(ExamError):
    """Every reason an exam cannot be published, each shown as its own message."""

    code = "cannot_publish"

    def __init__(self, problems: list[str]) -> None:
        super().__init__("；".join(problems))
        self.problems = problems


def _lock(exam_id: int) -> Exam:
    return Exam.objects.select_for_update().get(pk=exam_id)


@transaction.atomic(durable=True)
def exam_create(*, exam: Exam, acting_user: Any) -> Exam:
    """Save a new exam (from the form) as a draft owned by ``acting_user``."""
    exam.created_by = acting_user
    exam.status = Exam.Status.DRAFT
    exam.save()
    audit_record(actor=acting_user, action="exam.created", target=exam)
    return exam


RESULT_FIELDS = {"pass_percent", "grading_method"}


@transaction.atomic(durable=True)
def exam_change(*, exam: Exam, changed: list[str], acting_user: Any) -> Exam:
    """Save the settings; a new pass mark or grading method recomputes every member's result (attempts
    are re-totalled against the new pass mark, and members who now pass get what passing brings)."""
    exam.save()
    if RESULT_FIELDS & set(changed):
        from exams.services.results import attempt_totals_refresh, result_update

        attempt_totals_refresh(exam=exam)
        for member in Member.objects.filter(exam_results__exam=exam).distinct():
            result_update(exam=exam, member=member)
    audit_record(actor=acting_user, action="exam.changed", target=exam, fields=changed)
    return exam


def slot_available(slot: ExamSlot) -> dict[str, Any]:
    """How many bank questions a random slot can draw from, and their marks (one query)."""
    candidates = Question.objects.live().filter(current_version__isnull=False)
    candidates = candidates.in_category(slot.category, with_subcategories=slot.include_subcategories)
    if slot.kind:
        candidates = candidates.filter(kind=slot.kind)
    if slot.difficulty:
        candidates = candidates.filter(difficulty=slot.difficulty)
    return candidates.aggregate(
        count=Count("pk"), low=Min("current_version__mark"), high=Max("current_version__mark")
    )


def publish_problems(exam: Exam, *, now: datetime.datetime | None = None) -> list[str]:
    """Why ``exam`` cannot be published as it stands (empty: it can)."""
    now = now or timezone.now()
    problems = []
    if exam.closes_at <= exam.opens_at:
        problems.append(_("The exam must close after it opens."))
    elif exam.closes_at <= now:
        problems.append(_("The closing time has passed: move it later before publishing."))
    slots = list(exam.slots.select_related("category").order_by("sort_order", "pk"))
    for number, slot in enumerate(slots, start=1):
        available = slot_available(slot)["count"] if slot.is_random else slot.count
        if available < slot.count:
            problems.append(
                _("Slot %(number)s needs %(count)s questions; the bank has only %(available)s that match.")
                % {"number": number, "count": slot.count, "available": available}
            )
    if not problems:
        try:
            layout_draw(exam)
        except ExamError as error:
            problems.append(
                _("The random draws overlap and together need more questions than the bank has.")
                if error.code == "bank_too_small"
                else error.message
            )
    return problems


@transaction.atomic(durable=True)
def exam_publish(*, exam: Exam, acting_user: Any) -> Exam:
    """Open the exam to its members; refuses (``CannotPublish``) when it cannot be drawn or has closed."""
    exam = _lock(exam.pk)
    problems = publish_problems(exam)
    if problems:
        raise CannotPublish(problems)
    exam.status = Exam.Status.PUBLISHED
    exam.save(update_fields=["status", "updated_at"])
    audit_record(actor=acting_user, action="exam.published", target=exam)
    return exam


@transaction.atomic(durable=True)
def exam_unpublish(*, exam: Exam, acting_user: Any) -> Exam:
    """Back to draft: nobody can start it; attempts in progress may still be submitted."""
    exam = _lock(exam.pk)
    exam.status = Exam.Status.DRAFT
    exam.save(update_fields=["status", "updated_at"])
    audit_record(actor=acting_user, action="exam.unpublished", target=exam)
    return exam


@transaction.atomic(durable=True)
def exam_slot_add(*, exam: Exam, acting_user: Any, **fields: Any) -> ExamSlot:
    """A fixed question (``question``) or a random draw (``category`` …) at the end of the exam."""
    _lock(exam.pk)
    last = exam.slots.aggregate(last=Max("sort_order"))["last"]
    slot = ExamSlot.objects.create(exam=exam, sort_order=0 if last is None else last + 1, **fields)
    audit_record(actor=acting_user, action="exam.slots_changed", target=exam, change="added", slot=str(slot))
    return slot


@transaction.atomic(durable=True)
def exam_slot_move(*, slot: ExamSlot, up: bool, acting_user: Any) -> None:
    _lock(slot.exam_id)
    slots = list(ExamSlot.objects.filter(exam_id=slot.exam_id).order_by("sort_order", "pk"))
    index = next(i for i, s in enumerate(slots) if s.pk == slot.pk)
    other = index - 1 if up else index + 1
    if not 0 <= other < len(slots):
        return
    slots[index], slots[other] = slots[other], slots[index]
    for order, each in enumerate(slots):
        each.sort_order = order
    ExamSlot.objects.bulk_update(slots, ["sort_order"])
    audit_record(
        actor=acting_user, action="exam.slots_changed", target=slot.exam, change="moved", slot=str(slot)
    )


@transaction.atomic(durable=True)
def exam_slot_remove(*, slot: ExamSlot, acting_user: Any) -> None:
    exam = slot.exam
    description = str(slot)
    slot.delete()
    audit_record(
        actor=acting_user, action="exam.slots_changed", target=exam, change="removed", slot=description
    )


def exams_announce_open(*, now: datetime.datetime | None = None) -> int:
    """Tell each published exam's audience once that it is open (Celery beat, every minute).

    An exam is claimed by setting ``announced_at`` in one UPDATE, so two schedulers never announce it
    twice; one published while already open is announced on the next run. Returns how many were.
    """
    from exams.signals import exam_opened

    now = now or timezone.now()
    due = Exam.objects.published().filter(opens_at__lte=now, closes_at__gt=now, announced_at__isnull=True)
    announced = 0
    for pk in list(due.values_list("pk", flat=True)):  # read first: each exam is then claimed on its own
        with transaction.atomic(durable=True):
            if not Exam.objects.filter(pk=pk, announced_at__isnull=True).update(announced_at=now):
                continue  # another scheduler got there first
            exam_opened.send(sender=Exam, exam=Exam.objects.get(pk=pk))
            announced += 1
    return announced
