"""Notifications: one per recipient and event, never to the actor; e-mailed once when enabled."""

from __future__ import annotations

import pytest
from django.core import mail
from django.utils import timezone

from community import tasks
from community.models import Notification
from community.notifications import (
    notification_send,
    notification_text,
    notifications_mark_read,
    unread_count,
)
from community.tests import factories


@pytest.fixture
def emails_on(settings, monkeypatch):
    settings.NOTIFICATION_EMAILS = True
    settings.EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
    monkeypatch.setattr(
        tasks.notification_email_task, "delay", lambda **kw: tasks.notification_email_task(**kw)
    )


def test_the_actor_and_repeated_recipients_get_nothing_extra(learner, member_a2):
    sent = notification_send(
        recipients=[member_a2.user, member_a2.user, learner],
        kind=Notification.Kind.REPLY,
        actor=learner,
        subject="主题",
        url="/community/",
    )
    assert [row.recipient for row in sent] == [member_a2.user]


def test_the_text_names_the_actor_in_the_readers_language(learner, member_a2, settings):
    row = notification_send(
        recipients=[member_a2.user], kind=Notification.Kind.REPLY, actor=learner, subject="主题", url="/x/"
    )[0]
    from django.utils import translation

    with translation.override("zh-hans"):
        assert notification_text(row) == "甲学员 回复了“主题”"
    with translation.override("en"):
        assert notification_text(row) == "甲学员 replied to “主题”"


def test_unread_counts_drop_when_read(general_board, learner, member_a2):
    thread = factories.thread(general_board, learner)
    factories.reply(thread, member_a2.user)
    factories.reply(thread, member_a2.user, body="补充一句")
    assert unread_count(learner) == 2
    assert notifications_mark_read(user=learner) == 2
    assert unread_count(learner) == 0


def test_a_notification_is_emailed_once_when_the_site_sends_emails(
    emails_on, general_board, learner, member_a2, django_capture_on_commit_callbacks
):
    learner.email = "liu@example.org"
    learner.save(update_fields=["email"])
    thread = factories.thread(general_board, learner, title="学习方法")
    with django_capture_on_commit_callbacks(execute=True):
        factories.reply(thread, member_a2.user)
    assert len(mail.outbox) == 1
    assert mail.outbox[0].to == ["liu@example.org"]
    assert "学习方法" in mail.outbox[0].subject
    row = Notification.objects.get(recipient=learner)
    assert tasks.notification_email_task(notification_id=row.pk) is False  # a second delivery sends nothing
    assert len(mail.outbox) == 1


def test_a_notification_read_before_the_mail_leaves_is_not_emailed(emails_on, learner, member_a2):
    learner.email = "liu@example.org"
    learner.save(update_fields=["email"])
    row = Notification.objects.create(
        recipient=learner, kind=Notification.Kind.REPLY, actor=member_a2.user, subject="s", url="/x/"
    )
    Notification.objects.filter(pk=row.pk).update(read_at=timezone.now())
    assert tasks.notification_email_task(notification_id=row.pk) is False
    assert mail.outbox == []


@pytest.fixture
def notify_tasks_run(monkeypatch, django_capture_on_commit_callbacks):
    """The community's notification tasks run in-process when their transaction commits."""
    for name in ("course_assigned_notify_task", "exam_open_notify_task"):
        task = getattr(tasks, name)
        monkeypatch.setattr(task, "delay", lambda task=task, **kw: task(**kw))
    return lambda: django_capture_on_commit_callbacks(execute=True)


def test_members_are_told_of_a_course_assigned_to_them_once(
    notify_tasks_run, organizer_a1, member_a1, member_a2, org_tree
):
    import datetime

    from courses.services.enrollment import course_assign
    from courses.tests import factories as pages

    course = pages.course("党章学习专题")
    with notify_tasks_run():
        assignment = course_assign(
            acting_user=organizer_a1,
            course=course,
            title="第一党支部专题学习",
            org_unit=org_tree.branch_a1,
            political_statuses=[],
            deadline=timezone.localdate() + datetime.timedelta(days=30),
        )
    told = Notification.objects.filter(kind=Notification.Kind.COURSE_ASSIGNED)
    assert {row.recipient for row in told} == {member_a1.user}  # 乙学员 of 第二党支部 is not in it
    assert told.get().actor == organizer_a1 and told.get().url == course.url
    tasks.course_assigned_notify_task(assignment_id=assignment.pk)  # a duplicate delivery
    assert told.count() == 1


def test_the_audience_is_told_once_when_an_exam_opens(notify_tasks_run, member_a1, member_a2, org_tree):
    import datetime

    from exams.services.exams import exams_announce_open
    from exams.tests import factories as exam_factories

    later = exam_factories.exam(org_tree.branch_a1, opens_at=timezone.now() + datetime.timedelta(hours=2))
    with notify_tasks_run():
        assert exams_announce_open() == 0  # not open yet
        assert exams_announce_open(now=later.opens_at + datetime.timedelta(minutes=1)) == 1
        assert exams_announce_open(now=later.opens_at + datetime.timedelta(minutes=2)) == 0
    told = Notification.objects.filter(kind=Notification.Kind.EXAM_OPEN)
    assert [row.recipient for row in told] == [member_a1.user]
    assert "党章党规结业考试" in notification_text(told.get())


def test_a_draft_exam_is_not_announced(notify_tasks_run, member_a1, org_tree):
    from exams.models import Exam
    from exams.services.exams import exams_announce_open
    from exams.tests import factories as exam_factories

    exam_factories.exam(org_tree.branch_a1, status=Exam.Status.DRAFT)
    with notify_tasks_run():
        assert exams_announce_open() == 0
    assert not Notification.objects.filter(kind=Notification.Kind.EXAM_OPEN).exists()
