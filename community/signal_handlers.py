"""Signal handlers of the community, connected in ``CommunityConfig.ready``: they only enqueue the
notifications other apps' events call for."""

from __future__ import annotations

from school.queueing import enqueue_on_commit


def course_assigned(sender, assignment, **kwargs) -> None:
    from community.tasks import course_assigned_notify_task

    enqueue_on_commit(course_assigned_notify_task, assignment_id=assignment.pk)


def exam_opened(sender, exam, **kwargs) -> None:
    from community.tasks import exam_open_notify_task

    enqueue_on_commit(exam_open_notify_task, exam_id=exam.pk)


def connect() -> None:
    from courses.signals import course_assigned as course_assigned_signal
    from exams.signals import exam_opened as exam_opened_signal

    course_assigned_signal.connect(course_assigned, dispatch_uid="community.course_assigned")
    exam_opened_signal.connect(exam_opened, dispatch_uid="community.exam_opened")
