"""`manage.py load_demo`: the demo org tree, members, accounts and home page."""

from __future__ import annotations

from io import StringIO

import pytest
from django.contrib.auth.models import Group
from django.core.management import CommandError, call_command

from school.demo import DEMO_PASSWORD, demo_load
from school.models import HomePage, Member, OrgUnit, User
from school.roles import Role

pytestmark = pytest.mark.django_db

PRINTED = ["admin", "sysadmin", "organizer", "organizer2", "editor", "instructor", "learner"]


@pytest.fixture(autouse=True)
def media_root(settings, tmp_path):
    """Demo videos, covers and the notice PDF go to a media folder of the test's own."""
    settings.MEDIA_ROOT = str(tmp_path / "media")


def load_demo(*args: str) -> str:
    out = StringIO()
    call_command("load_demo", *args, stdout=out)
    return out.getvalue()


def snapshot() -> dict:
    return {
        "units": list(OrgUnit.objects.order_by("path").values_list("path", "name", "kind", "numchild")),
        "users": dict(User.objects.values_list("username", "password")),
        "members": Member.objects.count(),
        "managers": sorted(OrgUnit.managers.through.objects.values_list("orgunit_id", "user_id")),
        "groups": sorted(User.groups.through.objects.values_list("user_id", "group_id")),
        "revisions": HomePage.objects.get().revisions.count(),
    }


def test_load_demo_creates_the_org_tree():
    load_demo()
    kinds = OrgUnit.Kind
    assert OrgUnit.objects.filter(kind=kinds.COMMITTEE).count() == 1
    assert OrgUnit.objects.filter(kind=kinds.GENERAL_BRANCH).count() == 2
    assert OrgUnit.objects.filter(kind=kinds.BRANCH).count() == 4
    assert OrgUnit.objects.filter(kind=kinds.GROUP).count() >= 1
    for general in OrgUnit.objects.filter(kind=kinds.GENERAL_BRANCH):
        assert general.get_children().filter(kind=kinds.BRANCH).count() == 2


def test_load_demo_creates_members_with_every_status_and_role():
    load_demo()
    assert Member.objects.count() >= 30
    statuses = set(Member.objects.values_list("political_status", flat=True))
    assert statuses == set(Member.PoliticalStatus.values)
    for role in Role:
        assert Group.objects.get(name=role.value).user_set.exists(), role
    assert User.objects.get(username="admin").is_superuser
    assert not User.objects.get(username="sysadmin").is_superuser


def test_every_branch_has_members_and_phones_are_valid():
    load_demo()
    for branch in OrgUnit.objects.filter(kind=OrgUnit.Kind.BRANCH):
        assert Member.objects.in_subtree(branch).exists(), branch
    for member in Member.objects.all():
        member.full_clean()


def test_branch_organizers_manage_their_units():
    load_demo()
    organizer = User.objects.get(username="organizer")
    organizer2 = User.objects.get(username="organizer2")
    assert list(organizer.managed_org_units.values_list("kind", flat=True)) == [OrgUnit.Kind.GENERAL_BRANCH]
    assert list(organizer2.managed_org_units.values_list("kind", flat=True)) == [OrgUnit.Kind.BRANCH]


def test_printed_accounts_log_in_directly_with_the_demo_password():
    load_demo()
    for username in PRINTED:
        user = User.objects.get(username=username)
        assert user.check_password(DEMO_PASSWORD), username
        assert not user.must_change_password, username


def test_other_demo_members_must_change_their_password():
    load_demo()
    others = User.objects.exclude(username__in=PRINTED)
    assert others.exists()
    assert all(user.must_change_password for user in others)


def test_running_twice_changes_nothing():
    load_demo()
    before = snapshot()
    output = load_demo()
    assert snapshot() == before
    assert "learner" in output


def test_changed_password_survives_a_second_run():
    load_demo()
    learner = User.objects.get(username="learner")
    learner.set_password("my-own-Secret-42")
    learner.save()
    load_demo()
    learner.refresh_from_db()
    assert learner.check_password("my-own-Secret-42")


def test_home_page_is_filled_and_published_once():
    load_demo()
    page = HomePage.objects.get()
    assert page.live and page.intro and len(page.body) >= 3
    assert page.revisions.count() == 1
    assert {block.block_type for block in page.body} >= {"notices", "features", "text"}


def test_home_page_edited_by_an_editor_is_not_overwritten():
    page = HomePage.objects.get()
    page.banner_text = "编辑写的横幅"
    page.save_revision().publish()
    result = demo_load()
    page.refresh_from_db()
    assert not result.home_page_filled
    assert page.banner_text == "编辑写的横幅"
    assert not len(page.body)


def test_home_page_shows_demo_content(client):
    load_demo()
    html = client.get("/").content.decode()
    assert "关于开展2026年度党员教育培训的通知" in html
    assert 'href="/courses/"' in html and "课程学习" in html


def test_learner_sees_org_path_on_my_learning(client):
    load_demo()
    client.force_login(User.objects.get(username="learner"))
    html = client.get("/my/").content.decode()
    assert "示范市直机关党委" in html and "办公室第一党小组" in html


def test_refuses_in_production(settings):
    settings.PRODUCTION = True
    with pytest.raises(CommandError, match="--force"):
        load_demo()
    assert not Member.objects.exists()
    assert not User.objects.exists()


def test_force_loads_in_production(settings):
    settings.PRODUCTION = True
    load_demo("--force")
    assert Member.objects.count() >= 30


def test_accounts_only_prints_the_table_and_changes_nothing():
    output = load_demo("--accounts-only")
    assert not User.objects.exists()
    for username in PRINTED:
        assert username in output
    assert DEMO_PASSWORD in output


def test_the_demo_has_courses_with_lessons_videos_and_library_items():
    from courses.models import ArticlePage, CoursePage, LessonPage, PolicyDocumentPage
    from media_pipeline.models import Video

    load_demo()
    assert CoursePage.objects.live().count() == 2
    assert LessonPage.objects.live().filter(video__isnull=False).count() == Video.objects.count() == 3
    assert set(Video.objects.values_list("status", flat=True)) == {Video.Status.PENDING}  # the worker's job
    assert ArticlePage.objects.live().count() == 3
    notice = PolicyDocumentPage.objects.get()
    assert "32学时" in notice.extracted_text and notice.original.file_extension == "pdf"


def test_the_demo_learner_is_assigned_the_required_course():
    from courses.models import Enrollment

    load_demo()
    enrollment = Enrollment.objects.get(member__user__username="learner")
    assert (enrollment.source, enrollment.status) == ("assigned", "active")
    assert enrollment.deadline is not None and enrollment.assignment.created_by.username == "organizer"


def test_loading_the_demo_twice_adds_no_second_course_or_video():
    from courses.models import CoursePage
    from media_pipeline.models import Video

    load_demo()
    load_demo()
    assert CoursePage.objects.count() == 2 and Video.objects.count() == 3
