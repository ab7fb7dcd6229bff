"""The organizer statistics (``school/reports``) on the issue's data set, against a baseline in the same run.

    DATABASE_URL=postgres://school:school@127.0.0.1:5432/school_bench \\
        uv run python bench/reports.py [--fresh] [--members 20000] [--courses 200] [--repeat 5]

PostgreSQL only, in a database of its own (the URL's, else school_bench; never CI's ``school``), made,
migrated and filled here, reused by later runs (``--fresh`` rebuilds it): 20 000 members under 1
committee > 10 general branches > 8 branches > 2 groups, 200 courses of 10 lessons (Wagtail pages, by
the tree API), 2 000 000 lesson progress rows, and per member about 10 enrolments, 30 study days, 5
credit-hour entries, 2 ratings, 1 exam sitting, 20 points entries and half a thread on a course board.
Rows go in by COPY, a transaction per table: an interrupted build resumes at the table it stopped in.

For the whole committee (a system administrator) and one 党支部 (its organizer), over this year, it
times the dashboard (``figures.dashboard``, the ten most popular courses included), the member
table's first page (by the default sort and by credit hours) and a baseline (count the members, sum
their watched seconds):
median and max of --repeat runs after a warm-up, SQL queries, the multiple of the baseline, and whether
under the issue's 1 s (information: the exit status is 0).
"""

from __future__ import annotations

import argparse
import datetime
import itertools
import logging
import os
import random
import shutil
import statistics
import sys
import tempfile
import time
import uuid
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass
from decimal import Decimal
from pathlib import Path
from typing import Any, NamedTuple
from urllib.parse import urlsplit, urlunsplit

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "school.settings")
os.environ["CELERY_BROKER_URL"] = "memory://"  # what saving pages and units enqueues goes nowhere
OWN_VAR_DIR = "VAR_DIR" not in os.environ  # removed at the end only when this script made it
if OWN_VAR_DIR:
    os.environ["VAR_DIR"] = tempfile.mkdtemp(prefix="bench-reports-var-")

TARGET = 1.0  # seconds: "the dashboard and the table's first page render in under 1 s"
PER_PAGE = 50  # as school.reports.views
LESSONS, ENROLMENTS = 10, 10  # lessons per course; courses per member, each with progress on every lesson
SEED = 7
DAY = datetime.timedelta(days=1)
SURNAMES = "王李张刘陈杨黄赵吴周徐孙马朱胡郭何林罗高郑梁谢宋唐"
GIVEN = "伟芳娜敏静丽强磊军洋勇艳杰娟涛明超秀霞平刚桂英华建国红梅文博立新"
TOPICS = ["党章党规", "理论武装", "党史学习", "廉政教育", "时政要闻", "业务能力"]
STATUSES = {"full": 60, "probationary": 8, "candidate": 5, "activist": 10, "masses": 17}  # weights
RULES = ["daily_login", "daily_login", "lesson_completed", "course_completed", "exam_passed", "reply_posted"]


def bench_database(fresh: bool) -> str:
    """Point DATABASE_URL at the bench's own database, creating it (again, with ``fresh``)."""
    import psycopg
    from psycopg import sql

    parts = urlsplit(os.environ.get("DATABASE_URL", ""))
    if parts.scheme not in {"postgres", "postgresql", "pgsql"}:
        raise SystemExit(
            "bench/reports.py measures PostgreSQL only; set for example\n"
            "  DATABASE_URL=postgres://school:school@127.0.0.1:5432/school_bench"
        )
    name = parts.path.lstrip("/")
    if name in ("", "school"):
        print(f"using the database school_bench, not {name or 'the default one'}: CI's is never touched here")
        name = "school_bench"
    admin = urlunsplit(parts._replace(scheme="postgresql", path="/postgres"))
    with psycopg.connect(admin, autocommit=True) as conn:
        if fresh:
            conn.execute(sql.SQL("DROP DATABASE IF EXISTS {} WITH (FORCE)").format(sql.Identifier(name)))
        if conn.execute("SELECT 1 FROM pg_database WHERE datname = %s", [name]).fetchone() is None:
            conn.execute(sql.SQL("CREATE DATABASE {}").format(sql.Identifier(name)))
    os.environ["DATABASE_URL"] = urlunsplit(parts._replace(path=f"/{name}"))
    return name


# --- the data set ---------------------------------------------------------------------------------


def text(value: Any) -> str:
    """One value in COPY's text format (generated values hold no tabs, newlines or backslashes)."""
    if value is None:
        return "\\N"
    if isinstance(value, bool):
        return "t" if value else "f"
    return str(value)


def copy(model: Any, fields: list[str], rows: Iterable[tuple]) -> None:
    """COPY ``rows`` (values of ``fields``) into ``model``'s table; other columns get their defaults."""
    from django.db import connection
    from django.utils import timezone

    given = [model._meta.get_field(name) for name in fields]
    rest = [f for f in model._meta.concrete_fields if f not in given and not f.primary_key]
    auto = lambda f: getattr(f, "auto_now", False) or getattr(f, "auto_now_add", False)  # noqa: E731
    suffix = "".join("\t" + text(timezone.now() if auto(f) else f.get_default()) for f in rest) + "\n"
    columns = ", ".join(connection.ops.quote_name(f.column) for f in given + rest)
    rows = iter(rows)
    first = next(rows, None)  # a generator's own queries run before COPY takes the connection
    with (
        connection.cursor() as cursor,
        cursor.copy(f"COPY {model._meta.db_table} ({columns}) FROM STDIN") as out,
    ):
        chunk: list[str] = []
        for row in itertools.chain([first] if first else [], rows):
            chunk.append("\t".join(map(text, row)) + suffix)
            if len(chunk) == 50_000:
                out.write("".join(chunk))
                chunk.clear()
        out.write("".join(chunk))


def make_org(members: int, rng: random.Random) -> None:
    """The tree, then members (accounts with unusable passwords) spread over its branches and groups."""
    from django.contrib.auth.hashers import make_password

    from school.models import Member, OrgUnit, User

    root = OrgUnit.add_root(name="基准测试党委", kind="committee", code="BENCH")
    units = []
    for g in range(1, 11):
        general = root.add_child(name=f"第{g:02d}党总支", kind="general_branch")
        for b in range(1, 9):
            branch = general.add_child(name=f"第{g:02d}总支第{b}党支部", kind="branch")
            units += [branch] + [
                branch.add_child(name=f"{branch.name}第{k}小组", kind="group") for k in (1, 2)
            ]
    copy(User, ["username", "password"], ((f"bench{i:05d}", make_password(None)) for i in range(members)))
    name = lambda: rng.choice(SURNAMES) + "".join(rng.choices(GIVEN, k=rng.randint(1, 2)))  # noqa: E731
    status = lambda: rng.choices(list(STATUSES), list(STATUSES.values()))[0]  # noqa: E731
    rows = (
        (user, name(), rng.choice(("male", "female")), rng.choice(units).pk, status(), rng.random() > 0.02)
        for user in User.objects.filter(username__startswith="bench")
        .order_by("pk")
        .values_list("pk", flat=True)
    )
    copy(Member, ["user", "real_name", "gender", "org_unit", "political_status", "is_active"], rows)


def make_pages(courses: int, rng: random.Random) -> None:
    """Courses and lessons by Wagtail's tree API, left out of Wagtail's own search index: its database
    backend rewrites every entry whose title is one lexeme (any Chinese title) on each save."""
    from django.db.models.signals import post_save
    from modelsearch.signal_handlers import post_save_signal_handler

    from courses.models import CourseIndexPage, CoursePage, LessonPage

    for model in (CoursePage, LessonPage):
        post_save.disconnect(post_save_signal_handler, sender=model)
    catalog = CourseIndexPage.objects.get()
    for n in range(1, courses + 1):
        course = CoursePage(title=f"{rng.choice(TOPICS)}专题第{n}课", slug=f"bench-{n}", summary="基准课程")
        course.credit_hours = Decimal(rng.randint(4, 24)) / 2
        catalog.add_child(instance=course)
        for k in range(1, LESSONS + 1):
            course.add_child(instance=LessonPage(title=f"第{k}讲", slug=f"lesson-{k}", estimated_minutes=20))


Taken = tuple[int, datetime.datetime, datetime.datetime | None]  # course, enrolled at, completed at


@dataclass
class Plan:
    """What the bulk tables derive from, the same on every run, so that a resumed build stays consistent."""

    now: datetime.datetime
    today: datetime.date
    root: int
    members: list[tuple[int, int]]  # (member pk, user pk)
    courses: list[int]
    lessons: dict[int, list[int]]
    taken: list[list[Taken]]

    def each(self) -> Iterator[tuple[int, int, list[Taken]]]:
        return ((member, user, taken) for (member, user), taken in zip(self.members, self.taken, strict=True))


def make_plan() -> Plan:
    from django.utils import timezone

    from courses.models import CoursePage, LessonPage
    from school.models import Member, OrgUnit

    rng = random.Random(f"{SEED}:plan")
    now = timezone.now().replace(minute=0, second=0, microsecond=0)
    by_path = dict(CoursePage.objects.values_list("path", "pk"))
    lessons: dict[int, list[int]] = {pk: [] for pk in by_path.values()}
    for path, pk in LessonPage.objects.order_by("path").values_list("path", "pk"):
        lessons[by_path[path[:-4]]].append(pk)
    courses = sorted(lessons)
    weights = [1 / (rank + 1) ** 0.8 for rank in range(len(courses))]  # a few courses far more popular
    members = list(Member.objects.order_by("pk").values_list("pk", "user_id"))
    taken = []
    for _member in members:
        chosen: set[int] = set()
        while len(chosen) < min(ENROLMENTS, len(courses)):
            chosen.update(rng.choices(courses, weights, k=ENROLMENTS - len(chosen)))
        enrolled = [now - rng.uniform(0, 420) * DAY for _ in chosen]
        done = [min(now, e + rng.uniform(1, 60) * DAY) if rng.random() < 0.45 else None for e in enrolled]
        taken.append(list(zip(sorted(chosen), enrolled, done, strict=True)))
    root = OrgUnit.get_first_root_node().pk
    return Plan(now, timezone.localdate(), root, members, courses, lessons, taken)


Rows = Callable[[Plan, random.Random], Iterator[tuple]]
BULK: list[tuple[str, list[str], Rows]] = []  # filled in this order


def bulk(model: str, columns: str) -> Callable[[Rows], Rows]:
    """Register a generator of rows (values of ``columns``) for the table of ``model``."""

    def register(rows: Rows) -> Rows:
        BULK.append((model, columns.split(), rows))
        return rows

    return register


@bulk("courses.Enrollment", "member course status source deadline created_at completed_at")
def enrolments(plan: Plan, rng: random.Random) -> Iterator[tuple]:
    for member, _user, taken in plan.each():
        for course, enrolled, done in taken:
            source = rng.choices(("assigned", "self", "applied"), (4, 5, 1))[0]
            status = "completed" if done else "pending" if source == "applied" else "active"
            due = (enrolled + rng.randint(30, 120) * DAY).date() if source == "assigned" else None
            yield member, course, status, source, due, enrolled, done


@bulk("courses.LessonProgress", "member lesson watched watched_seconds duration completed_at updated_at")
def progress(plan: Plan, rng: random.Random) -> Iterator[tuple]:
    length = {lesson: rng.randint(300, 1800) for lessons in plan.lessons.values() for lesson in lessons}
    for member, _user, taken in plan.each():
        for course, enrolled, done in taken:
            lessons = plan.lessons[course]
            reached = len(lessons) if done else rng.randrange(len(lessons))
            for j, lesson in enumerate(lessons):
                full = length[lesson]
                seen = full if j < reached else round(rng.uniform(0, full)) if j == reached else 0
                when = min(plan.now, enrolled + j * DAY)
                yield member, lesson, f"[[0, {seen}]]", seen, full, when if j < reached else None, when


@bulk("courses.StudyDay", "member course day seconds")
def study_days(plan: Plan, rng: random.Random) -> Iterator[tuple]:
    for member, _user, taken in plan.each():
        seen = set()
        for _ in range(30):  # more study lately than long ago
            key = (rng.choice(taken)[0], plan.today - int(rng.triangular(0, 365, 0)) * DAY)
            if key not in seen:
                seen.add(key)
                yield member, *key, rng.randint(120, 3600)


@bulk("courses.CreditHourEntry", "member kind course title hours earned_on")
def credit_hours(plan: Plan, rng: random.Random) -> Iterator[tuple]:
    from courses.models import CoursePage

    hours = dict(CoursePage.objects.values_list("pk", "credit_hours"))
    for member, _user, taken in plan.each():
        for course, _enrolled, done in taken:
            if done:
                yield member, "course", course, f"课程{course}", hours[course], done.date()
        if rng.random() < 0.5:
            yield member, "offline", None, "三会一课", Decimal("2.0"), plan.today - rng.randint(0, 400) * DAY


@bulk("courses.CourseRating", "member course score created_at")
def ratings(plan: Plan, rng: random.Random) -> Iterator[tuple]:
    for member, _user, taken in plan.each():
        for course, enrolled, done in rng.sample(taken, min(2, len(taken))):
            score = rng.choices((1, 2, 3, 4, 5), (3, 5, 15, 40, 37))[0]
            yield member, course, score, min(plan.now, (done or enrolled) + rng.uniform(0, 5) * DAY)


@bulk("exams.Attempt", "public_id exam member number started_at deadline state submitted_at score passed")
def attempts(plan: Plan, rng: random.Random) -> Iterator[tuple]:
    """Five exams of the committee; nine members in ten sat one, one sitting in twenty ran out of time."""
    from exams.models import Exam

    exams = []
    for n in range(5):
        opens = plan.now - (n * 70 + 60) * DAY
        exam = Exam(
            title=f"基准测试考试{n}", org_unit_id=plan.root, course_id=plan.courses[n], status="published"
        )
        exam.opens_at, exam.closes_at, exam.time_limit_minutes = opens, opens + 60 * DAY, 60
        exam.save()
        exams.append(exam)
    for member, _user, _taken in plan.each():
        if rng.random() < 0.9:
            exam = rng.choice(exams)
            started = exam.opens_at + rng.uniform(0, 59) * DAY
            public_id = uuid.UUID(int=rng.getrandbits(128), version=4)
            sitting = (public_id, exam.pk, member, 1, started, started + DAY / 24)
            score = rng.randint(30, 100)
            if rng.random() < 0.05:
                yield *sitting, "discarded", None, None, None
            else:
                yield *sitting, "submitted", started + rng.uniform(20, 55) * DAY / 1440, score, score >= 60


@bulk("exams.ExamResult", "exam member attempts percent passed passed_at updated_at")
def results(plan: Plan, rng: random.Random) -> Iterator[tuple]:
    from exams.models import Attempt

    sat = Attempt.objects.filter(state="submitted")
    for exam, member, score, passed, when in sat.values_list(
        "exam", "member", "score", "passed", "submitted_at"
    ):
        yield exam, member, 1, score, passed, when if passed else None, when


@bulk("school.PointEntry", "member rule object_key day points created_at")
def points(plan: Plan, rng: random.Random) -> Iterator[tuple]:
    for member, _user, _taken in plan.each():
        for back in rng.sample(range(400), 20):
            rule, day = rng.choice(RULES), plan.today - back * DAY
            key = "" if rule == "daily_login" else str(rng.randrange(1, 5000))
            yield member, rule, key, day, rng.randint(1, 5), f"{day} 12:00+08"


@bulk("community.Thread", "board author title created_at last_activity_at reply_count")
def threads(plan: Plan, rng: random.Random) -> Iterator[tuple]:
    """One thread for every other member, on the boards of the courses and of their first lessons."""
    from community.models import Board

    pages = [(c, "course") for c in plan.courses] + [(plan.lessons[c][0], "lesson") for c in plan.courses]
    boards = Board.objects.bulk_create(Board(kind=kind, title=f"讨论{pk}", page_id=pk) for pk, kind in pages)
    for n in range(len(plan.members) // 2):
        opened, replies = plan.now - rng.uniform(0, 400) * DAY, rng.randint(0, 6)
        last = min(plan.now, opened + rng.uniform(0, 20) * DAY) if replies else opened
        yield rng.choice(boards).pk, rng.choice(plan.members)[1], f"学习体会{n}", opened, last, replies


@bulk("community.Post", "thread author is_opening body created_at")
def posts(plan: Plan, rng: random.Random) -> Iterator[tuple]:
    from community.models import Thread

    for thread, author, opened, last, replies in Thread.objects.values_list(
        "pk", "author", "created_at", "last_activity_at", "reply_count"
    ):
        yield thread, author, True, "<p>交流学习体会。</p>", opened
        for n in range(replies):
            when = opened + (last - opened) * (n + 1) / replies
            yield thread, rng.choice(plan.members)[1], False, "<p>赞同。</p>", when


def build(args: argparse.Namespace) -> bool:
    """Fill every table still empty, one transaction each; True when anything was written."""
    from django.apps import apps
    from django.db import connection, transaction

    built = False

    def stage(label: str, make: Callable[[random.Random], None]) -> None:
        nonlocal built
        model = apps.get_model(label)
        if not model.objects.exists():
            started, built = time.perf_counter(), True
            with transaction.atomic():
                make(random.Random(f"{SEED}:{label}"))
            elapsed = time.perf_counter() - started
            print(f"  {label}: {model.objects.count()} rows in {elapsed:.1f} s", flush=True)

    stage("school.Member", lambda rng: make_org(args.members, rng))
    stage("courses.CoursePage", lambda rng: make_pages(args.courses, rng))
    plan = make_plan()
    for label, fields, rows in BULK:
        model = apps.get_model(label)
        stage(label, lambda rng, model=model, fields=fields, rows=rows: copy(model, fields, rows(plan, rng)))
    if built:
        with connection.cursor() as cursor:
            cursor.execute("VACUUM ANALYZE")
    return built


# --- measuring ------------------------------------------------------------------------------------


class Timing(NamedTuple):
    scope: str
    what: str
    median: float
    worst: float
    queries: int
    slowest: float  # seconds: the slowest statement of the counted run


def timed(scope: str, what: str, work: Callable[[], object], repeat: int) -> Timing:
    """A warm-up run, ``repeat`` timed runs, then one more whose queries are counted."""
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    runs = []
    for _ in range(repeat + 1):
        started = time.perf_counter()
        work()
        runs.append(time.perf_counter() - started)
    with CaptureQueriesContext(connection) as captured:
        work()
    slowest = max(float(query["time"]) for query in captured.captured_queries)
    return Timing(scope, what, statistics.median(runs[1:]), max(runs[1:]), len(captured), slowest)


def measure(repeat: int) -> list[Timing]:
    from django.core.paginator import Paginator
    from django.db.models import Sum
    from django.utils import timezone

    from courses.models import LessonProgress
    from school.models import Member, OrgUnit
    from school.reports import figures
    from school.reports.period import Period
    from school.reports.scope import ReportScope
    from school.reports.table import member_rows, table_filters

    today = timezone.localdate()
    period = Period(datetime.date(today.year, 1, 1), today, "year")
    branch = OrgUnit.objects.filter(kind=OrgUnit.Kind.BRANCH).order_by("path").first()
    print(f"period: this year, {period.start} to {today}; branch: {branch}; median and max of {repeat} runs")
    timings = []
    for label, scope in [
        ("committee", ReportScope(roots=(), everything=True)),
        ("branch", ReportScope((branch,))),
    ]:

        def baseline(scope: ReportScope = scope) -> object:
            watched = LessonProgress.objects.filter(scope.member_q()).aggregate(Sum("watched_seconds"))
            return Member.objects.filter(scope.path_q("org_unit__path")).count(), watched

        def dashboard(scope: ReportScope = scope) -> object:
            return figures.dashboard(scope, period, today)  # popular courses included

        def first_page(params: dict[str, str], scope: ReportScope = scope) -> object:
            rows = member_rows(scope, table_filters(params, scope, today), today)
            page = Paginator(rows, PER_PAGE).get_page(1)
            cells = [(m.org_unit.name, *(getattr(m, a) for a in rows.query.annotations)) for m in page]
            return page.paginator.count, cells

        label = f"{label} ({scope.members().count()})"
        timings += [
            timed(label, "baseline: members + Σ watched", baseline, repeat),
            timed(label, "dashboard + popular courses", dashboard, repeat),
            timed(label, "table page 1, default sort", lambda: first_page({}), repeat),
            timed(label, "table page 1, sort=-hours", lambda: first_page({"sort": "-hours"}), repeat),
        ]
    return timings


def report(timings: list[Timing]) -> None:
    ms = lambda seconds: f"{seconds * 1000:.0f}"  # noqa: E731
    print(f"\n{'scope (active members)':<24}{'what':<31}{'median ms':>10}{'max ms':>8}{'queries':>8}", end="")
    print(f"{'slowest SQL ms':>16}{'× baseline':>12}   under 1 s")
    for t in timings:
        if t.what.startswith("baseline"):
            baseline, verdict = t.median, "-"
        else:
            verdict = "yes" if t.median < TARGET else "NO"
        print(f"{t.scope:<24}{t.what:<31}{ms(t.median):>10}{ms(t.worst):>8}{t.queries:>8}", end="")
        print(f"{ms(t.slowest):>16}{t.median / baseline:>11.1f}×   {verdict}")


def describe(name: str) -> None:
    from django.apps import apps
    from django.db import connection

    labels = ["school.OrgUnit", "school.Member", "courses.CoursePage", "courses.LessonPage"]
    counts = [f"{apps.get_model(label).objects.count()} {label}" for label in labels + [b[0] for b in BULK]]
    print("data set: " + ", ".join(counts))
    with connection.cursor() as cursor:
        names = ["server_version", "shared_buffers", "work_mem", "effective_cache_size"]
        cursor.execute("SELECT " + ", ".join(f"current_setting('{n}')" for n in names))
        settings = ", ".join(f"{n} {v}" for n, v in zip(names, cursor.fetchone(), strict=True))
    print(f"PostgreSQL database {name}: {settings}")


def main() -> int:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--fresh", action="store_true", help="drop the bench database and build it again")
    parser.add_argument("--members", type=int, default=20_000)
    parser.add_argument("--courses", type=int, default=200)
    parser.add_argument("--repeat", type=int, default=5)
    args = parser.parse_args()
    try:
        name = bench_database(args.fresh)
        import django

        django.setup()
        logging.disable(logging.INFO)  # Wagtail logs every page created, django-tasks every task
        logging.getLogger("kombu.connection").setLevel(logging.ERROR)  # "no hostname" for memory://
        from django.core.management import call_command

        call_command("migrate", verbosity=0)
        print(f"building the data set in {name} (tables already filled are kept):", flush=True)
        started = time.perf_counter()
        if build(args):
            print(f"generated in {time.perf_counter() - started:.1f} s")
        else:
            print(f"reused the data set already in {name} (--fresh builds it again)")
        describe(name)
        report(measure(args.repeat))
        return 0
    finally:
        if OWN_VAR_DIR:
            shutil.rmtree(os.environ["VAR_DIR"], ignore_errors=True)


if __name__ == "__main__":
    sys.exit(main())
