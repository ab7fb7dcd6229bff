"""Topic proposals, one vote per member (also when the votes race), and the proposal → call →
application → instructor flow with its notifications, role and audit rows."""

from __future__ import annotations

import datetime

import pytest
from django.test import Client
from django.urls import reverse

from community import permissions, proposals
from community.exceptions import InvalidPost, NotAllowed
from community.models import CallApplication, InstructorCall, Notification, ProposalVote, TopicProposal
from community.tests import factories
from courses.models import CoursePage
from courses.tests import factories as pages
from school.models import AuditLog
from school.roles import Role
from school.tests.factories import MemberFactory
from search.tests.test_indexing import tasks_run  # noqa: F401 - fixture

pytestmark = pytest.mark.django_db


def client_for(user) -> Client:
    client = Client(HTTP_ACCEPT_LANGUAGE="zh-hans")
    client.force_login(user)
    return client


@pytest.fixture
def proposal(learner):
    return proposals.proposal_create(
        author=learner, title="数字化时代的基层党建", body="想学习怎样用好新媒体。"
    )


def test_a_member_votes_once(proposal, member_a2):
    assert proposals.proposal_vote(proposal=proposal, user=member_a2.user) == 1
    with pytest.raises(NotAllowed, match="已经投过票"):
        proposals.proposal_vote(proposal=proposal, user=member_a2.user)
    proposal.refresh_from_db()
    assert proposal.vote_count == 1 and ProposalVote.objects.count() == 1


def test_a_second_vote_through_the_page_is_refused_with_json(proposal, member_a2):
    client = client_for(member_a2.user)
    url = reverse("community:proposal_vote", args=[proposal.pk])
    assert client.post(url, HTTP_X_REQUESTED_WITH="XMLHttpRequest").json() == {"voted": True, "votes": 1}
    second = client.post(url, HTTP_X_REQUESTED_WITH="XMLHttpRequest")
    assert second.status_code == 409 and "已经投过票" in second.json()["error"]
    assert ProposalVote.objects.count() == 1


@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_racing_votes_of_one_member_count_once_and_of_many_members_count_each(org_tree, learner):
    proposal = proposals.proposal_create(author=learner, title="党史学习")
    voters = [MemberFactory(org_unit=org_tree.branch_a2).user for _ in range(3)]
    ballots = [voters[0]] * 4 + voters[1:]  # one member clicks four times at once, two others once
    refused = factories.race(lambda user: proposals.proposal_vote(proposal=proposal, user=user), ballots)
    assert refused == [voters[0].pk] * 3
    proposal.refresh_from_db()
    assert proposal.vote_count == 3
    assert sorted(ProposalVote.objects.values_list("user", flat=True)) == sorted(u.pk for u in voters)


def test_topics_rank_by_votes_then_newest(learner, member_a2, member_b1):
    quiet = proposals.proposal_create(author=learner, title="冷门话题")
    popular = proposals.proposal_create(author=learner, title="热门话题")
    newest = proposals.proposal_create(author=learner, title="最新话题")
    for user in (member_a2.user, member_b1.user):
        proposals.proposal_vote(proposal=popular, user=user)
    html = client_for(learner).get(reverse("community:proposals")).content.decode()
    assert html.index("热门话题") < html.index("最新话题") < html.index("冷门话题")
    assert quiet.vote_count == 0 and newest.vote_count == 0


@pytest.fixture
def course(db):
    return pages.course("新媒体与基层党建")


def test_the_proposal_becomes_a_call_and_the_chosen_applicant_teaches_the_course(
    proposal, course, learner, member_a2, member_b1, organizer_a1
):
    proposals.proposal_vote(proposal=proposal, user=member_a2.user)
    call = proposals.call_open(
        proposal=proposal, acting_user=organizer_a1, course=course, title="招募：新媒体党建讲师"
    )
    proposal.refresh_from_db()
    assert proposal.status == TopicProposal.Status.ADOPTED
    assert Notification.objects.filter(recipient=learner, kind=Notification.Kind.PROPOSAL_ACCEPTED).exists()
    assert Notification.objects.filter(recipient=member_a2.user, kind=Notification.Kind.CALL_OPENED).exists()

    chosen = proposals.call_apply(
        call=call, applicant=member_a2.user, statement="做过三年支部宣传委员，熟悉新媒体。"
    )
    other = proposals.call_apply(call=call, applicant=member_b1.user, statement="在机关负责公众号运营工作。")
    with pytest.raises(NotAllowed, match="已经申请"):
        proposals.call_apply(call=call, applicant=member_b1.user, statement="再申请一次试试看可以吗")
    assert not member_a2.user.groups.filter(name=Role.INSTRUCTOR.value).exists()

    proposals.application_accept(application=chosen, acting_user=organizer_a1)
    chosen.refresh_from_db(), other.refresh_from_db(), call.refresh_from_db()
    assert (chosen.status, other.status, call.status) == ("accepted", "declined", "filled")
    assert member_a2.user.groups.filter(name=Role.INSTRUCTOR.value).exists()
    live = CoursePage.objects.get(pk=course.pk)
    assert list(live.instructors.all()) == [member_a2.user]
    assert member_a2.user in live.latest_revision.as_object().instructors.all()  # a later publish keeps it
    assert Notification.objects.filter(
        recipient=member_a2.user, kind=Notification.Kind.APPLICATION_ACCEPTED
    ).exists()
    assert Notification.objects.filter(
        recipient=member_b1.user, kind=Notification.Kind.APPLICATION_DECLINED
    ).exists()
    log = AuditLog.objects.get(action="community.call.instructor_chosen")
    assert log.actor == organizer_a1

    # The new instructor leads the course's discussion: they may choose best answers there.
    from community import services

    board = services.board_for_page(page=live)
    assert permissions.teaches_board(member_a2.user, board)


def test_the_flow_through_the_pages(proposal, course, member_a2, organizer_a1):
    organizer = client_for(organizer_a1)
    response = organizer.post(
        reverse("community:call_new", args=[proposal.pk]), {"course": course.pk, "title": "招募讲师"}
    )
    call = InstructorCall.objects.get()
    assert response.status_code == 302 and response["Location"] == reverse("community:call", args=[call.pk])
    member = client_for(member_a2.user)
    response = member.post(
        reverse("community:call", args=[call.pk]), {"statement": "我愿意承担这门课的讲授。"}
    )
    assert response.status_code == 302
    application = CallApplication.objects.get()
    assert (
        member.post(
            reverse("community:application_decide", args=[application.pk]), {"action": "accept"}
        ).status_code
        == 403
    )  # an applicant does not choose themself
    organizer.post(reverse("community:application_decide", args=[application.pk]), {"action": "accept"})
    application.refresh_from_db()
    assert application.status == CallApplication.Status.ACCEPTED


def test_members_do_not_open_calls_and_other_organizers_do_not_decide(
    proposal, course, member_a2, organizer_a1, org_tree
):
    response = client_for(member_a2.user).post(
        reverse("community:call_new", args=[proposal.pk]), {"course": course.pk, "title": "招募"}
    )
    assert response.status_code == 403
    assert not InstructorCall.objects.exists()
    call = proposals.call_open(proposal=proposal, acting_user=organizer_a1, course=course, title="招募")
    application = proposals.call_apply(
        call=call, applicant=member_a2.user, statement="我愿意承担这门课的讲授工作。"
    )
    someone_else = MemberFactory(user__roles=[Role.BRANCH_ORGANIZER], org_unit=org_tree.branch_b1).user
    org_tree.branch_b1.managers.add(someone_else)
    with pytest.raises(NotAllowed):
        proposals.application_accept(application=application, acting_user=someone_else)
    application.refresh_from_db()
    assert application.status == CallApplication.Status.PENDING


@pytest.mark.parametrize(
    ("statement", "message"),
    [("太短", "至少"), ("<script>alert(1)</script>我想当讲师，请选择我", "脚本"), ("党" * 1001, "太长")],
)
def test_bad_statements_are_refused(proposal, course, organizer_a1, member_a2, statement, message):
    call = proposals.call_open(proposal=proposal, acting_user=organizer_a1, course=course, title="招募")
    with pytest.raises(InvalidPost, match=message):
        proposals.call_apply(call=call, applicant=member_a2.user, statement=statement)
    assert not CallApplication.objects.exists()


def test_a_closed_or_expired_call_takes_no_applications(proposal, course, organizer_a1, member_a2, member_b1):
    call = proposals.call_open(proposal=proposal, acting_user=organizer_a1, course=course, title="招募")
    InstructorCall.objects.filter(pk=call.pk).update(closes_on=datetime.date(2020, 1, 1))
    call.refresh_from_db()
    with pytest.raises(NotAllowed):
        proposals.call_apply(call=call, applicant=member_a2.user, statement="我愿意承担这门课的讲授。")


def test_declining_needs_a_reason_and_is_audited(proposal, organizer_a1, member_a2):
    with pytest.raises(InvalidPost):
        proposals.proposal_decline(proposal=proposal, acting_user=organizer_a1, reason="")
    proposals.proposal_decline(proposal=proposal, acting_user=organizer_a1, reason="已有同类课程")
    proposal.refresh_from_db()
    assert proposal.status == TopicProposal.Status.DECLINED
    assert AuditLog.objects.filter(action="community.proposal.declined", actor=organizer_a1).exists()
    with pytest.raises(NotAllowed):
        proposals.proposal_vote(proposal=proposal, user=member_a2.user)


def test_published_proposals_are_found_and_held_ones_are_not(tasks_run, learner, member_b1):  # noqa: F811
    from community.models import SensitiveWord
    from search import api

    SensitiveWord.objects.create(word="小道消息", action=SensitiveWord.Action.REVIEW)
    with tasks_run():
        proposals.proposal_create(author=learner, title="乡村振兴中的党建引领", body="希望结合本地案例。")
        proposals.proposal_create(author=learner, title="乡村振兴小道消息")
    hits = api.query(member_b1.user, "乡村振兴").results
    assert [hit.title for hit in hits.hits] == ["乡村振兴中的党建引领"] and hits.total == 1


def test_a_held_proposal_waits_in_the_moderation_queue_until_an_organizer_approves_it(
    learner, member_a2, organizer_a1
):
    from community.models import SensitiveWord, Visibility

    SensitiveWord.objects.create(word="内部消息", action=SensitiveWord.Action.REVIEW)
    proposal = proposals.proposal_create(author=learner, title="听说的内部消息怎么辨别")
    assert proposal.visibility == Visibility.HELD
    url = reverse("community:proposal", args=[proposal.pk])
    assert client_for(member_a2.user).get(url).status_code == 404
    with pytest.raises(NotAllowed):
        proposals.proposal_vote(proposal=proposal, user=member_a2.user)
    assert proposal.title in client_for(organizer_a1).get(reverse("community:moderation")).content.decode()
    response = client_for(member_a2.user).post(reverse("community:proposal_approve", args=[proposal.pk]))
    assert response.status_code == 403
    client_for(organizer_a1).post(reverse("community:proposal_approve", args=[proposal.pk]))
    proposal.refresh_from_db()
    assert proposal.visibility == Visibility.PUBLISHED
    assert AuditLog.objects.filter(action="community.proposal.approved", actor=organizer_a1).exists()
    assert client_for(member_a2.user).get(url).status_code == 200


def test_a_held_note_is_listed_for_the_authors_organizer(learner, organizer_a1):
    from community.models import SensitiveWord
    from community.tests import factories

    SensitiveWord.objects.create(word="内部消息", action=SensitiveWord.Action.REVIEW)
    note = factories.note(learner, title="一则内部消息的学习体会")
    assert note.title in client_for(organizer_a1).get(reverse("community:moderation")).content.decode()
