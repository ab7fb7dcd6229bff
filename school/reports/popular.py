"""十大最受欢迎党建课题: the courses members in the scope took up most in the period.

score = 1 × enrolments + 2 × completions + 1 × hours studied + rating points + 0.5 × discussion

- enrolments: members who started the course in the period (enrolled, assigned or approved);
- completions: members who completed it in the period;
- hours studied: study time on its lessons in the period, in hours;
- rating points: each rating given in the period adds its stars minus 3 (5 stars +2, 1 star −2);
- discussion: threads and replies written in the period on the boards of the course and its lessons.

Every component is shown next to the score, so an organizer can see why a course ranks where it does.
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal

from django.apps import apps
from django.db.models import Count, F, Sum
from django.db.models.functions import Substr

from courses.models import CoursePage, CourseRating, Enrollment, StudyDay
from school.reports.period import Period
from school.reports.scope import ReportScope

WEIGHTS = {"enrolments": 1, "completions": 2, "hours": 1, "rating_points": 1, "discussion": 0.5}
TOP = 10


@dataclass(frozen=True)
class PopularCourse:
    course: CoursePage
    enrolments: int
    completions: int
    hours: float
    ratings: int
    rating_points: int
    discussion: int

    @property
    def score(self) -> float:
        return round(
            WEIGHTS["enrolments"] * self.enrolments
            + WEIGHTS["completions"] * self.completions
            + WEIGHTS["hours"] * self.hours
            + WEIGHTS["rating_points"] * self.rating_points
            + WEIGHTS["discussion"] * self.discussion,
            1,
        )

    @property
    def mean_rating(self) -> Decimal | None:
        if not self.ratings:
            return None
        return (Decimal(self.rating_points) / self.ratings + 3).quantize(Decimal("0.1"))


def popular_courses(scope: ReportScope, period: Period, limit: int = TOP) -> list[PopularCourse]:
    members = scope.member_q()
    enrolments = dict(
        Enrollment.objects.filter(members, period.during("created_at"))
        .exclude(status__in=[Enrollment.Status.PENDING, Enrollment.Status.REJECTED])
        .order_by()
        .values_list("course")
        .annotate(n=Count("pk"))
    )
    completions = dict(
        Enrollment.objects.filter(members, period.during("completed_at"))
        .order_by()
        .values_list("course")
        .annotate(n=Count("pk"))
    )
    seconds = dict(
        StudyDay.objects.filter(members, day__range=(period.start, period.end))
        .order_by()
        .values_list("course")
        .annotate(total=Sum("seconds"))
    )
    ratings = {
        course: (count, points)
        for course, count, points in CourseRating.objects.filter(members, period.during("created_at"))
        .order_by()
        .values_list("course")
        .annotate(count=Count("pk"), points=Sum(F("score") - 3))
    }
    discussion = _discussion(scope, period)
    ids = set(enrolments) | set(completions) | set(seconds) | set(ratings) | set(discussion)
    courses = CoursePage.objects.filter(pk__in=ids).only("pk", "title", "url_path", "path", "depth")
    rows = [
        PopularCourse(
            course=course,
            enrolments=enrolments.get(course.pk, 0),
            completions=completions.get(course.pk, 0),
            hours=round((seconds.get(course.pk) or 0) / 3600, 1),
            ratings=ratings.get(course.pk, (0, 0))[0],
            rating_points=ratings.get(course.pk, (0, 0))[1] or 0,
            discussion=discussion.get(course.pk, 0),
        )
        for course in courses
    ]
    rows.sort(key=lambda r: (-r.score, -r.completions, -r.enrolments, r.course.title, r.course.pk))
    return [row for row in rows if row.score > 0][:limit]


def _discussion(scope: ReportScope, period: Period) -> dict[int, int]:
    """Threads and replies per course, from the boards of the course page and of its lessons."""
    if not apps.is_installed("community"):
        return {}
    from community.models import Post

    course_paths = dict(CoursePage.objects.values_list("path", "pk"))
    lengths = {len(path) for path in course_paths}
    posts = Post.objects.filter(
        scope.author_q(),
        period.during("created_at"),
        thread__board__page__isnull=False,
    )
    counts: dict[int, int] = {}
    for length in lengths:  # one length unless courses sit at different depths
        grouped = (
            posts.annotate(course_path=Substr("thread__board__page__path", 1, length))
            .filter(course_path__in=[path for path in course_paths if len(path) == length])
            .order_by()
            .values_list("course_path")
            .annotate(n=Count("pk"))
        )
        for path, n in grouped:
            counts[course_paths[path]] = counts.get(course_paths[path], 0) + n
    return counts
