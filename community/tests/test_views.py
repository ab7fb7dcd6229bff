"""The pages: visibility across 支部 by direct URL, bad input answered with 4xx and nothing stored."""

from __future__ import annotations

import pytest
from django.test import Client
from django.urls import reverse

from community import services
from community.models import Notification, Post, Thread
from community.tests import factories
from courses.models import AccessLevel
from courses.tests import factories as pages


def client_for(user) -> Client:
    client = Client(HTTP_ACCEPT_LANGUAGE="zh-hans")
    client.force_login(user)
    return client


def test_the_community_lists_the_boards_a_member_may_read(general_board, branch_board, member_a2):
    html = client_for(member_a2.user).get("/community/").content.decode()
    assert general_board.title in html
    assert branch_board.title not in html


def test_visitors_are_sent_to_log_in(general_board):
    response = Client().get(reverse("community:board", args=[general_board.pk]))
    assert response.status_code == 302 and "/accounts/login/" in response["Location"]


def test_a_board_and_thread_of_another_branch_do_not_exist_for_a_member(branch_board, learner, member_a2):
    thread = factories.thread(branch_board, learner)
    client = client_for(member_a2.user)
    assert client.get(reverse("community:board", args=[branch_board.pk])).status_code == 404
    assert client.get(reverse("community:thread", args=[thread.pk])).status_code == 404


def test_posting_into_a_board_of_another_branch_by_id_stores_nothing(branch_board, learner, member_a2):
    thread = factories.thread(branch_board, learner)
    client = client_for(member_a2.user)
    response = client.post(
        reverse("community:thread_new", args=[branch_board.pk]), {"title": "闯入", "body": "x"}
    )
    assert response.status_code == 404
    response = client.post(reverse("community:thread", args=[thread.pk]), {"body": "闯入"})
    assert response.status_code == 404
    assert Thread.objects.count() == 1 and Post.objects.count() == 1


def test_a_thread_is_posted_and_shown(general_board, learner):
    client = client_for(learner)
    response = client.post(
        reverse("community:thread_new", args=[general_board.pk]),
        {"title": "学习二十大报告的体会", "body": "第一点\n\n第二点", "is_question": "on"},
    )
    thread = Thread.objects.get()
    assert response.status_code == 302 and response["Location"] == reverse(
        "community:thread", args=[thread.pk]
    )
    html = client.get(response["Location"]).content.decode()
    assert "学习二十大报告的体会" in html and "<p>第一点</p><p>第二点</p>" in html


@pytest.mark.parametrize(
    "body",
    ["<script>alert(1)</script>", '<iframe src="//evil.example"></iframe>', "javascript:alert(1)"],
)
def test_scripts_in_a_reply_are_refused_with_a_message_and_nothing_is_stored(general_board, learner, body):
    thread = factories.thread(general_board, learner)
    response = client_for(learner).post(reverse("community:thread", args=[thread.pk]), {"body": body})
    assert response.status_code == 400
    assert "脚本" in response.content.decode()
    assert thread.posts.count() == 1


def test_a_one_megabyte_post_is_refused(general_board, learner):
    thread = factories.thread(general_board, learner)
    response = client_for(learner).post(
        reverse("community:thread", args=[thread.pk]), {"body": "党" * 1_000_000}
    )
    assert response.status_code == 400
    assert thread.posts.count() == 1


def test_replying_to_a_locked_thread_says_it_is_locked(general_board, learner, system_admin, member_a2):
    thread = factories.thread(general_board, learner)
    services.thread_set_flags(thread=thread, acting_user=system_admin, locked=True)
    response = client_for(member_a2.user).post(
        reverse("community:thread", args=[thread.pk]), {"body": "还想说"}
    )
    assert response.status_code == 400
    assert "锁定" in response.content.decode()
    assert thread.posts.count() == 1


def test_editing_another_members_post_is_forbidden(general_board, learner, member_a2):
    post = factories.thread(general_board, learner).posts.get()
    response = client_for(member_a2.user).post(
        reverse("community:post_edit", args=[post.pk]), {"body": "篡改"}
    )
    assert response.status_code == 403
    post.refresh_from_db()
    assert "篡改" not in post.body


def test_liking_answers_scripts_with_json(general_board, learner, member_a2):
    post = factories.thread(general_board, learner).posts.get()
    response = client_for(member_a2.user).post(
        reverse("community:post_like", args=[post.pk]), HTTP_X_REQUESTED_WITH="XMLHttpRequest"
    )
    assert response.json() == {"liked": True, "likes": 1}


def test_posting_needs_the_csrf_token(general_board, learner):
    client = Client(enforce_csrf_checks=True)
    client.force_login(learner)
    response = client.post(
        reverse("community:thread_new", args=[general_board.pk]), {"title": "t", "body": "b"}
    )
    assert response.status_code == 403
    assert not Thread.objects.exists()


def test_posting_too_fast_is_slowed_down(general_board, learner, settings):
    settings.COMMUNITY_POST_RATE_LIMIT = 2
    thread = factories.thread(general_board, learner)
    client = client_for(learner)
    statuses = [
        client.post(reverse("community:thread", args=[thread.pk]), {"body": f"第{n}条"}).status_code
        for n in range(3)
    ]
    assert statuses == [302, 302, 429]
    assert thread.posts.count() == 3


def test_a_lesson_board_is_made_on_first_visit_only_for_readers(org_tree, learner, member_a2):
    course = pages.course("支部专题", access=AccessLevel.ORG_UNITS, org_units=[org_tree.branch_a1])
    lesson = pages.lesson(course, "第一讲")
    url = reverse("community:page_board", args=[lesson.pk])
    assert client_for(member_a2.user).get(url).status_code == 404
    response = client_for(learner).get(url)
    board = services.board_for_page(page=lesson)
    assert response["Location"] == reverse("community:board", args=[board.pk])


def test_the_notification_centre_lists_and_opens_notifications(general_board, learner, member_a2):
    thread = factories.thread(general_board, learner)
    factories.reply(thread, member_a2.user)
    client = client_for(learner)
    html = client.get(reverse("community:notifications")).content.decode()
    assert "乙学员" in html and thread.title in html
    notification = Notification.objects.get(recipient=learner)
    response = client.get(reverse("community:notification_open", args=[notification.pk]))
    assert response.status_code == 302 and response["Location"].startswith(f"/community/threads/{thread.pk}/")
    notification.refresh_from_db()
    assert notification.read_at is not None


def test_nobody_opens_another_users_notification(general_board, learner, member_a2):
    factories.reply(factories.thread(general_board, learner), member_a2.user)
    notification = Notification.objects.get(recipient=learner)
    response = client_for(member_a2.user).get(reverse("community:notification_open", args=[notification.pk]))
    assert response.status_code == 404


def test_the_moderation_queue_is_for_moderators(learner):
    assert client_for(learner).get(reverse("community:moderation")).status_code == 403


def test_community_pages_forbid_inline_script_and_style(general_board, learner):
    response = client_for(learner).get(reverse("community:board", args=[general_board.pk]))
    policy = response["Content-Security-Policy"]
    assert "script-src 'self'" in policy and "style-src 'self'" in policy and "'unsafe-inline'" not in policy
    assert "<script>" not in response.content.decode()
