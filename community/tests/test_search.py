"""Threads reach the search index with their board's visibility, and leave it when hidden."""

from __future__ import annotations

import pytest

from community import services
from community.tests import factories
from courses.models import AccessLevel
from courses.tests import factories as pages
from search import api
from search.tests.test_indexing import tasks_run  # noqa: F401 - fixture

pytestmark = pytest.mark.django_db


def found(user, q: str) -> tuple[list[str], int]:
    results = api.query(user, q, per_page=50).results
    return [hit.title for hit in results.hits], results.total


def test_a_thread_and_its_replies_are_found_by_members(tasks_run, general_board, learner, member_a2):  # noqa: F811
    with tasks_run():
        thread = factories.thread(general_board, learner, title="学习贯彻二十大精神的体会")
    with tasks_run():
        factories.reply(thread, member_a2.user, body="基层治理要抓实抓细")
    assert found(member_a2.user, "二十大") == (["学习贯彻二十大精神的体会"], 1)
    assert found(member_a2.user, "基层治理") == (["学习贯彻二十大精神的体会"], 1)


def test_a_branch_boards_threads_are_invisible_to_another_branch_in_hits_and_counts(
    tasks_run,  # noqa: F811
    branch_board,
    learner,
    member_a2,
    organizer_a1,
):
    with tasks_run():
        factories.thread(branch_board, learner, title="支部内部讨论：换届选举安排")
    assert found(member_a2.user, "换届选举") == ([], 0)
    assert found(learner, "换届选举")[1] == 1
    assert found(organizer_a1, "换届选举")[1] == 1


def test_a_hidden_thread_leaves_the_index(tasks_run, general_board, learner, system_admin):  # noqa: F811
    with tasks_run():
        thread = factories.thread(general_board, learner, title="推销保健品")
    assert found(system_admin, "保健品")[1] == 1
    with tasks_run():
        services.post_hide(post=thread.posts.get(), acting_user=system_admin, reason="广告")
    assert found(system_admin, "保健品")[1] == 0
    assert found(learner, "保健品")[1] == 0


def test_a_lesson_discussion_is_found_only_by_readers_of_the_lesson(
    tasks_run,  # noqa: F811
    org_tree,
    learner,
    member_a2,
):
    with tasks_run():
        course = pages.course("支部专题课", access=AccessLevel.ORG_UNITS, org_units=[org_tree.branch_a1])
        lesson = pages.lesson(course, "第一讲")
    with tasks_run():
        factories.thread(services.board_for_page(page=lesson), learner, title="第一讲的思考题答案")
    assert found(learner, "思考题")[1] == 1
    assert found(member_a2.user, "思考题") == ([], 0)
