"""Topic study groups: starting and approving them (notifications, audit rows), joining and leaving
(scope, capacity, racing joins), the private group board, the reading list and its checks, and the
progress overview on a known data set. Bad input is refused with a message and stores nothing.

Assertions marked "zh: new msgid" check this feature's own strings in Chinese: they pass once the
translations handed over in /tmp/po_groups.tsv are in the compiled catalog.
"""

from __future__ import annotations

import pytest
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from community import groups, permissions, services
from community.exceptions import InvalidPost, NotAllowed
from community.models import (
    Board,
    GroupMembership,
    GroupReading,
    Notification,
    Post,
    ReadingDone,
    StudyGroup,
    Thread,
)
from community.tests import factories
from courses.models import AccessLevel, Enrollment, LessonProgress
from courses.tests import factories as pages
from school.models import AuditLog
from school.roles import Role
from school.tests.factories import MemberFactory
from search import api
from search.tests.test_indexing import tasks_run  # noqa: F401 - fixture

pytestmark = pytest.mark.django_db


def client_for(user) -> Client:
    client = Client(HTTP_ACCEPT_LANGUAGE="zh-hans")
    client.force_login(user)
    return client


def make_group(creator, name: str = "党史学习小组", **fields) -> StudyGroup:
    fields.setdefault("topic", "学习新中国史")
    return groups.group_create(creator=creator, name=name, **fields)


@pytest.fixture
def branch_mate(org_tree):
    """A member of 第一党支部 itself (the learner sits in its 党小组)."""
    return MemberFactory(user__roles=[Role.LEARNER], org_unit=org_tree.branch_a1, real_name="同支部").user


@pytest.fixture
def group(organizer_a1, org_tree):
    """第一党支部's active group, led by its organizer."""
    return make_group(organizer_a1, org_unit=org_tree.branch_a1)


@pytest.fixture
def joined(group, learner):
    """The group with the learner (of 第一党小组, inside 第一党支部) as a member."""
    groups.group_join(group=group, user=learner)
    group.refresh_from_db()
    return group


@pytest.fixture
def organizer_b1(org_tree):
    user = MemberFactory(user__roles=[Role.BRANCH_ORGANIZER], org_unit=org_tree.branch_b1).user
    org_tree.branch_b1.managers.add(user)
    return user


# ---------- Starting, approving, declining, archiving ----------


def test_an_organizers_group_is_active_at_once_with_its_board_and_its_creator_leads_it(group, organizer_a1):
    assert group.status == StudyGroup.Status.ACTIVE
    assert group.board.kind == Board.Kind.GROUP and group.board.title == "党史学习小组"
    assert group.board.page_id is None and group.board.org_unit_id is None
    membership = GroupMembership.objects.get(group=group)
    assert (membership.user, membership.role) == (organizer_a1, GroupMembership.Role.LEADER)
    assert group.member_count == 1
    assert not Notification.objects.exists()


def test_a_members_group_waits_and_the_organizers_of_their_branch_are_told(
    learner, organizer_a1, organizer_b1
):
    pending = make_group(learner, name="青年理论学习小组")
    assert pending.status == StudyGroup.Status.PENDING and pending.board is None
    told = Notification.objects.get(kind=Notification.Kind.GROUP_PENDING)
    assert (told.recipient, told.actor, told.subject) == (organizer_a1, learner, "青年理论学习小组")
    assert told.url == reverse("community:group", args=[pending.pk])
    assert GroupMembership.objects.get(group=pending).role == GroupMembership.Role.LEADER


def test_a_group_nobody_organizes_goes_to_the_system_administrators(org_tree, member_b1, system_admin):
    make_group(member_b1.user)  # 第三党支部 has no organizer
    assert Notification.objects.get(kind=Notification.Kind.GROUP_PENDING).recipient == system_admin


def test_approving_opens_the_board_tells_the_creator_and_writes_an_audit_row(learner, organizer_a1):
    pending = make_group(learner)
    groups.group_approve(group=pending, acting_user=organizer_a1)
    pending.refresh_from_db()
    assert pending.status == StudyGroup.Status.ACTIVE and pending.board.kind == Board.Kind.GROUP
    assert Notification.objects.filter(recipient=learner, kind=Notification.Kind.GROUP_APPROVED).exists()
    log = AuditLog.objects.get(action="community.group.approved")
    assert (log.actor, log.target_id) == (organizer_a1, str(pending.pk))
    with pytest.raises(NotAllowed):
        groups.group_approve(group=pending, acting_user=organizer_a1)
    assert Board.objects.count() == 1


def test_declining_needs_a_reason_which_the_creator_reads(learner, organizer_a1):
    pending = make_group(learner)
    with pytest.raises(InvalidPost, match="请说明理由"):  # zh: new msgid
        groups.group_decline(group=pending, acting_user=organizer_a1, reason="  ")
    pending.refresh_from_db()
    assert pending.status == StudyGroup.Status.PENDING and not AuditLog.objects.exists()
    groups.group_decline(group=pending, acting_user=organizer_a1, reason="主题与现有小组重复")
    pending.refresh_from_db()
    assert (pending.status, pending.status_reason) == (StudyGroup.Status.DECLINED, "主题与现有小组重复")
    assert Notification.objects.filter(recipient=learner, kind=Notification.Kind.GROUP_DECLINED).exists()
    assert AuditLog.objects.get(action="community.group.declined").data == {"reason": "主题与现有小组重复"}
    with pytest.raises(NotAllowed):
        groups.group_join(group=pending, user=learner)


def test_only_the_groups_own_organizers_decide_on_it(learner, organizer_b1, member_a2):
    pending = make_group(learner)
    for outsider in (organizer_b1, member_a2.user, learner):
        with pytest.raises(NotAllowed):
            groups.group_approve(group=pending, acting_user=outsider)
        with pytest.raises(NotAllowed):
            groups.group_decline(group=pending, acting_user=outsider, reason="不行")
    pending.refresh_from_db()
    assert pending.status == StudyGroup.Status.PENDING
    assert not AuditLog.objects.exists() and not Board.objects.exists()


def test_approving_through_the_page_is_for_moderators_only(learner, organizer_a1):
    pending = make_group(learner)
    url = reverse("community:group_approve", args=[pending.pk])
    assert client_for(learner).post(url).status_code == 403  # the creator sees the page, but does not decide
    response = client_for(organizer_a1).post(url)
    assert response.status_code == 302
    pending.refresh_from_db()
    assert pending.status == StudyGroup.Status.ACTIVE


def test_declining_through_the_page_without_a_reason_is_a_400(learner, organizer_a1):
    pending = make_group(learner)
    response = client_for(organizer_a1).post(
        reverse("community:group_decline", args=[pending.pk]), {"reason": ""}
    )
    assert response.status_code == 400
    pending.refresh_from_db()
    assert pending.status == StudyGroup.Status.PENDING


def test_archiving_closes_the_board_for_new_threads_and_is_audited(joined, organizer_a1, learner):
    groups.group_archive(group=joined, acting_user=organizer_a1, reason="学习任务完成")
    joined.refresh_from_db()
    assert joined.status == StudyGroup.Status.ARCHIVED and not joined.board.is_active
    assert AuditLog.objects.get(action="community.group.archived").actor == organizer_a1
    with pytest.raises(NotAllowed):
        factories.thread(joined.board, learner)
    assert client_for(learner).get(reverse("community:board", args=[joined.board.pk])).status_code == 200


def test_a_leader_who_is_no_organizer_does_not_archive(joined, learner, organizer_a1):
    groups.group_leader_appoint(group=joined, user=learner, acting_user=organizer_a1)
    response = client_for(learner).post(reverse("community:group_archive", args=[joined.pk]), {"reason": ""})
    assert response.status_code == 403
    joined.refresh_from_db()
    assert joined.status == StudyGroup.Status.ACTIVE and not AuditLog.objects.exists()


@pytest.mark.parametrize(
    "fields",
    [
        {"name": "<script>alert(1)</script>学习小组"},
        {"name": "学习小组", "topic": '<iframe src="//evil.example"></iframe>'},
        {"name": "学习小组", "description": "<script>alert(1)</script>"},
        {"name": "javascript:alert(1)"},
        {"name": '<img src=x onerror="alert(1)">'},
    ],
)
def test_names_and_texts_with_scripts_are_refused_and_nothing_is_stored(learner, fields):
    fields.setdefault("topic", "党章")
    with pytest.raises(InvalidPost, match="脚本"):
        groups.group_create(creator=learner, **fields)
    assert not StudyGroup.objects.exists() and not GroupMembership.objects.exists()
    assert not Notification.objects.exists()


@pytest.mark.parametrize(
    ("fields", "error"),
    [
        ({"name": "   "}, InvalidPost),
        ({"name": "党" * 41}, InvalidPost),
        ({"topic": ""}, InvalidPost),
        ({"max_members": 1}, InvalidPost),
        ({"max_members": 201}, InvalidPost),
    ],
)
def test_bad_group_input_is_refused_and_nothing_is_stored(learner, fields, error):
    fields = {"name": "党史学习小组", "topic": "新中国史", **fields}
    with pytest.raises(error):  # zh: new msgids (名称/主题/人数)
        groups.group_create(creator=learner, **fields)
    assert not StudyGroup.objects.exists() and not Notification.objects.exists()


def test_a_member_cannot_open_a_group_to_another_branch(learner, org_tree):
    with pytest.raises(NotAllowed, match="只能面向你所在的组织"):  # zh: new msgid
        make_group(learner, org_unit=org_tree.branch_b1)
    assert not StudyGroup.objects.exists()


def test_an_organizers_group_for_a_unit_they_do_not_manage_waits_for_its_organizers(
    organizer_a1, org_tree, system_admin
):
    wider = make_group(
        organizer_a1, name="总支联学小组", org_unit=org_tree.general_a
    )  # 第一党总支: above them
    assert wider.status == StudyGroup.Status.PENDING and wider.board is None
    assert Notification.objects.get(kind=Notification.Kind.GROUP_PENDING).recipient == system_admin
    with pytest.raises(NotAllowed):
        groups.group_approve(group=wider, acting_user=organizer_a1)


def test_a_word_under_review_sends_even_an_organizers_group_for_approval(organizer_a1, org_tree):
    from community.models import SensitiveWord

    SensitiveWord.objects.create(word="敏感话题", action=SensitiveWord.Action.REVIEW)
    held = make_group(organizer_a1, topic="敏感话题研讨", org_unit=org_tree.branch_a1)
    assert held.status == StudyGroup.Status.PENDING and held.board is None


def test_starting_a_group_through_the_page(learner, organizer_a1):
    client = client_for(learner)
    assert client.get(reverse("community:group_new")).status_code == 200
    response = client.post(
        reverse("community:group_new"),
        {
            "name": "理论学习小组",
            "topic": "党的二十大精神",
            "description": "每周读一篇。",
            "org_unit": "",
            "max_members": 20,
        },
    )
    group = StudyGroup.objects.get()
    assert response.status_code == 302 and response["Location"] == reverse("community:group", args=[group.pk])
    assert (group.status, group.max_members, group.description) == ("pending", 20, "<p>每周读一篇。</p>")


def test_a_script_in_the_name_through_the_page_is_a_400_with_the_message(learner):
    response = client_for(learner).post(
        reverse("community:group_new"),
        {"name": "<script>alert(1)</script>", "topic": "党章", "org_unit": "", "max_members": 20},
    )
    assert response.status_code == 400 and "脚本" in response.content.decode()
    assert not StudyGroup.objects.exists()


def test_the_page_offers_only_units_that_admit_the_member(learner, org_tree):
    response = client_for(learner).post(
        reverse("community:group_new"),
        {"name": "跨支部小组", "topic": "党章", "org_unit": org_tree.branch_b1.pk, "max_members": 20},
    )
    assert response.status_code == 400
    assert not StudyGroup.objects.exists()
    offered = set(permissions.units_for_groups(learner))
    assert offered == {org_tree.committee, org_tree.general_a, org_tree.branch_a1, org_tree.group_a1}


# ---------- Joining and leaving ----------


def test_a_member_of_the_branch_joins_and_leaves(group, learner):
    groups.group_join(group=group, user=learner)
    group.refresh_from_db()
    assert group.member_count == 2
    assert GroupMembership.objects.get(group=group, user=learner).role == GroupMembership.Role.MEMBER
    groups.group_leave(group=group, user=learner)
    group.refresh_from_db()
    assert group.member_count == 1 and not GroupMembership.objects.filter(user=learner).exists()


def test_joining_twice_is_refused_and_counts_once(joined, learner):
    with pytest.raises(NotAllowed, match="已经是本小组成员"):  # zh: new msgid
        groups.group_join(group=joined, user=learner)
    joined.refresh_from_db()
    assert joined.member_count == 2 and GroupMembership.objects.filter(user=learner).count() == 1


def test_joining_a_group_of_another_branch_by_id_is_refused_and_stores_nothing(group, member_a2):
    with pytest.raises(NotAllowed):
        groups.group_join(group=group, user=member_a2.user)
    response = client_for(member_a2.user).post(reverse("community:group_join", args=[group.pk]))
    assert response.status_code == 404  # the group does not exist for another 支部
    assert client_for(member_a2.user).get(reverse("community:group", args=[group.pk])).status_code == 404
    group.refresh_from_db()
    assert group.member_count == 1 and GroupMembership.objects.count() == 1


def test_a_group_open_to_every_member_admits_another_branch(organizer_a1, member_b1):
    everyone = make_group(organizer_a1, name="全体党员读书会")
    groups.group_join(group=everyone, user=member_b1.user)
    assert GroupMembership.objects.filter(group=everyone).count() == 2


def test_a_full_group_takes_no_one_more(organizer_a1, org_tree, learner, branch_mate):
    small = make_group(organizer_a1, org_unit=org_tree.branch_a1, max_members=2)
    groups.group_join(group=small, user=learner)
    with pytest.raises(NotAllowed, match="已满员"):  # zh: new msgid
        groups.group_join(group=small, user=branch_mate)
    response = client_for(branch_mate).post(reverse("community:group_join", args=[small.pk]))
    assert response.status_code == 409 and "已满员" in response.content.decode()  # zh: new msgid
    small.refresh_from_db()
    assert small.member_count == 2 and not GroupMembership.objects.filter(user=branch_mate).exists()


def test_an_archived_or_pending_group_takes_no_new_members(group, organizer_a1, learner, branch_mate):
    groups.group_archive(group=group, acting_user=organizer_a1)
    with pytest.raises(NotAllowed):
        groups.group_join(group=group, user=learner)
    response = client_for(learner).post(reverse("community:group_join", args=[group.pk]))
    assert response.status_code == 409
    pending = make_group(learner, name="待审小组")
    with pytest.raises(NotAllowed):
        groups.group_join(group=pending, user=branch_mate)
    assert GroupMembership.objects.filter(user=branch_mate).count() == 0
    assert StudyGroup.objects.get(pk=group.pk).member_count == 1


def test_joining_through_the_page(group, learner):
    response = client_for(learner).post(reverse("community:group_join", args=[group.pk]))
    assert response.status_code == 302
    assert GroupMembership.objects.filter(group=group, user=learner).exists()
    again = client_for(learner).post(
        reverse("community:group_join", args=[group.pk]), HTTP_X_REQUESTED_WITH="XMLHttpRequest"
    )
    assert again.status_code == 409 and again.json()["error"]
    assert GroupMembership.objects.filter(group=group, user=learner).count() == 1


@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_racing_joins_of_one_member_count_once_and_the_last_place_goes_to_one(org_tree):
    organizer = MemberFactory(user__roles=[Role.BRANCH_ORGANIZER], org_unit=org_tree.branch_a1).user
    org_tree.branch_a1.managers.add(organizer)
    group = make_group(organizer, org_unit=org_tree.branch_a1, max_members=4)
    members = [MemberFactory(org_unit=org_tree.branch_a1).user for _ in range(4)]
    # one member clicks four times; three others race for two places
    attempts = [members[0]] * 4 + members[1:]
    refused = factories.race(lambda user: groups.group_join(group=group, user=user), attempts)
    group.refresh_from_db()
    joined = list(GroupMembership.objects.filter(group=group).values_list("user", flat=True))
    assert group.member_count == len(joined) == len(set(joined)) == 4  # the leader and three of the four
    assert len(refused) == len(attempts) - 3 and refused.count(members[0].pk) >= 3


def test_the_last_leader_cannot_leave_while_others_remain(joined, organizer_a1, learner):
    with pytest.raises(NotAllowed, match="唯一的组长"):  # zh: new msgid
        groups.group_leave(group=joined, user=organizer_a1)
    response = client_for(organizer_a1).post(reverse("community:group_leave", args=[joined.pk]))
    assert response.status_code == 409
    assert GroupMembership.objects.filter(group=joined, user=organizer_a1).exists()
    groups.group_leader_appoint(group=joined, user=learner, acting_user=organizer_a1)
    groups.group_leave(group=joined, user=organizer_a1)
    joined.refresh_from_db()
    assert joined.member_count == 1 and joined.status == StudyGroup.Status.ACTIVE


def test_the_last_member_to_leave_archives_the_group(group, organizer_a1):
    groups.group_leave(group=group, user=organizer_a1)
    group.refresh_from_db()
    assert (group.status, group.member_count) == (StudyGroup.Status.ARCHIVED, 0)
    assert not group.board.is_active


def test_only_leaders_and_organizers_name_leaders(joined, learner, branch_mate):
    groups.group_join(group=joined, user=branch_mate)
    with pytest.raises(NotAllowed):
        groups.group_leader_appoint(group=joined, user=branch_mate, acting_user=learner)
    response = client_for(learner).post(
        reverse("community:group_leader", args=[joined.pk]), {"user": branch_mate.pk}
    )
    assert response.status_code == 403
    assert GroupMembership.objects.get(group=joined, user=branch_mate).role == GroupMembership.Role.MEMBER


# ---------- The group board ----------


def test_a_non_member_cannot_see_or_post_on_the_group_board(joined, learner, branch_mate, member_a2):
    thread = factories.thread(joined.board, learner, title="第一次学习讨论")
    for outsider in (branch_mate, member_a2.user):  # in the group's 支部 but not a member; another 支部
        client = client_for(outsider)
        assert client.get(reverse("community:board", args=[joined.board.pk])).status_code == 404
        assert client.get(reverse("community:thread", args=[thread.pk])).status_code == 404
        response = client.post(
            reverse("community:thread_new", args=[joined.board.pk]), {"title": "闯入", "body": "闯入"}
        )
        assert response.status_code == 404
        assert client.post(reverse("community:thread", args=[thread.pk]), {"body": "闯入"}).status_code == 404
        assert joined.board not in permissions.readable_boards(outsider)
        with pytest.raises(NotAllowed):
            services.thread_create(board=joined.board, author=outsider, title="闯入", body="闯入")
    assert Thread.objects.count() == 1 and Post.objects.count() == 1


def test_members_read_and_post_on_the_group_board_and_the_group_page_shows_it(joined, learner, organizer_a1):
    assert joined.board in permissions.readable_boards(learner)
    assert permissions.teaches_board(organizer_a1, joined.board)  # the leader pins and marks best answers
    assert not permissions.teaches_board(learner, joined.board)
    client = client_for(learner)
    response = client.post(
        reverse("community:thread_new", args=[joined.board.pk]),
        {"title": "读书心得交流", "body": "大家谈谈。"},
    )
    assert response.status_code == 302
    html = client.get(reverse("community:group", args=[joined.pk])).content.decode()
    assert "读书心得交流" in html
    assert reverse("community:board", args=[joined.board.pk]) in html
    assert reverse("community:thread_new", args=[joined.board.pk]) in html
    board = client.get(reverse("community:board", args=[joined.board.pk])).content.decode()
    assert reverse("community:group", args=[joined.pk]) in board  # and back from the board to the group
    assert reverse("community:groups") in client.get(reverse("community:index")).content.decode()


def test_a_member_who_left_loses_the_board(joined, learner):
    thread = factories.thread(joined.board, learner)
    groups.group_leave(group=joined, user=learner)
    assert client_for(learner).get(reverse("community:thread", args=[thread.pk])).status_code == 404


def test_group_board_threads_are_not_found_by_search(tasks_run, joined, learner, general_board):  # noqa: F811
    with tasks_run():
        factories.thread(joined.board, learner, title="小组内部讨论：换届选举")
        factories.thread(general_board, learner, title="公开讨论：换届选举")
    hits = api.query(learner, "换届选举").results
    assert [hit.title for hit in hits.hits] == ["公开讨论：换届选举"]


# ---------- The reading list ----------


@pytest.fixture
def library(db):
    course = pages.course("习近平新时代中国特色社会主义思想")
    return {
        "course": course,
        "lesson": pages.lesson(course, "第一讲 总论"),
        "article": pages.article("学习资料汇编"),
        "policy": pages.policy_document("中国共产党章程"),
    }


def test_the_leader_puts_courses_lessons_articles_and_policy_documents_on_the_list(
    group, organizer_a1, library
):
    for page in library.values():
        groups.reading_add(group=group, page=page, acting_user=organizer_a1, note="必读")
    readings = list(GroupReading.objects.filter(group=group))
    assert [r.page_id for r in readings] == [page.pk for page in library.values()]
    assert [r.position for r in readings] == [0, 1, 2, 3]
    assert [groups.kind_of(r.page) for r in readings] == ["course", "lesson", "article", "policy"]


def test_a_page_the_leader_cannot_read_is_refused(group, organizer_a1, org_tree):
    other_branch = pages.article(
        "第三支部内部资料", access=AccessLevel.ORG_UNITS, org_units=[org_tree.branch_b1]
    )
    with pytest.raises(InvalidPost, match="无权查看"):  # zh: new msgid
        groups.reading_add(group=group, page=other_branch, acting_user=organizer_a1)
    assert not GroupReading.objects.exists()


def test_a_page_that_is_no_library_item_is_refused(group, organizer_a1):
    from courses.models import ResourceLibraryPage

    with pytest.raises(InvalidPost, match="只能添加课程、课节、资料和文件"):  # zh: new msgid
        groups.reading_add(group=group, page=ResourceLibraryPage.objects.get(), acting_user=organizer_a1)
    with pytest.raises(InvalidPost):
        groups.reading_add(group=group, page=None, acting_user=organizer_a1)
    assert not GroupReading.objects.exists()


def test_an_unpublished_page_is_refused(group, organizer_a1, library):
    draft = library["article"]
    draft.unpublish()
    with pytest.raises(InvalidPost):
        groups.reading_add(group=group, page=draft, acting_user=organizer_a1)
    assert not GroupReading.objects.exists()


def test_an_item_goes_on_the_list_once(group, organizer_a1, library):
    groups.reading_add(group=group, page=library["article"], acting_user=organizer_a1)
    with pytest.raises(InvalidPost):
        groups.reading_add(group=group, page=library["article"], acting_user=organizer_a1)
    assert GroupReading.objects.count() == 1


def test_a_note_with_a_script_is_refused(group, organizer_a1, library):
    with pytest.raises(InvalidPost, match="脚本"):
        groups.reading_add(
            group=group, page=library["article"], acting_user=organizer_a1, note="<script>x</script>"
        )
    assert not GroupReading.objects.exists()


def test_members_who_do_not_lead_and_outsiders_do_not_edit_the_list(joined, learner, organizer_b1, library):
    for user in (learner, organizer_b1):
        with pytest.raises(NotAllowed):
            groups.reading_add(group=joined, page=library["article"], acting_user=user)
    response = client_for(learner).post(
        reverse("community:group_readings", args=[joined.pk]), {"page": library["article"].pk}
    )
    assert response.status_code == 403
    assert not GroupReading.objects.exists()


def test_adding_through_the_page_refuses_what_the_leader_cannot_read(group, organizer_a1, org_tree, library):
    hidden = pages.article("第三支部内部资料", access=AccessLevel.ORG_UNITS, org_units=[org_tree.branch_b1])
    client = client_for(organizer_a1)
    url = reverse("community:group_readings", args=[group.pk])
    assert client.post(url, {"page": hidden.pk}).status_code == 400
    assert client.post(url, {"page": 999999}).status_code == 400
    assert not GroupReading.objects.exists()
    assert client.post(url, {"page": library["policy"].pk, "note": "逐条学习"}).status_code == 302
    assert GroupReading.objects.get().note == "逐条学习"
    search = client.get(url, {"q": "资料"}).content.decode()
    assert "学习资料汇编" in search and "第三支部内部资料" not in search


def test_the_leader_moves_and_removes_items(group, organizer_a1, library):
    first, second, third = (
        groups.reading_add(group=group, page=library[kind], acting_user=organizer_a1)
        for kind in ("course", "article", "policy")
    )
    groups.reading_move(reading=third, acting_user=organizer_a1, up=True)
    assert list(GroupReading.objects.values_list("pk", flat=True)) == [first.pk, third.pk, second.pk]
    client_for(organizer_a1).post(
        reverse("community:group_reading_move", args=[first.pk]), {"direction": "down"}
    )
    assert list(GroupReading.objects.values_list("pk", flat=True)) == [third.pk, first.pk, second.pk]
    groups.reading_remove(reading=first, acting_user=organizer_a1)
    assert list(GroupReading.objects.values_list("pk", flat=True)) == [third.pk, second.pk]


def test_a_member_cannot_remove_items(joined, organizer_a1, learner, library):
    reading = groups.reading_add(group=joined, page=library["article"], acting_user=organizer_a1)
    response = client_for(learner).post(reverse("community:group_reading_remove", args=[reading.pk]))
    assert response.status_code == 403
    assert GroupReading.objects.filter(pk=reading.pk).exists()


def test_members_tick_articles_and_documents_as_read_and_take_it_back(joined, organizer_a1, learner, library):
    reading = groups.reading_add(group=joined, page=library["article"], acting_user=organizer_a1)
    assert groups.reading_mark_done(reading=reading, user=learner) is True
    assert ReadingDone.objects.filter(reading=reading, user=learner).exists()
    assert groups.reading_mark_done(reading=reading, user=learner) is False
    assert not ReadingDone.objects.exists()
    response = client_for(learner).post(
        reverse("community:group_reading_done", args=[reading.pk]), HTTP_X_REQUESTED_WITH="XMLHttpRequest"
    )
    assert response.json() == {"done": True}


def test_courses_count_from_progress_and_outsiders_tick_nothing(
    joined, organizer_a1, learner, branch_mate, library
):
    course = groups.reading_add(group=joined, page=library["course"], acting_user=organizer_a1)
    with pytest.raises(NotAllowed, match="学完后自动计为完成"):  # zh: new msgid
        groups.reading_mark_done(reading=course, user=learner)
    article = groups.reading_add(group=joined, page=library["article"], acting_user=organizer_a1)
    with pytest.raises(NotAllowed):
        groups.reading_mark_done(reading=article, user=branch_mate)
    assert (
        client_for(branch_mate).post(reverse("community:group_reading_done", args=[article.pk])).status_code
        == 403
    )
    assert not ReadingDone.objects.exists()


def test_the_group_page_lists_only_the_items_the_reader_may_open(joined, organizer_a1, learner, library):
    internal = pages.article("支部书记内部参考", access=AccessLevel.INTERNAL)
    groups.reading_add(group=joined, page=library["article"], acting_user=organizer_a1)
    groups.reading_add(group=joined, page=internal, acting_user=organizer_a1)
    html = client_for(learner).get(reverse("community:group", args=[joined.pk])).content.decode()
    assert "学习资料汇编" in html and "支部书记内部参考" not in html
    assert (
        "支部书记内部参考"
        in client_for(organizer_a1).get(reverse("community:group", args=[joined.pk])).content.decode()
    )


# ---------- Progress ----------


@pytest.fixture
def studied(joined, organizer_a1, learner, branch_mate, library):
    """Three members × four items with a known answer:
    organizer: course ✓ lesson – article ✓ policy –   → 2/4
    learner:   course – lesson ✓ article ✓ policy ✓   → 3/4
    mate:      nothing                                 → 0/4"""
    groups.group_join(group=joined, user=branch_mate)
    readings = {
        kind: groups.reading_add(group=joined, page=page, acting_user=organizer_a1)
        for kind, page in library.items()
    }
    Enrollment.objects.create(
        member=organizer_a1.member, course=library["course"], status=Enrollment.Status.COMPLETED
    )
    Enrollment.objects.create(
        member=learner.member, course=library["course"], status=Enrollment.Status.ACTIVE
    )
    LessonProgress.objects.create(
        member=learner.member, lesson=library["lesson"], completed_at=timezone.now()
    )
    LessonProgress.objects.create(member=branch_mate.member, lesson=library["lesson"], watched_seconds=10)
    groups.reading_mark_done(reading=readings["article"], user=organizer_a1)
    groups.reading_mark_done(reading=readings["article"], user=learner)
    groups.reading_mark_done(reading=readings["policy"], user=learner)
    joined.refresh_from_db()
    return joined


def test_progress_counts_ticks_completed_courses_and_completed_lessons(
    studied, organizer_a1, learner, branch_mate
):
    progress = groups.group_progress(studied)
    rows = {row.membership.user: [done for _item, done in row.cells] for row in progress.members}
    assert rows == {
        organizer_a1: [True, False, True, False],
        learner: [False, True, True, True],
        branch_mate: [False, False, False, False],
    }
    assert [row.percent for row in progress.members] == [50, 75, 0]  # the leader first
    assert [item.done_count for item in progress.items] == [1, 1, 2, 1]
    assert progress.percent == 42  # 5 of 12


def test_progress_takes_a_fixed_number_of_queries(
    studied, org_tree, organizer_a1, django_assert_max_num_queries
):
    for _ in range(5):
        groups.group_join(group=studied, user=MemberFactory(org_unit=org_tree.branch_a1).user)
    with django_assert_max_num_queries(6):
        progress = groups.group_progress(studied)
    assert len(progress.members) == 8 and len(progress.items) == 4


def test_the_progress_page_is_for_members_and_moderators(studied, learner, branch_mate, member_a2, org_tree):
    url = reverse("community:group_progress", args=[studied.pk])
    html = client_for(learner).get(url).content.decode()
    assert "同支部" in html and "75%" in html and "42%" in html
    outsider = MemberFactory(org_unit=org_tree.branch_a1).user  # may see the group, not its progress
    assert client_for(outsider).get(url).status_code == 403
    assert client_for(member_a2.user).get(url).status_code == 404


# ---------- Seeing groups ----------


def test_groups_visible_to_agrees_with_can_view_group(
    org_tree, organizer_a1, organizer_b1, learner, branch_mate, member_a2, member_b1, system_admin
):
    active = make_group(organizer_a1, name="一支部小组", org_unit=org_tree.branch_a1)
    everyone = make_group(organizer_b1, name="全体小组")
    pending = make_group(learner, name="待审小组")
    declined = make_group(member_b1.user, name="被拒小组", org_unit=org_tree.branch_b1)
    groups.group_decline(group=declined, acting_user=organizer_b1, reason="重复")
    archived = make_group(system_admin, name="归档小组", org_unit=org_tree.general_a)
    groups.group_archive(group=archived, acting_user=system_admin)
    everything = [active, everyone, pending, declined, archived]
    users = [organizer_a1, organizer_b1, learner, branch_mate, member_a2.user, member_b1.user, system_admin]
    for user in users:
        listed = set(permissions.groups_visible_to(user))
        assert listed == {g for g in everything if permissions.can_view_group(user, g)}, user
    assert set(permissions.groups_visible_to(member_a2.user)) == {everyone, archived}
    assert set(permissions.groups_visible_to(branch_mate)) == {active, everyone, archived}
    assert pending in set(permissions.groups_visible_to(organizer_a1))


def test_the_list_shows_my_groups_those_to_join_and_requests_to_decide(
    group, learner, organizer_a1, member_a2, branch_mate
):
    make_group(branch_mate, name="待审批的小组")
    html = client_for(organizer_a1).get(reverse("community:groups")).content.decode()
    assert "党史学习小组" in html and "待审批的小组" in html
    html = client_for(learner).get(reverse("community:groups")).content.decode()
    assert "党史学习小组" in html and "待审批的小组" not in html
    html = client_for(member_a2.user).get(reverse("community:groups")).content.decode()
    assert "党史学习小组" not in html


def test_the_group_pages_answer_with_strict_csp_and_work_when_empty(group, organizer_a1):
    client = client_for(organizer_a1)
    for name in ("community:groups", "community:group_new"):
        response = client.get(reverse(name))
        assert response.status_code == 200 and "script-src 'self'" in response["Content-Security-Policy"]
    for name in ("community:group", "community:group_progress", "community:group_readings"):
        response = client.get(reverse(name, args=[group.pk]))
        assert response.status_code == 200 and "script-src 'self'" in response["Content-Security-Policy"]
        assert "<style" not in response.content.decode() and "style=" not in response.content.decode()


def test_progress_and_reading_list_never_show_titles_the_reader_may_not_open(organizer_a1, member_b1):
    open_group = make_group(organizer_a1, name="全体党员学习小组")
    internal = pages.article("支委会内部材料", access=AccessLevel.INTERNAL)
    groups.reading_add(group=open_group, page=internal, acting_user=organizer_a1)
    groups.group_join(group=open_group, user=member_b1.user)
    response = client_for(member_b1.user).get(reverse("community:group_progress", args=[open_group.pk]))
    assert response.status_code == 200
    assert "支委会内部材料" not in response.content.decode()
    [item] = response.context["progress"].items
    assert item.hidden
    organizer_view = client_for(organizer_a1).get(reverse("community:group_progress", args=[open_group.pk]))
    assert "支委会内部材料" in organizer_view.content.decode()


def test_organizers_find_the_boards_of_groups_they_moderate(group, organizer_a1, org_tree):
    member_group = make_group(
        MemberFactory(user__roles=[Role.LEARNER], org_unit=org_tree.branch_a1).user,
        name="支部青年学习小组",
        org_unit=org_tree.branch_a1,
    )
    groups.group_approve(group=member_group, acting_user=organizer_a1)
    member_group.refresh_from_db()
    assert member_group.board in permissions.readable_boards(organizer_a1)
    assert permissions.can_view_board(organizer_a1, member_group.board)


def test_a_member_who_left_is_not_told_of_replies_on_the_group_board(joined, learner, organizer_a1):
    from community.models import Notification

    thread = factories.thread(joined.board, learner, title="读书心得交流")
    groups.group_leave(group=joined, user=learner)
    factories.reply(thread, organizer_a1, body="欢迎大家继续交流")
    assert not Notification.objects.filter(recipient=learner, kind=Notification.Kind.REPLY).exists()
