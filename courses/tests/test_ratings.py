"""满意度评价: members who completed a course rate it once; organizers and editors see the average."""

from __future__ import annotations

import pytest
from django.urls import reverse

from courses.exceptions import EnrollmentRefused
from courses.models import CourseRating, Enrollment
from courses.services.ratings import course_rate, rating_summary
from courses.tests import factories
from school.tests.helpers import client_for

pytestmark = pytest.mark.django_db


@pytest.fixture
def course():
    return factories.course("学习党章")


def completed(member, course):
    return Enrollment.objects.create(member=member, course=course, status=Enrollment.Status.COMPLETED)


def test_a_member_who_completed_the_course_rates_it_once(member_a1, course):
    completed(member_a1, course)
    course_rate(member=member_a1, course=course, score=4, comment="讲得很好")
    with pytest.raises(EnrollmentRefused):
        course_rate(member=member_a1, course=course, score=1)
    assert CourseRating.objects.get().score == 4


def test_a_member_still_studying_cannot_rate(member_a1, course):
    Enrollment.objects.create(member=member_a1, course=course)
    with pytest.raises(EnrollmentRefused):
        course_rate(member=member_a1, course=course, score=5)


@pytest.mark.parametrize("score", [0, 6, -1])
def test_a_score_outside_one_to_five_is_refused(member_a1, course, score):
    completed(member_a1, course)
    with pytest.raises(EnrollmentRefused):
        course_rate(member=member_a1, course=course, score=score)
    assert not CourseRating.objects.exists()


def test_the_average_is_for_organizers_and_editors_only(member_a1, member_a2, organizer_a1, editor, course):
    for member, score in ((member_a1, 5), (member_a2, 4)):
        completed(member, course)
        course_rate(member=member, course=course, score=score)
    assert rating_summary(course) == {"average": 4.5, "count": 2}
    assert "4.5" in client_for(editor).get(course.url).content.decode()
    assert client_for(organizer_a1).get(course.url).context["study"]["ratings"]["count"] == 2
    assert client_for(member_a1.user).get(course.url).context["study"]["ratings"] is None


def test_rating_from_the_course_page(learner, member_a1, course):
    completed(member_a1, course)
    client = client_for(learner)
    assert 'name="score"' in client.get(course.url).content.decode()
    response = client.post(
        reverse("courses:rate", args=[course.pk]), {"score": "5", "comment": "<b>好</b>"}, follow=True
    )
    assert "感谢" in response.content.decode()
    rating = CourseRating.objects.get()
    assert (rating.score, rating.comment) == (5, "<b>好</b>")  # stored as text, escaped when shown
    assert 'name="score"' not in response.content.decode()


@pytest.mark.parametrize("data", [{"score": "9"}, {"score": "x"}, {"score": "3", "comment": "长" * 501}])
def test_a_bad_rating_form_changes_nothing(learner, member_a1, course, data):
    completed(member_a1, course)
    client_for(learner).post(reverse("courses:rate", args=[course.pk]), data)
    assert not CourseRating.objects.exists()
