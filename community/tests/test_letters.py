"""The message board (留言板 / 书记信箱): who may write where, who reads what, anonymity that holds
for every other member, public and private answers, follow-ups, closing and moderation.

Assertions on Chinese text marked ``# zh: po_letters`` need the message board's msgids in the
catalog (listed in /tmp/po_letters.tsv); the others rely on Django's or older catalog entries.
"""

from __future__ import annotations

import re

import pytest
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from community import letters
from community.exceptions import InvalidPost, NotAllowed
from community.models import Letter, LetterReply, Notification, SensitiveWord, Visibility
from community.notifications import notification_text
from school.models import AuditLog
from school.roles import Role
from school.tests.factories import MemberFactory
from search.tests.test_indexing import tasks_run  # noqa: F401 - fixture

pytestmark = pytest.mark.django_db

WRITER = "甲学员"  # learner / member_a1, of 第一党小组 under 第一党支部
SECRET = "食堂饭菜太贵，希望支部反映一下。"


def client_for(user) -> Client:
    client = Client(HTTP_ACCEPT_LANGUAGE="zh-hans")
    client.force_login(user)
    return client


def page_of(user, name: str, *args, **params) -> str:
    response = client_for(user).get(reverse(f"community:{name}", args=args), params)
    assert response.status_code == 200
    return response.content.decode()


@pytest.fixture
def neighbour(org_tree):
    """Another member of 第一党支部, the writer's own branch."""
    return MemberFactory(user__roles=[Role.LEARNER], org_unit=org_tree.branch_a1, real_name="丁学员").user


@pytest.fixture
def organizer_b1(org_tree):
    user = MemberFactory(
        user__roles=[Role.BRANCH_ORGANIZER], org_unit=org_tree.branch_b1, real_name="三支书"
    ).user
    org_tree.branch_b1.managers.add(user)
    return user


@pytest.fixture
def organizer_general_a(org_tree):
    user = MemberFactory(
        user__roles=[Role.BRANCH_ORGANIZER], org_unit=org_tree.general_a, real_name="总支书记"
    ).user
    org_tree.general_a.managers.add(user)
    return user


def write(author, org_unit, **fields) -> Letter:
    fields = {"title": "关于学习时间的建议", "body": SECRET, **fields}
    return letters.letter_create(author=author, org_unit=org_unit, **fields)


@pytest.fixture
def letter(learner, org_tree, organizer_a1):
    return write(learner, org_tree.branch_a1)


@pytest.fixture
def anonymous_letter(learner, org_tree, organizer_a1):
    return write(learner, org_tree.branch_a1, title="匿名反映的问题", is_anonymous=True)


def answer(letter, organizer, body="已经和食堂沟通，下月起调整。", *, public=True) -> LetterReply:
    return letters.letter_reply(letter=letter, acting_user=organizer, body=body, public=public)


# Writing -----------------------------------------------------------------------------------------


def test_a_member_writes_to_their_branch_and_its_organizers_are_told(letter, organizer_a1, learner):
    assert letter.status == Letter.Status.OPEN and letter.visibility == Visibility.PUBLISHED
    assert not letter.is_public and letter.answered_at is None
    told = Notification.objects.get(kind=Notification.Kind.LETTER_RECEIVED)
    assert told.recipient == organizer_a1 and told.actor == learner
    assert told.url == reverse("community:letter", args=[letter.pk])


def test_a_member_may_write_to_an_organisation_above_their_own(
    learner, org_tree, organizer_a1, organizer_general_a
):
    letter = write(learner, org_tree.general_a)
    assert letter.org_unit == org_tree.general_a
    recipients = set(
        Notification.objects.filter(kind=Notification.Kind.LETTER_RECEIVED).values_list(
            "recipient", flat=True
        )
    )
    assert recipients == {organizer_general_a.pk}  # the 支部's organizer does not manage the 总支


@pytest.mark.parametrize("unit", ["branch_a2", "branch_b1", "general_b"])
def test_writing_to_an_organisation_that_is_not_ones_own_is_refused(learner, org_tree, unit):
    with pytest.raises(NotAllowed):
        write(learner, getattr(org_tree, unit))
    assert not Letter.objects.exists() and not Notification.objects.exists()


def test_a_unit_id_outside_ones_own_posted_to_the_form_is_refused(learner, org_tree):
    response = client_for(learner).post(
        reverse("community:letter_new"),
        {"org_unit": org_tree.branch_b1.pk, "title": "越级来信", "body": SECRET, "may_publish": "on"},
    )
    assert response.status_code == 400
    assert "选择一个有效的选项" in response.content.decode()
    assert not Letter.objects.exists()


@pytest.mark.parametrize(
    "title, body",
    [
        ("正常标题", "<script>alert(1)</script>"),
        ("正常标题", '请看<iframe src="https://example.com"></iframe>'),
        ("正常标题", "点这里 javascript:alert(document.cookie)"),
        ("<script>alert(1)</script>", "正文"),
        ("正常标题", '<a href="#" onclick="steal()">链接</a>'),
    ],
)
def test_scripts_frames_and_javascript_links_are_refused_and_nothing_is_stored(
    learner, org_tree, organizer_a1, title, body
):
    with pytest.raises(InvalidPost, match="不能包含脚本"):
        write(learner, org_tree.branch_a1, title=title, body=body)
    response = client_for(learner).post(
        reverse("community:letter_new"), {"org_unit": org_tree.branch_a1.pk, "title": title, "body": body}
    )
    assert response.status_code == 400 and "不能包含脚本" in response.content.decode()
    assert not Letter.objects.exists() and not Notification.objects.exists()


def test_a_one_megabyte_letter_is_refused_and_nothing_is_stored(learner, org_tree, organizer_a1):
    huge = "党" * (1024 * 1024 // 3)  # 1 MB in UTF-8
    with pytest.raises(InvalidPost):
        write(learner, org_tree.branch_a1, body=huge)
    response = client_for(learner).post(
        reverse("community:letter_new"), {"org_unit": org_tree.branch_a1.pk, "title": "长信", "body": huge}
    )
    assert response.status_code == 400 and "确保该变量包含不超过" in response.content.decode()
    assert not Letter.objects.exists() and not Notification.objects.exists()


def test_a_letter_without_subject_is_refused(learner, org_tree):
    with pytest.raises(InvalidPost, match="请填写来信的主题"):  # zh: po_letters
        write(learner, org_tree.branch_a1, title="   ")
    assert not Letter.objects.exists()


def test_a_blocked_word_refuses_the_letter(learner, org_tree):
    SensitiveWord.objects.create(word="赌博网站", action=SensitiveWord.Action.BLOCK)
    with pytest.raises(InvalidPost, match="赌博网站"):
        write(learner, org_tree.branch_a1, body="推荐一个赌博网站")
    assert not Letter.objects.exists()


def test_a_held_letter_tells_nobody_until_an_organizer_approves_it(learner, org_tree, organizer_a1):
    SensitiveWord.objects.create(word="内部消息", action=SensitiveWord.Action.REVIEW)
    letter = write(learner, org_tree.branch_a1, body="听到一个内部消息")
    assert letter.visibility == Visibility.HELD
    assert not Notification.objects.exists()

    letters.letter_restore(letter=letter, acting_user=organizer_a1)
    letter.refresh_from_db()
    assert letter.visibility == Visibility.PUBLISHED
    assert AuditLog.objects.filter(action="community.letter.approved", target_id=str(letter.pk)).exists()
    assert not Notification.objects.filter(recipient=organizer_a1).exists()  # the approver knows


def test_approving_a_held_letter_tells_the_other_organizers(
    learner, org_tree, organizer_general_a, system_admin
):
    SensitiveWord.objects.create(word="内部消息", action=SensitiveWord.Action.REVIEW)
    letter = write(learner, org_tree.general_a, body="听到一个内部消息")
    letters.letter_restore(letter=letter, acting_user=system_admin)
    assert Notification.objects.filter(
        recipient=organizer_general_a, kind=Notification.Kind.LETTER_RECEIVED
    ).exists()


def test_the_form_offers_ones_own_unit_and_those_above_with_the_branch_chosen(learner, org_tree):
    html = page_of(learner, "letter_new")
    for unit in (org_tree.group_a1, org_tree.branch_a1, org_tree.general_a, org_tree.committee):
        assert f'value="{unit.pk}"' in html
    assert f'value="{org_tree.branch_b1.pk}"' not in html and f'value="{org_tree.branch_a2.pk}"' not in html
    assert re.search(rf'value="{org_tree.branch_a1.pk}"[^>]*checked', html)


def test_writing_through_the_page_sends_the_letter(learner, org_tree, organizer_a1):
    response = client_for(learner).post(
        reverse("community:letter_new"),
        {"org_unit": org_tree.branch_a1.pk, "title": "建议", "body": SECRET, "may_publish": "on"},
    )
    letter = Letter.objects.get()
    assert response.status_code == 302 and response.url == reverse("community:letter", args=[letter.pk])
    assert letter.author == learner and letter.may_publish and not letter.is_anonymous
    assert Notification.objects.filter(recipient=organizer_a1).count() == 1


def test_someone_without_an_organisation_cannot_write(plain_user, org_tree):
    client = client_for(plain_user)
    assert client.get(reverse("community:letter_new")).status_code == 200
    response = client.post(
        reverse("community:letter_new"), {"org_unit": org_tree.committee.pk, "title": "来信", "body": SECRET}
    )
    assert response.status_code == 403
    assert not Letter.objects.exists()


# Answers and follow-ups --------------------------------------------------------------------------


def test_a_public_answer_puts_the_letter_on_the_board_and_tells_the_writer(letter, organizer_a1, learner):
    answer(letter, organizer_a1)
    letter.refresh_from_db()
    assert letter.status == Letter.Status.ANSWERED and letter.answered_at is not None
    assert letter.is_public
    told = Notification.objects.get(recipient=learner)
    assert told.kind == Notification.Kind.LETTER_ANSWERED and told.actor == organizer_a1
    assert AuditLog.objects.filter(action="community.letter.answered", target_id=str(letter.pk)).exists()


def test_a_private_answer_keeps_the_letter_off_the_board(letter, organizer_a1, learner, neighbour):
    answer(letter, organizer_a1, public=False)
    letter.refresh_from_db()
    assert letter.status == Letter.Status.ANSWERED and not letter.is_public
    assert Notification.objects.filter(recipient=learner, kind=Notification.Kind.LETTER_ANSWERED).exists()
    assert letter.title not in page_of(neighbour, "letters")
    assert client_for(neighbour).get(reverse("community:letter", args=[letter.pk])).status_code == 404


def test_a_public_answer_is_refused_when_the_writer_wanted_a_private_one(learner, org_tree, organizer_a1):
    letter = write(learner, org_tree.branch_a1, may_publish=False)
    with pytest.raises(NotAllowed):
        answer(letter, organizer_a1, public=True)
    response = client_for(organizer_a1).post(
        reverse("community:letter_reply", args=[letter.pk]), {"body": "公开答复", "audience": "public"}
    )
    assert response.status_code == 403
    assert "写信人希望私下答复" in response.content.decode()  # zh: po_letters
    letter.refresh_from_db()
    assert not letter.replies.exists() and letter.status == Letter.Status.OPEN and not letter.is_public


def test_private_answers_and_follow_ups_are_read_only_by_the_writer_and_organizers(
    letter, organizer_a1, learner, neighbour
):
    answer(letter, organizer_a1, body="公开的答复内容")
    answer(letter, organizer_a1, body="只给写信人的答复", public=False)
    letters.letter_reply(letter=letter, acting_user=learner, body="写信人的补充说明")
    other = page_of(neighbour, "letter", letter.pk)
    assert "公开的答复内容" in other
    assert "只给写信人的答复" not in other and "写信人的补充说明" not in other
    for reader in (learner, organizer_a1):
        html = page_of(reader, "letter", letter.pk)
        assert "公开的答复内容" in html and "只给写信人的答复" in html and "写信人的补充说明" in html


def test_the_writer_follows_up_privately_which_reopens_the_letter_and_tells_the_organizers(
    letter, organizer_a1, learner
):
    answer(letter, organizer_a1)
    Notification.objects.all().delete()
    follow_up = letters.letter_reply(letter=letter, acting_user=learner, body="还有一个问题", public=True)
    assert not follow_up.is_public and not follow_up.from_organizer
    letter.refresh_from_db()
    assert letter.status == Letter.Status.OPEN
    assert list(Notification.objects.values_list("recipient", "kind")) == [
        (organizer_a1.pk, Notification.Kind.LETTER_RECEIVED)
    ]


def test_a_member_cannot_reply_to_someone_elses_letter(letter, organizer_a1, neighbour):
    answer(letter, organizer_a1)
    with pytest.raises(NotAllowed):
        letters.letter_reply(letter=letter, acting_user=neighbour, body="我也说两句")
    response = client_for(neighbour).post(
        reverse("community:letter_reply", args=[letter.pk]), {"body": "我也说两句", "audience": "public"}
    )
    assert response.status_code == 403
    assert "只有写信人和收信的组织可以回复" in response.content.decode()  # zh: po_letters
    assert letter.replies.count() == 1


def test_an_organizer_of_another_branch_cannot_answer_or_even_open_the_letter(letter, organizer_b1):
    with pytest.raises(NotAllowed):
        answer(letter, organizer_b1)
    client = client_for(organizer_b1)
    response = client.post(
        reverse("community:letter_reply", args=[letter.pk]), {"body": "越权", "audience": "public"}
    )
    assert response.status_code == 404
    assert client.get(reverse("community:letter", args=[letter.pk])).status_code == 404
    assert not letter.replies.exists()


def test_the_organizer_of_branch_a1_cannot_answer_a_letter_to_branch_b1(member_b1, org_tree, organizer_a1):
    letter = write(member_b1.user, org_tree.branch_b1)
    with pytest.raises(NotAllowed):
        answer(letter, organizer_a1)
    with pytest.raises(NotAllowed):
        letters.letter_hide(letter=letter, acting_user=organizer_a1, reason="越权")
    assert not letter.replies.exists()
    assert not AuditLog.objects.filter(action__startswith="community.letter").exists()


def test_a_closed_letter_takes_no_more_replies(letter, organizer_a1, learner):
    answer(letter, organizer_a1)
    letters.letter_close(letter=letter, acting_user=learner)
    letter.refresh_from_db()
    assert letter.status == Letter.Status.CLOSED
    with pytest.raises(NotAllowed, match="已关闭"):  # zh: po_letters
        letters.letter_reply(letter=letter, acting_user=learner, body="再补充一句")
    with pytest.raises(NotAllowed):
        answer(letter, organizer_a1)
    response = client_for(learner).post(
        reverse("community:letter_reply", args=[letter.pk]), {"body": "再补充"}
    )
    assert response.status_code == 403
    assert letter.replies.count() == 1


def test_only_the_writer_and_its_organizers_close_a_letter(letter, organizer_a1, neighbour):
    answer(letter, organizer_a1)
    assert client_for(neighbour).post(reverse("community:letter_close", args=[letter.pk])).status_code == 403
    letter.refresh_from_db()
    assert letter.status == Letter.Status.ANSWERED
    response = client_for(organizer_a1).post(reverse("community:letter_close", args=[letter.pk]))
    assert response.status_code == 302
    letter.refresh_from_db()
    assert letter.status == Letter.Status.CLOSED
    assert AuditLog.objects.filter(action="community.letter.closed", actor=organizer_a1).exists()


def test_answering_through_the_page_publishes_the_answer(letter, organizer_a1, learner):
    response = client_for(organizer_a1).post(
        reverse("community:letter_reply", args=[letter.pk]), {"body": "收到，马上办。", "audience": "public"}
    )
    assert response.status_code == 302
    reply = letter.replies.get()
    assert reply.from_organizer and reply.is_public and reply.author == organizer_a1
    letter.refresh_from_db()
    assert letter.is_public and letter.status == Letter.Status.ANSWERED


def test_a_dangerous_answer_is_refused_and_nothing_is_stored(letter, organizer_a1):
    response = client_for(organizer_a1).post(
        reverse("community:letter_reply", args=[letter.pk]),
        {"body": "<iframe src=//evil.example></iframe>", "audience": "private"},
    )
    assert response.status_code == 400 and "不能包含脚本" in response.content.decode()
    letter.refresh_from_db()
    assert not letter.replies.exists() and letter.status == Letter.Status.OPEN


# Anonymity ---------------------------------------------------------------------------------------


def test_an_anonymous_letter_never_names_its_writer_to_another_member(
    anonymous_letter, organizer_a1, neighbour
):
    answer(anonymous_letter, organizer_a1)
    for html in (page_of(neighbour, "letter", anonymous_letter.pk), page_of(neighbour, "letters")):
        assert anonymous_letter.title in html
        assert WRITER not in html and "第一党小组" not in html  # neither the name nor the writer's unit
        assert "匿名党员" in html  # zh: po_letters


def test_organizers_see_who_wrote_an_anonymous_letter(anonymous_letter, organizer_a1):
    assert WRITER in page_of(organizer_a1, "letter", anonymous_letter.pk)
    assert WRITER in page_of(organizer_a1, "letter_inbox")


def test_the_writer_of_an_anonymous_letter_sees_it_as_their_own(anonymous_letter, learner):
    assert WRITER in page_of(learner, "letter", anonymous_letter.pk)
    assert anonymous_letter.title in page_of(learner, "letters_mine")


def test_an_organizer_of_another_unit_reading_the_board_does_not_see_the_writer(
    learner, org_tree, organizer_a1, organizer_general_a
):
    """organizer_a1 belongs to the 总支 the letter went to, but does not manage it."""
    letter = write(learner, org_tree.general_a, title="致总支的匿名信", is_anonymous=True)
    answer(letter, organizer_general_a)
    for html in (page_of(organizer_a1, "letter", letter.pk), page_of(organizer_a1, "letters")):
        assert letter.title in html and WRITER not in html


def test_the_notifications_of_an_anonymous_letter_name_nobody(anonymous_letter, organizer_a1, learner):
    received = Notification.objects.get(recipient=organizer_a1)
    assert received.actor is None and WRITER not in notification_text(received)
    letters.letter_reply(letter=anonymous_letter, acting_user=learner, body="补充：周三更合适")
    assert not Notification.objects.filter(actor=learner).exists()


def test_letters_are_not_found_by_search(tasks_run, learner, org_tree, organizer_a1, neighbour):  # noqa: F811
    from search import api

    with tasks_run():
        letter = write(learner, org_tree.branch_a1, title="关于党费收缴的疑问", is_anonymous=True)
        answer(letter, organizer_a1)
    for user in (neighbour, organizer_a1):
        assert api.query(user, "党费收缴", per_page=50).results.total == 0


# Reading by URL and the board ----------------------------------------------------------------------


def test_another_branchs_letter_is_not_found_by_url(letter, member_b1, member_a2):
    for outsider in (member_b1.user, member_a2.user):
        client = client_for(outsider)
        for name in ("letter", "letter_moderate"):
            assert client.get(reverse(f"community:{name}", args=[letter.pk])).status_code == 404
        for name in ("letter_reply", "letter_close"):
            assert (
                client.post(reverse(f"community:{name}", args=[letter.pk]), {"body": "x"}).status_code == 404
            )
    letter.refresh_from_db()
    assert letter.status == Letter.Status.OPEN and not letter.replies.exists()


def test_an_unanswered_letter_is_private_even_to_the_writers_own_branch(letter, neighbour):
    assert client_for(neighbour).get(reverse("community:letter", args=[letter.pk])).status_code == 404


def test_the_board_shows_public_answers_to_the_members_own_units_only(
    learner, org_tree, organizer_a1, organizer_general_a, neighbour, member_a2, member_b1
):
    to_branch = write(learner, org_tree.branch_a1, title="给支部的信")
    to_general = write(learner, org_tree.general_a, title="给总支的信")
    answer(to_branch, organizer_a1)
    answer(to_general, organizer_general_a)
    branch_page = page_of(neighbour, "letters")
    assert "给支部的信" in branch_page and "给总支的信" in branch_page
    assert "给支部的信" not in page_of(member_a2.user, "letters")
    assert "给总支的信" in page_of(member_a2.user, "letters")
    b1_page = page_of(member_b1.user, "letters")
    assert "给支部的信" not in b1_page and "给总支的信" not in b1_page


def test_the_board_filters_by_status(letter, organizer_a1, learner, neighbour):
    answer(letter, organizer_a1)
    letters.letter_close(letter=letter, acting_user=learner)
    assert letter.title in page_of(neighbour, "letters", show="closed")
    assert letter.title not in page_of(neighbour, "letters", show="answered")


# Moderation --------------------------------------------------------------------------------------


def test_hiding_needs_a_reason_and_writes_an_audit_row(letter, organizer_a1, learner, neighbour):
    answer(letter, organizer_a1)
    with pytest.raises(InvalidPost):
        letters.letter_hide(letter=letter, acting_user=organizer_a1, reason="  ")
    response = client_for(organizer_a1).post(
        reverse("community:letter_moderate", args=[letter.pk]), {"reason": "含个人隐私"}
    )
    assert response.status_code == 302
    letter.refresh_from_db()
    assert letter.visibility == Visibility.HIDDEN
    row = AuditLog.objects.get(action="community.letter.hidden")
    assert (
        row.actor == organizer_a1 and row.target_id == str(letter.pk) and row.data["reason"] == "含个人隐私"
    )
    assert client_for(neighbour).get(reverse("community:letter", args=[letter.pk])).status_code == 404
    assert letter.title not in page_of(neighbour, "letters")
    assert letter.title in page_of(learner, "letter", letter.pk)  # the writer still reads it


def test_a_held_letter_refused_through_the_page_reaches_no_organizer_and_tells_the_writer_why(
    learner, org_tree, organizer_a1
):
    SensitiveWord.objects.create(word="内部消息", action=SensitiveWord.Action.REVIEW)
    letter = write(learner, org_tree.branch_a1, body="听到一个内部消息")
    url = reverse("community:letter_moderate", args=[letter.pk])
    client = client_for(organizer_a1)
    assert client.post(url, {"action": "hide", "reason": ""}).status_code == 400
    assert client.post(url, {"action": "hide", "reason": "传播不实消息"}).status_code == 302
    letter.refresh_from_db()
    assert letter.visibility == Visibility.HIDDEN
    assert AuditLog.objects.filter(action="community.letter.hidden", actor=organizer_a1).exists()
    assert letter.moderation_reason == "传播不实消息"
    told = Notification.objects.get()
    assert told.recipient == learner and told.kind == Notification.Kind.POST_HIDDEN
    assert (
        "传播不实消息"
        in client_for(learner).get(reverse("community:letter", args=[letter.pk])).content.decode()
    )


def test_restoring_a_hidden_letter_writes_an_audit_row_and_puts_it_back(letter, organizer_a1, neighbour):
    answer(letter, organizer_a1)
    letters.letter_hide(letter=letter, acting_user=organizer_a1, reason="核实中")
    letters.letter_restore(letter=letter, acting_user=organizer_a1, reason="已核实")
    letter.refresh_from_db()
    assert letter.visibility == Visibility.PUBLISHED
    assert AuditLog.objects.filter(action="community.letter.restored", actor=organizer_a1).exists()
    assert letter.title in page_of(neighbour, "letters")


def test_members_cannot_moderate_or_open_the_inbox(letter, organizer_a1, learner, neighbour):
    answer(letter, organizer_a1)
    client = client_for(neighbour)
    assert (
        client.post(reverse("community:letter_moderate", args=[letter.pk]), {"reason": "x"}).status_code
        == 403
    )
    assert client.get(reverse("community:letter_inbox")).status_code == 403
    with pytest.raises(NotAllowed):
        letters.letter_hide(letter=letter, acting_user=learner, reason="不想公开了")
    letter.refresh_from_db()
    assert letter.visibility == Visibility.PUBLISHED


# The organizers' inbox ---------------------------------------------------------------------------


def test_the_inbox_holds_only_letters_to_units_the_organizer_manages(
    learner, org_tree, organizer_a1, member_b1, member_a2
):
    write(learner, org_tree.group_a1, title="给小组的信")
    write(learner, org_tree.branch_a1, title="给支部的信")
    write(learner, org_tree.general_a, title="给总支的信")
    write(member_b1.user, org_tree.branch_b1, title="三支部的信")
    html = page_of(organizer_a1, "letter_inbox")
    assert "给小组的信" in html and "给支部的信" in html
    assert "给总支的信" not in html and "三支部的信" not in html


def test_the_inbox_filters_and_counts_by_state(learner, org_tree, organizer_a1):
    SensitiveWord.objects.create(word="内部消息", action=SensitiveWord.Action.REVIEW)
    waiting = write(learner, org_tree.branch_a1, title="待答复的信")
    answered = write(learner, org_tree.branch_a1, title="已答复的信")
    write(learner, org_tree.branch_a1, title="待审核的信", body="内部消息")
    answer(answered, organizer_a1)
    open_tab = page_of(organizer_a1, "letter_inbox")
    assert waiting.title in open_tab and answered.title not in open_tab and "待审核的信" not in open_tab
    assert answered.title in page_of(organizer_a1, "letter_inbox", show="answered")
    assert "待审核的信" in page_of(organizer_a1, "letter_inbox", show="held")
    response = client_for(organizer_a1).get(reverse("community:letter_inbox"))
    counts = {name: count for name, _label, count in response.context["tabs"]}
    assert counts == {"open": 1, "answered": 1, "closed": 0, "held": 1, "hidden": 0}


def test_a_system_administrator_sees_every_letter(learner, member_b1, org_tree, system_admin):
    write(learner, org_tree.branch_a1, title="一支部的信", is_anonymous=True)
    write(member_b1.user, org_tree.branch_b1, title="三支部的信")
    html = page_of(system_admin, "letter_inbox")
    assert "一支部的信" in html and "三支部的信" in html and WRITER in html


def test_empty_pages_render(learner, organizer_a1):
    for user, name in ((learner, "letters"), (learner, "letters_mine"), (organizer_a1, "letter_inbox")):
        assert "empty-state" in page_of(user, name)


def test_the_board_and_the_inbox_take_as_many_queries_for_many_letters_as_for_few(
    learner, org_tree, organizer_a1, neighbour
):
    def queries(user, name: str) -> int:
        client = client_for(user)
        client.get(reverse(f"community:{name}"))  # caches warmed (site, menus), as in production
        with CaptureQueriesContext(connection) as captured:
            assert client.get(reverse(f"community:{name}"), {"show": "answered"}).status_code == 200
        return len(captured)

    def add(count: int) -> None:
        for number in range(count):
            letter = write(learner, org_tree.branch_a1, title=f"来信{number}", is_anonymous=number % 2 == 0)
            answer(letter, organizer_a1)

    add(2)
    few = (queries(neighbour, "letters"), queries(organizer_a1, "letter_inbox"))
    add(6)
    assert (queries(neighbour, "letters"), queries(organizer_a1, "letter_inbox")) == few
