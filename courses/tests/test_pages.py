"""The page tree editors may build, what the course form refuses, and the catalog's filters."""

from __future__ import annotations

import datetime

import pytest
from django.urls import reverse
from django.utils import timezone

from courses.forms import CoursePageForm, LessonPageForm
from courses.models import (
    AccessLevel,
    ArticlePage,
    CourseIndexPage,
    CoursePage,
    CourseTopic,
    LessonPage,
    PolicyDocumentPage,
    ResourceLibraryPage,
)
from courses.tests import factories
from courses.tests.factories import course, lesson
from school.models import HomePage
from school.tests.helpers import client_for, in_site_language

pytestmark = pytest.mark.django_db


def test_the_catalog_and_the_library_exist_after_migrating():
    home = HomePage.objects.get()
    assert CourseIndexPage.objects.get().get_parent().pk == home.pk
    assert ResourceLibraryPage.objects.get().get_parent().pk == home.pk
    assert (CourseIndexPage.objects.get().url, ResourceLibraryPage.objects.get().url) == (
        "/courses/",
        "/library/",
    )


@pytest.mark.parametrize(
    ("model", "parent", "allowed"),
    [
        (CoursePage, CourseIndexPage, True),
        (CoursePage, HomePage, False),
        (LessonPage, CoursePage, True),
        (LessonPage, CourseIndexPage, False),
        (ArticlePage, ResourceLibraryPage, True),
        (PolicyDocumentPage, CourseIndexPage, False),
        (CourseIndexPage, HomePage, False),  # there is one already
    ],
)
def test_pages_go_only_where_they_belong(model, parent, allowed):
    instance = course() if parent is CoursePage else parent.objects.first()
    assert model.can_create_at(instance) is allowed


def course_form_data(page: CoursePage, **changes) -> dict:
    data = {
        "title": page.title,
        "slug": page.slug,
        "summary": page.summary,
        "credit_hours": "2.0",
        "requirement": "required",
        "enrollment_mode": "open",
        "access_level": AccessLevel.MEMBERS,
        "comments-TOTAL_FORMS": "0",
        "comments-INITIAL_FORMS": "0",
        "comments-MIN_NUM_FORMS": "0",
        "comments-MAX_NUM_FORMS": "1000",
    }
    data.update(changes)
    return data


def course_form(page: CoursePage, user, **changes) -> CoursePageForm:
    form_class = CoursePage.get_edit_handler().get_form_class()
    return form_class(
        course_form_data(page, **changes), instance=page, for_user=user, parent_page=page.get_parent()
    )


def test_a_course_may_not_close_before_it_opens(editor):
    form = course_form(course(), editor, opens_on="2026-12-01", closes_on="2026-11-01")
    assert not form.is_valid()
    assert form.errors["closes_on"] == [in_site_language("The course cannot close before it opens.")]


def test_a_course_without_published_lessons_cannot_be_published(editor):
    page = course()
    assert not course_form(page, editor, **{"action-publish": "1"}).is_valid()
    assert course_form(page, editor).is_valid()  # a draft may be saved
    lesson(page)
    assert course_form(page, editor, **{"action-publish": "1"}).is_valid()


def test_chosen_organisations_need_at_least_one_organisation(editor, org_tree):
    page = course()
    form = course_form(page, editor, access_level=AccessLevel.ORG_UNITS)
    assert not form.is_valid() and "access_org_units" in form.errors
    form = course_form(
        page, editor, access_level=AccessLevel.ORG_UNITS, access_org_units=[org_tree.branch_a1.pk]
    )
    assert form.is_valid(), form.errors


def test_the_audience_is_saved_as_a_list_of_political_statuses(editor):
    page = course()
    form = course_form(page, editor, audience_statuses=["full", "probationary"])
    assert form.is_valid(), form.errors
    assert form.save().audience_statuses == ["full", "probationary"]


def test_a_lesson_needs_a_video_or_a_text(editor):
    page = lesson(course())
    form_class = LessonPage.get_edit_handler().get_form_class()
    assert issubclass(form_class, LessonPageForm)
    data = {
        "title": page.title,
        "slug": page.slug,
        "estimated_minutes": "10",
        "access_level": AccessLevel.MEMBERS,
        "body-count": "0",
        "attachments-TOTAL_FORMS": "0",
        "attachments-INITIAL_FORMS": "0",
        "attachments-MIN_NUM_FORMS": "0",
        "attachments-MAX_NUM_FORMS": "1000",
        "comments-TOTAL_FORMS": "0",
        "comments-INITIAL_FORMS": "0",
        "comments-MIN_NUM_FORMS": "0",
        "comments-MAX_NUM_FORMS": "1000",
    }
    form = form_class(data, instance=page, for_user=editor, parent_page=page.get_parent())
    assert not form.is_valid()
    assert in_site_language("A lesson needs a video, a text, or both.") in form.non_field_errors()


# --- The catalog ----------------------------------------------------------------------------------------


def titles(response) -> list[str]:
    return [page.title for page in response.context["catalog"].page.object_list]


def test_the_catalog_filters_by_topic_requirement_audience_and_status(member_a1):
    history = CourseTopic.objects.create(name="党史学习")
    today = timezone.localdate()
    course("党史必修", topic=history, requirement="required")
    course("党员选修", requirement="elective", audience_statuses=["full"])
    course("积极分子课", audience_statuses=["activist"])
    course("下月开课", opens_on=today + datetime.timedelta(days=30))
    client = client_for(member_a1.user)
    assert titles(client.get("/courses/", {"topic": history.pk})) == ["党史必修"]
    assert titles(client.get("/courses/", {"requirement": "required"})) == ["党史必修"]
    assert set(titles(client.get("/courses/", {"audience": "full"}))) == {"党史必修", "党员选修", "下月开课"}
    assert titles(client.get("/courses/", {"status": "upcoming"})) == ["下月开课"]
    assert titles(client.get("/courses/", {"sort": "title"})) == sorted(
        ["党史必修", "党员选修", "积极分子课", "下月开课"]
    )


@pytest.mark.parametrize(
    "query", [{"topic": "abc"}, {"page": "-3"}, {"page": "x"}, {"sort": "<script>"}, {"status": "x"}]
)
def test_malformed_catalog_parameters_are_ignored(member_a1, query):
    course("党史必修")
    response = client_for(member_a1.user).get("/courses/", query)
    assert response.status_code == 200
    assert titles(response) == ["党史必修"]


def test_the_catalog_shows_an_empty_state_without_courses(member_a1):
    html = client_for(member_a1.user).get("/courses/").content.decode()
    assert (
        in_site_language(
            "No courses have been published yet. Assigned and elective courses will appear here."
        )
        in html
    )


def test_the_catalog_pages_through_many_courses(member_a1):
    for number in range(14):
        course(f"课程{number:02d}")
    client = client_for(member_a1.user)
    assert len(titles(client.get("/courses/"))) == 12
    assert len(titles(client.get("/courses/", {"page": 2}))) == 2


def test_an_editor_adds_a_course_topic_in_the_admin(editor):
    client = client_for(editor)
    assert client.get("/admin/course_topics/").status_code == 200
    response = client.post("/admin/course_topics/new/", {"name": "理论武装", "sort_order": "10"})
    assert response.status_code == 302
    assert CourseTopic.objects.filter(name="理论武装").exists()


def test_a_learner_cannot_open_the_category_screens(member_a1):
    assert client_for(member_a1.user).get("/admin/course_topics/").status_code in (302, 403)


def _bulk_publish(client, page, **data):
    url = reverse("wagtail_bulk_action", args=("wagtailcore", "page", "publish")) + f"?id={page.pk}"
    return client.post(url, data)


def test_bulk_publishing_a_course_without_a_published_lesson_is_refused(editor):
    course = factories.course("空课程")
    course.unpublish()
    response = _bulk_publish(client_for(editor), course)
    assert response.status_code == 302
    course.refresh_from_db()
    assert not course.live


def test_bulk_publishing_a_course_with_its_draft_lessons_is_allowed(editor):
    course = factories.course("有课节的课程")
    factories.lesson(course).unpublish()
    course.unpublish()
    _bulk_publish(client_for(editor), course, include_descendants="on")
    course.refresh_from_db()
    assert course.live


def test_the_catalog_sorts_the_most_studied_courses_first(learner, org_tree):
    from courses.models import Enrollment
    from school.tests.factories import MemberFactory

    quiet, busy = course("冷门课程"), course("热门课程")
    for _ in range(3):
        Enrollment.objects.create(member=MemberFactory(org_unit=org_tree.branch_a1), course=busy)
    Enrollment.objects.create(
        member=MemberFactory(org_unit=org_tree.branch_a1), course=quiet, status="pending"
    )
    page = client_for(learner).get("/courses/", {"sort": "popular"}).context["catalog"].page
    assert [c.title for c in page] == ["热门课程", "冷门课程"]


def test_the_home_page_lists_the_newest_courses_and_materials_each_visitor_may_open(learner):
    from django.test import Client

    course("党员课程")
    factories.article("公开资料", access=AccessLevel.PUBLIC)
    factories.article("党员资料", access=AccessLevel.MEMBERS)
    anonymous = Client().get("/").context["highlights"]
    assert [c.title for c in anonymous["courses"]] == []
    assert [item.title for item in anonymous["library"]] == ["公开资料"]
    member = client_for(learner).get("/").context["highlights"]
    assert [c.title for c in member["courses"]] == ["党员课程"]
    assert {item.title for item in member["library"]} == {"公开资料", "党员资料"}


def test_the_home_page_takes_the_newest_materials_by_their_date_not_by_when_they_were_added():
    import datetime as dt

    for day in range(1, 7):
        factories.article(f"旧资料{day}", access=AccessLevel.PUBLIC, published_on=dt.date(2020, 1, day))
    factories.article("最新资料", access=AccessLevel.PUBLIC, published_on=dt.date(2026, 1, 1))
    factories.article("最后录入的旧资料", access=AccessLevel.PUBLIC, published_on=dt.date(2019, 1, 1))
    titles = [
        item.title
        for item in HomePage.objects.get().get_context(_anonymous_request())["highlights"]["library"]
    ]
    assert titles[0] == "最新资料" and "最后录入的旧资料" not in titles


def _anonymous_request():
    from django.contrib.auth.models import AnonymousUser
    from django.test import RequestFactory

    request = RequestFactory().get("/")
    request.user = AnonymousUser()
    return request
