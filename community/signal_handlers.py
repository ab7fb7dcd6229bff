"""Signal handlers of the community, connected in ``CommunityConfig.ready``: they only enqueue the
notifications other apps' events call for."""

from __future__ import annotations

from django.db import transaction


def course_assigned(sender, assignment, **kwargs) -> None:
    from community.tasks import course_assigned_notify_task

    pk = assignment.pk
    transaction.on_commit(lambda: course_assigned_notify_task.delay(assignment_id=pk), robust=True)


def exam_opened(sender, exam, **kwargs) -> None:
    from community.tasks import exam_open_notify_task

    pk = exam.pk
    transaction.on_commit(lambda: exam_open_notify_task.delay(exam_id=pk), robust=True)


def connect() -> None:
    from courses.signals import course_assigned as course_assigned_signal
    from exams.signals import exam_opened as exam_opened_signal

    course_assigned_signal.connect(course_assigned, dispatch_uid="community.course_assigned")
    exam_opened_signal.connect(exam_opened, dispatch_uid="community.exam_opened")
