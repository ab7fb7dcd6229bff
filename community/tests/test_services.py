"""Threads, replies, likes, best answers, moderation and notifications through the services."""

from __future__ import annotations

import pytest
from django.core.exceptions import PermissionDenied
from django.utils import translation

from community import services
from community.exceptions import InvalidPost, NotAllowed
from community.models import Notification, Post, PostLike, SensitiveWord, Thread, Visibility
from community.tests import factories
from courses.tests import factories as pages
from school.models import AuditLog, PointEntry, PointRule


@pytest.fixture(autouse=True)
def chinese():
    with translation.override("zh-hans"):
        yield


def kinds(user) -> list[str]:
    return list(Notification.objects.filter(recipient=user).order_by("id").values_list("kind", flat=True))


def test_starting_a_thread_stores_its_opening_post_and_marks_it_read_for_the_author(general_board, learner):
    thread = factories.thread(general_board, learner, title="怎样写好学习心得", body="请教大家。")
    opening = thread.posts.get()
    assert opening.is_opening and opening.body == "<p>请教大家。</p>"
    assert thread.visits.get().user == learner
    assert thread.reply_count == 0 and thread.visibility == Visibility.PUBLISHED


def test_a_reply_counts_tells_the_thread_author_and_earns_points(general_board, learner, member_a2):
    thread = factories.thread(general_board, learner)
    factories.reply(thread, member_a2.user)
    thread.refresh_from_db()
    assert thread.reply_count == 1
    assert kinds(learner) == [Notification.Kind.REPLY]
    assert kinds(member_a2.user) == []  # nobody is told about their own post
    rule = PointRule.objects.get(code=PointRule.Code.REPLY_POSTED)
    assert PointEntry.objects.filter(member=member_a2, rule=rule.code).exists()


def test_quoting_tells_the_quoted_author_once(general_board, learner, member_a2, organizer_a1):
    thread = factories.thread(general_board, learner)
    first = factories.reply(thread, member_a2.user, body="第一条回复")
    factories.reply(thread, organizer_a1, body="同意", quote=first)
    assert kinds(member_a2.user) == [Notification.Kind.REPLY]
    assert Post.objects.get(body="<p>同意</p>").quote == first


def test_a_quote_from_another_thread_is_dropped(general_board, learner, member_a2):
    elsewhere = factories.reply(factories.thread(general_board, learner, title="另一帖"), learner)
    post = factories.reply(factories.thread(general_board, learner), member_a2.user, quote=elsewhere)
    assert post.quote is None


def test_mentions_reach_members_who_can_read_the_board_and_nobody_else(branch_board, learner, member_a2):
    """甲学员 belongs to 第一党支部's 小组; 乙学员 (第二党支部) cannot read its board."""
    thread = factories.thread(branch_board, learner)
    post = factories.reply(thread, learner, body="@乙学员 @甲学员你看")
    assert kinds(member_a2.user) == []
    assert "<strong>@乙学员</strong>" not in post.body


def test_a_mention_running_into_the_next_word_finds_the_name(general_board, learner, member_a2):
    thread = factories.thread(general_board, learner, body="@乙学员你怎么看？")
    assert kinds(member_a2.user) == [Notification.Kind.MENTION]
    assert "<strong>@乙学员</strong>你怎么看" in thread.posts.get().body


def test_a_locked_thread_takes_no_reply_and_stores_nothing(general_board, learner, system_admin, member_a2):
    thread = factories.thread(general_board, learner)
    services.thread_set_flags(thread=thread, acting_user=system_admin, locked=True)
    with pytest.raises(NotAllowed, match="锁定"):
        factories.reply(thread, member_a2.user)
    assert thread.posts.count() == 1


def test_nobody_posts_into_a_board_of_another_branch(branch_board, member_a2, learner):
    with pytest.raises(NotAllowed):
        factories.thread(branch_board, member_a2.user)
    thread = factories.thread(branch_board, learner)
    with pytest.raises(NotAllowed):
        factories.reply(thread, member_a2.user)
    assert Thread.objects.count() == 1 and Post.objects.count() == 1


def test_only_the_author_edits_a_post(general_board, learner, member_a2):
    thread = factories.thread(general_board, learner)
    opening = thread.posts.get()
    with pytest.raises(NotAllowed):
        services.post_edit(post=opening, acting_user=member_a2.user, body="篡改")
    services.post_edit(post=opening, acting_user=learner, body="修改后的内容")
    opening.refresh_from_db()
    assert opening.body == "<p>修改后的内容</p>" and opening.edited_at is not None


def test_a_like_counts_once_and_a_second_click_takes_it_back(general_board, learner, member_a2):
    post = factories.thread(general_board, learner).posts.get()
    assert services.post_like(post=post, user=member_a2.user) == (True, 1)
    assert services.post_like(post=post, user=member_a2.user) == (False, 0)
    assert not PostLike.objects.exists()


def test_the_course_instructor_marks_the_best_answer_and_its_author_and_the_asker_hear_of_it(
    learner, member_a2, instructor, org_tree
):
    course = pages.course("学习党章", instructors=[instructor])
    board = services.board_for_page(page=course)
    thread = factories.thread(board, learner, title="第一章怎么理解")
    answer = factories.reply(thread, member_a2.user)
    with pytest.raises(NotAllowed):
        services.post_mark_best(post=answer, acting_user=learner)  # the asker does not choose
    services.post_mark_best(post=answer, acting_user=instructor)
    thread.refresh_from_db()
    assert thread.best_post == answer
    assert Notification.Kind.BEST_ANSWER in kinds(member_a2.user)
    assert Notification.Kind.QUESTION_ANSWERED in kinds(learner)


def test_an_instructor_answering_and_choosing_their_own_answer_tells_only_the_asker(
    learner, instructor, org_tree
):
    course = pages.course("学习党章", instructors=[instructor])
    thread = factories.thread(services.board_for_page(page=course), learner)
    answer = factories.reply(thread, instructor)
    Notification.objects.all().delete()
    services.post_mark_best(post=answer, acting_user=instructor)
    assert list(Notification.objects.values_list("recipient", "kind")) == [
        (learner.pk, Notification.Kind.QUESTION_ANSWERED)
    ]


def test_an_instructor_of_another_course_cannot_mark_the_best_answer(learner, member_a2, instructor):
    course = pages.course("学习党章")
    thread = factories.thread(services.board_for_page(page=course), learner)
    answer = factories.reply(thread, member_a2.user)
    with pytest.raises(NotAllowed):
        services.post_mark_best(post=answer, acting_user=instructor)


def test_hiding_needs_a_reason_is_audited_and_tells_the_author(
    general_board, learner, member_a2, system_admin
):
    thread = factories.thread(general_board, learner)
    post = factories.reply(thread, member_a2.user)
    with pytest.raises(InvalidPost):
        services.post_hide(post=post, acting_user=system_admin, reason=" ")
    services.post_hide(post=post, acting_user=system_admin, reason="与主题无关")
    post.refresh_from_db()
    thread.refresh_from_db()
    assert post.visibility == Visibility.HIDDEN and thread.reply_count == 0
    entry = AuditLog.objects.get(action="community.post.hidden")
    assert entry.actor == system_admin and entry.data["reason"] == "与主题无关"
    assert Notification.Kind.POST_HIDDEN in kinds(member_a2.user)
    services.post_restore(post=post, acting_user=system_admin, reason="误判")
    thread.refresh_from_db()
    assert thread.reply_count == 1
    assert AuditLog.objects.filter(action="community.post.restored", data__reason="误判").exists()


def test_a_branch_organizer_moderates_posts_of_their_members_only(
    general_board, learner, member_a2, organizer_a1
):
    mine = factories.thread(general_board, learner).posts.get()  # 甲学员 is in 第一党支部's subtree
    theirs = factories.thread(general_board, member_a2.user, title="乙的帖子").posts.get()
    services.post_hide(post=mine, acting_user=organizer_a1, reason="广告")
    with pytest.raises(PermissionDenied):
        services.post_hide(post=theirs, acting_user=organizer_a1, reason="广告")
    assert Thread.objects.get(pk=mine.thread_id).visibility == Visibility.HIDDEN


def test_a_blocked_word_refuses_the_post_and_stores_nothing(general_board, learner):
    SensitiveWord.objects.create(word="赌博", action=SensitiveWord.Action.BLOCK)
    with pytest.raises(InvalidPost, match="赌博"):
        factories.thread(general_board, learner, body="欢迎来玩網上賭博")
    assert not Thread.objects.exists() and not Post.objects.exists()


def test_a_word_under_review_holds_the_post_until_a_moderator_approves(
    general_board, learner, member_a2, system_admin
):
    SensitiveWord.objects.create(word="上访", action=SensitiveWord.Action.REVIEW)
    thread = factories.thread(general_board, learner)
    held = factories.reply(thread, member_a2.user, body="关于上访的问题")
    thread.refresh_from_db()
    assert held.visibility == Visibility.HELD and thread.reply_count == 0
    assert kinds(learner) == []  # nobody is told of a post they cannot see yet
    assert list(thread.posts.shown_to(learner)) == [thread.posts.get(is_opening=True)]
    assert held in thread.posts.shown_to(member_a2.user)
    services.post_restore(post=held, acting_user=system_admin)
    thread.refresh_from_db()
    assert thread.reply_count == 1 and kinds(learner) == [Notification.Kind.REPLY]
    assert AuditLog.objects.filter(action="community.post.approved").exists()


def test_reporting_twice_makes_one_report_and_nobody_reports_themself(general_board, learner, member_a2):
    post = factories.thread(general_board, learner).posts.get()
    services.post_report(post=post, reporter=member_a2.user, reason="广告")
    services.post_report(post=post, reporter=member_a2.user, reason="广告")
    assert post.reports.count() == 1
    with pytest.raises(NotAllowed):
        services.post_report(post=post, reporter=learner, reason="测试")
