"""我的学习 and 学习档案: courses with progress and where to go on, credit hours by year."""

from __future__ import annotations

import datetime
from decimal import Decimal

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from courses.models import CreditHourEntry, Enrollment, LessonProgress, StudySettings
from courses.selectors import learning_record, my_courses
from courses.tests import factories
from school.tests.helpers import client_for

pytestmark = pytest.mark.django_db

THIS_YEAR = timezone.localdate().year


def credit(member, hours: str, *, year: int = THIS_YEAR, title: str = "学习党章") -> CreditHourEntry:
    return CreditHourEntry.objects.create(
        member=member,
        kind=CreditHourEntry.Kind.OFFLINE,
        title=title,
        hours=Decimal(hours),
        earned_on=datetime.date(year, 3, 1),
    )


def test_my_courses_show_progress_and_continue_where_the_member_stopped(member_a1):
    course = factories.course("学习党章")
    first, second, third = (factories.lesson(course, title) for title in ("第一讲", "第二讲", "第三讲"))
    Enrollment.objects.create(member=member_a1, course=course, last_lesson=third)
    LessonProgress.objects.create(member=member_a1, lesson=first, completed_at=timezone.now())
    [row] = my_courses(member_a1)
    assert (row.done, row.total, row.percent) == (1, 3, 33)
    assert row.continue_lesson == third


def test_without_a_last_lesson_the_first_unfinished_lesson_is_next(member_a1):
    course = factories.course("学习党章")
    first, second = factories.lesson(course, "第一讲"), factories.lesson(course, "第二讲")
    Enrollment.objects.create(member=member_a1, course=course)
    LessonProgress.objects.create(member=member_a1, lesson=first, completed_at=timezone.now())
    assert my_courses(member_a1)[0].continue_lesson == second


def test_my_courses_take_the_same_queries_for_one_course_or_ten(member_a1):
    def queries() -> int:
        with CaptureQueriesContext(connection) as context:
            my_courses(member_a1)
        return len(context.captured_queries)

    course = factories.course("课程0")
    factories.lesson(course)
    Enrollment.objects.create(member=member_a1, course=course)
    one = queries()
    for n in range(1, 10):
        course = factories.course(f"课程{n}")
        factories.lesson(course)
        Enrollment.objects.create(member=member_a1, course=course)
    assert queries() == one


def test_rejected_applications_and_unpublished_courses_are_not_listed(member_a1):
    rejected, withdrawn = factories.course("未通过"), factories.course("已下线")
    Enrollment.objects.create(member=member_a1, course=rejected, status="rejected")
    Enrollment.objects.create(member=member_a1, course=withdrawn)
    withdrawn.unpublish()
    assert my_courses(member_a1) == []


def test_the_record_adds_up_the_years_credit_hours_against_the_requirement(member_a1):
    credit(member_a1, "1.5")
    credit(member_a1, "2")
    credit(member_a1, "9", year=THIS_YEAR - 1)
    settings = StudySettings.load()
    settings.annual_credit_hours = Decimal("10")
    settings.save()
    record = learning_record(member_a1, THIS_YEAR)
    assert (record.hours, record.required, record.percent, record.missing) == (
        Decimal("3.5"),
        Decimal("10"),
        35,
        Decimal("6.5"),
    )


def test_my_learning_shows_this_years_hours_and_my_courses(learner, member_a1):
    credit(member_a1, "2.5")
    course = factories.course("学习党章")
    factories.lesson(course)
    Enrollment.objects.create(member=member_a1, course=course, deadline=datetime.date(2020, 1, 1))
    html = client_for(learner).get(reverse("my_learning")).content.decode()
    assert "学习党章" in html and "已逾期" in html
    assert "<b>2.5</b> / 32" in html


def test_the_learning_record_page_lists_a_chosen_year(learner, member_a1):
    credit(member_a1, "3", year=THIS_YEAR - 1, title="三会一课")
    response = client_for(learner).get(reverse("learning_record"), {"year": THIS_YEAR - 1})
    assert response.status_code == 200
    assert response.context["record"].year == THIS_YEAR - 1
    assert "三会一课" in response.content.decode()


@pytest.mark.parametrize("year", ["abc", "1900", "-1"])
def test_a_nonsense_year_shows_the_current_one(learner, member_a1, year):
    response = client_for(learner).get(reverse("learning_record"), {"year": year})
    assert response.status_code == 200
    assert response.context["record"].year == THIS_YEAR


def test_the_record_is_only_ever_ones_own(learner, member_a1, member_a2):
    credit(member_a2, "5", title="他人的学时")
    html = client_for(learner).get(reverse("learning_record")).content.decode()
    assert "他人的学时" not in html
