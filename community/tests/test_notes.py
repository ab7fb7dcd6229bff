"""Study notes: who reads them (audience, 支部, the page's own rule) by listing, direct URL and search;
points, featuring, comments, moderation with its audit log, and bad input through the pages."""

from __future__ import annotations

import pytest
from django.core.exceptions import PermissionDenied
from django.test import Client
from django.urls import reverse

from community import notes, permissions
from community.exceptions import InvalidPost, NotAllowed
from community.models import NoteComment, Notification, SensitiveWord, StudyNote, Visibility
from community.tests import factories
from courses.models import AccessLevel
from courses.tests import factories as pages
from school.models import AuditLog, PointEntry, PointRule
from school.tests.factories import MemberFactory
from search import api
from search.tests.test_indexing import tasks_run  # noqa: F401 - fixture

pytestmark = pytest.mark.django_db


def client_for(user) -> Client:
    client = Client(HTTP_ACCEPT_LANGUAGE="zh-hans")
    client.force_login(user)
    return client


@pytest.fixture
def branch_mate(org_tree):
    """A member of 第一党支部 itself, while the author (learner) sits in its 党小组."""
    return MemberFactory(org_unit=org_tree.branch_a1, real_name="同支部").user


@pytest.fixture
def readers(learner, branch_mate, member_a2, member_b1, organizer_a1, system_admin, editor):
    return {
        "author": learner,
        "member of the author's 支部": branch_mate,
        "member of 支部A2": member_a2.user,
        "member of 支部B1": member_b1.user,
        "organizer of 支部A1": organizer_a1,
        "system admin": system_admin,
        "editor": editor,
    }


EVERYONE = {
    "author",
    "member of the author's 支部",
    "member of 支部A2",
    "member of 支部B1",
    "organizer of 支部A1",
    "system admin",
    "editor",
}
EXPECTED = {
    "private": {"author"},
    "branch": {"author", "member of the author's 支部", "organizer of 支部A1", "system admin", "editor"},
    "everyone": EVERYONE,
}


def test_a_notes_audience_decides_who_reads_it_and_the_listing_agrees(readers, learner, org_tree):
    written = {audience: factories.note(learner, audience=audience) for audience in EXPECTED}
    assert {note.org_unit for note in written.values()} == {org_tree.branch_a1}  # the 支部 above the 党小组
    for audience, note in written.items():
        can = {name for name, user in readers.items() if permissions.can_view_note(user, note)}
        assert can == EXPECTED[audience], audience
    for name, user in readers.items():
        listed = set(permissions.notes_shown_to(user))
        for note in written.values():
            assert (note in listed) == permissions.can_view_note(user, note), (name, note.audience)


def test_a_note_on_a_page_is_never_read_beyond_the_pages_readers(learner, member_a2, branch_mate, org_tree):
    course = pages.course("一支部专题", access=AccessLevel.ORG_UNITS, org_units=[org_tree.branch_a1])
    lesson = pages.lesson(course, "第一讲", access=AccessLevel.PUBLIC)  # open lesson, closed course
    note = factories.note(learner, audience="everyone", page=lesson)
    assert note.page_title == "第一讲"
    assert permissions.can_view_note(branch_mate, note)
    assert not permissions.can_view_note(member_a2.user, note)
    assert note not in set(permissions.notes_shown_to(member_a2.user))
    assert client_for(member_a2.user).get(reverse("community:note", args=[note.pk])).status_code == 404


def test_writing_on_a_page_one_may_not_read_is_refused(learner, org_tree):
    closed = pages.course("三支部专题", access=AccessLevel.ORG_UNITS, org_units=[org_tree.branch_b1])
    with pytest.raises(NotAllowed):
        factories.note(learner, page=closed)
    response = client_for(learner).get(reverse("community:note_new") + f"?about={closed.pk}")
    assert response.status_code == 404
    assert not StudyNote.objects.exists()


def test_another_branch_opens_neither_the_note_nor_finds_it(tasks_run, learner, member_b1, branch_mate):  # noqa: F811
    with tasks_run():
        note = factories.note(learner, title="支部换届选举学习体会", audience="branch")
        factories.note(learner, title="个人换届选举笔记", audience="private")
    url = reverse("community:note", args=[note.pk])
    assert client_for(member_b1.user).get(url).status_code == 404
    assert client_for(branch_mate).get(url).status_code == 200
    assert api.query(member_b1.user, "换届选举").results.total == 0
    hits = api.query(branch_mate, "换届选举").results
    assert [hit.title for hit in hits.hits] == ["支部换届选举学习体会"]  # the private note is never indexed
    assert hits.total == 1


def test_an_everyone_note_on_a_branch_lesson_is_found_only_by_the_lessons_readers(
    tasks_run,  # noqa: F811
    learner,
    member_a2,
    branch_mate,
    org_tree,
):
    course = pages.course("一支部专题", access=AccessLevel.ORG_UNITS, org_units=[org_tree.branch_a1])
    with tasks_run():
        factories.note(learner, title="专题学习心得：党纪学习教育", audience="everyone", page=course)
    assert api.query(member_a2.user, "党纪学习教育").results.total == 0
    assert api.query(branch_mate, "党纪学习教育").results.total == 1


def test_a_note_earns_its_points_once(learner, member_a1, organizer_a1):
    note = factories.note(learner)
    notes.note_edit(
        note=note, acting_user=learner, title="改过的标题", body="改过的内容", audience="everyone"
    )
    entries = PointEntry.objects.filter(member=member_a1, rule=PointRule.Code.NOTE_PUBLISHED)
    assert list(entries.values_list("object_key", flat=True)) == [f"note:{note.pk}"]


def test_a_held_note_earns_its_points_when_approved_and_the_approval_is_audited(
    learner, member_a1, organizer_a1
):
    SensitiveWord.objects.create(word="内部消息", action=SensitiveWord.Action.REVIEW)
    note = factories.note(learner, body="听到一些内部消息")
    assert note.visibility == Visibility.HELD
    assert not PointEntry.objects.filter(member=member_a1, rule=PointRule.Code.NOTE_PUBLISHED).exists()
    notes.note_restore(note=note, acting_user=organizer_a1)
    note.refresh_from_db()
    assert note.visibility == Visibility.PUBLISHED
    assert PointEntry.objects.filter(member=member_a1, rule=PointRule.Code.NOTE_PUBLISHED).count() == 1
    assert AuditLog.objects.filter(action="community.note.approved", actor=organizer_a1).exists()


def test_the_authors_organizer_features_a_note_and_the_author_hears_of_it(learner, organizer_a1, member_a2):
    note = factories.note(learner, audience="everyone")
    with pytest.raises(PermissionDenied):
        notes.note_feature(note=note, acting_user=member_a2.user)
    notes.note_feature(note=note, acting_user=organizer_a1)
    note.refresh_from_db()
    assert note.is_featured and note.featured_at is not None
    assert AuditLog.objects.filter(action="community.note.featured", actor=organizer_a1).exists()
    assert Notification.objects.filter(recipient=learner, kind=Notification.Kind.NOTE_FEATURED).exists()
    featured = client_for(member_a2.user).get(reverse("community:notes") + "?show=featured").content.decode()
    assert note.title in featured


def test_a_private_note_cannot_be_featured(learner, organizer_a1):
    note = factories.note(learner, audience="private")
    with pytest.raises(NotAllowed):
        notes.note_feature(note=note, acting_user=organizer_a1)


def test_a_comment_tells_the_author_and_counts(learner, branch_mate):
    note = factories.note(learner)
    response = client_for(branch_mate).post(reverse("community:note", args=[note.pk]), {"body": "写得很实在"})
    comment = NoteComment.objects.get()
    assert response.status_code == 302 and response["Location"].endswith(f"#comment-{comment.pk}")
    note.refresh_from_db()
    assert note.comment_count == 1
    assert Notification.objects.filter(recipient=learner, kind=Notification.Kind.NOTE_COMMENT).count() == 1


@pytest.mark.parametrize(
    "body", ["<script>alert(1)</script>", '<a href="javascript:alert(1)">看</a>', "党" * 20_001]
)
def test_bad_comments_are_refused_and_nothing_is_stored(learner, branch_mate, body):
    note = factories.note(learner)
    response = client_for(branch_mate).post(reverse("community:note", args=[note.pk]), {"body": body})
    assert response.status_code == 400
    assert not NoteComment.objects.exists()


def test_nobody_comments_on_a_private_note(learner):
    note = factories.note(learner, audience="private")
    with pytest.raises(NotAllowed):
        notes.note_comment(note=note, author=learner, body="自言自语")


def test_writing_a_note_through_the_page(learner, org_tree):
    lesson = pages.lesson(pages.course("学习党章"), "第一讲")
    client = client_for(learner)
    url = reverse("community:note_new") + f"?about={lesson.pk}"
    assert "第一讲" in client.get(url).content.decode()
    response = client.post(url, {"title": "第一讲心得", "body": "第一段\n\n第二段", "audience": "everyone"})
    note = StudyNote.objects.get()
    assert response.status_code == 302 and response["Location"] == reverse("community:note", args=[note.pk])
    assert note.page_id == lesson.pk and note.body == "<p>第一段</p><p>第二段</p>"
    html = client.get(lesson.url).content.decode()
    assert "第一讲心得" in html  # the lesson's study-notes card lists it


def test_an_unknown_audience_is_refused(learner):
    response = client_for(learner).post(
        reverse("community:note_new"), {"title": "t", "body": "b", "audience": "world"}
    )
    assert response.status_code == 400
    assert not StudyNote.objects.exists()
    with pytest.raises(InvalidPost):
        factories.note(learner, audience="world")


def test_only_the_author_edits_or_deletes(learner, member_a2):
    note = factories.note(learner, audience="everyone")
    other = client_for(member_a2.user)
    response = other.post(
        reverse("community:note_edit", args=[note.pk]),
        {"title": "篡改", "body": "篡改", "audience": "everyone"},
    )
    assert response.status_code == 403
    assert other.post(reverse("community:note_delete", args=[note.pk])).status_code == 403
    note.refresh_from_db()
    assert note.title == "学习党章的体会"
    assert client_for(learner).post(reverse("community:note_delete", args=[note.pk])).status_code == 302
    assert not StudyNote.objects.exists()


def test_a_hidden_note_is_gone_for_readers_and_explained_to_its_author(learner, branch_mate, organizer_a1):
    note = factories.note(learner)
    with pytest.raises(InvalidPost):
        notes.note_hide(note=note, acting_user=organizer_a1, reason=" ")
    notes.note_hide(note=note, acting_user=organizer_a1, reason="含有不实信息")
    url = reverse("community:note", args=[note.pk])
    assert client_for(branch_mate).get(url).status_code == 404
    html = client_for(learner).get(url).content.decode()
    assert "含有不实信息" in html
    log = AuditLog.objects.get(action="community.note.hidden")
    assert log.actor == organizer_a1


def test_liking_a_note_answers_scripts_with_json(learner, branch_mate):
    note = factories.note(learner)
    client = client_for(branch_mate)
    url = reverse("community:note_like", args=[note.pk])
    assert client.post(url, HTTP_X_REQUESTED_WITH="XMLHttpRequest").json() == {"liked": True, "likes": 1}
    assert client.post(url, HTTP_X_REQUESTED_WITH="XMLHttpRequest").json() == {"liked": False, "likes": 0}


def test_a_reported_note_reaches_its_moderators_and_hiding_it_handles_the_report(
    learner, branch_mate, organizer_a1, member_a2
):
    from community.models import NoteReport

    note = factories.note(learner, audience="everyone")
    response = client_for(branch_mate).post(
        reverse("community:note_report", args=[note.pk]), {"reason": "与学习无关的广告"}
    )
    assert response.status_code == 302
    notes.note_report(note=note, reporter=branch_mate, reason="再举报一次")  # changes nothing
    assert NoteReport.objects.get().reason == "与学习无关的广告"
    queue = client_for(organizer_a1).get(reverse("community:moderation"))
    assert [row.note for row in queue.context["note_reports"]] == [note]
    other_queue = client_for(member_a2.user).get(reverse("community:moderation"))
    assert other_queue.status_code == 403
    notes.note_hide(note=note, acting_user=organizer_a1, reason="广告")
    assert NoteReport.objects.get().status == NoteReport.Status.HANDLED


def test_a_note_cannot_be_reported_by_its_author_or_by_someone_who_cannot_read_it(learner, member_b1):
    from community.models import NoteReport

    note = factories.note(learner, audience="branch")
    with pytest.raises(NotAllowed):
        notes.note_report(note=note, reporter=learner, reason="自己")
    response = client_for(member_b1.user).post(
        reverse("community:note_report", args=[note.pk]), {"reason": "x"}
    )
    assert response.status_code == 404
    with pytest.raises(InvalidPost):
        notes.note_report(
            note=factories.note(learner, audience="everyone", title="另一篇"),
            reporter=member_b1.user,
            reason=" ",
        )
    assert not NoteReport.objects.exists()


def test_reporting_a_handled_note_again_reopens_the_report(learner, branch_mate, organizer_a1):
    from community.models import NoteReport

    note = factories.note(learner, audience="everyone")
    notes.note_report(note=note, reporter=branch_mate, reason="广告")
    notes.note_hide(note=note, acting_user=organizer_a1, reason="广告")
    notes.note_restore(note=note, acting_user=organizer_a1)
    notes.note_report(note=note, reporter=branch_mate, reason="又出现了")
    report = NoteReport.objects.get()
    assert report.status == NoteReport.Status.OPEN and report.reason == "又出现了"
