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
