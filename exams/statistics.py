"""Per-exam statistics for the people who run an exam: who passed where, and which questions work.

Choices, and why:
- The score distribution and the pass rate per unit read members' results (``ExamResult``: one
  standing per member under the exam's grading method), because that is what organizers report.
- Per-unit rows group members by the unit one level below the exam's organising unit (the 总支
  under a 党委 exam, the 支部 under a 总支 exam): a per-member-unit table of a large committee
  would have hundreds of rows of one or two members. Members sitting directly in the organising
  unit are counted under it; members since moved out of its subtree under "other units".
- Item analysis reads every graded, submitted attempt (one observation per attempt, like
  Moodle's "all attempts"). The facility index is the mean fraction of the marks scored. The
  discrimination index is Moodle's: the Pearson correlation, over attempts, between the fraction
  scored on the question and the fraction scored on the rest of the attempt (the attempt's score
  without this question, over its maximum without this question). It runs from -1 to 1: above
  0.3 the question separates stronger from weaker candidates; near 0 or negative it deserves a
  look. It is undefined (None) with fewer than two attempts or when either side does not vary.
  Rows exist per question version (what members actually saw) and per question (pooled).
- Scope: an organizer counts only members of the subtrees they manage, even in an exam they
  manage; system administrators and instructors without managed units count everyone.

Everything is a few aggregate queries plus one pass over the exam's answer rows (values_list).
"""

from __future__ import annotations

import statistics
from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from django.db.models import Avg, Count, Q, QuerySet
from django.utils.translation import gettext as _

from exams.models import Attempt, AttemptAnswer, Exam, ExamResult, QuestionKind, QuestionVersion
from exams.permissions import member_scope
from school.models import OrgUnit

BINS = 10
MOST_MISSED = 10


def exam_results(exam: Exam, *, user: Any) -> QuerySet[ExamResult]:
    """Members' standings in ``exam`` that ``user`` may see, with their unit, in org-tree order."""
    return (
        exam.results.filter(member_scope(user), attempts__gt=0)
        .select_related("member__org_unit")
        .order_by("member__org_unit__path", "member__real_name", "pk")
    )


# --- summary and distribution --------------------------------------------------------------------


@dataclass(frozen=True)
class Summary:
    members: int  # who submitted at least once
    graded: int  # of them, those with a score (the rest wait for an essay to be graded)
    passed: int
    mean_percent: Decimal | None
    graded_attempts: int
    waiting_attempts: int

    @property
    def pass_rate(self) -> float | None:
        return self.passed / self.graded if self.graded else None


@dataclass(frozen=True)
class Bin:
    low: int
    high: int
    count: int
    share: float

    @property
    def label(self) -> str:
        return f"{self.low}–{self.high}"


def _summary(exam: Exam, scope: Q) -> Summary:
    results = exam.results.filter(scope, attempts__gt=0).aggregate(
        members=Count("pk"),
        graded=Count("percent"),
        passed=Count("pk", filter=Q(passed=True)),
        mean=Avg("percent"),
    )
    attempts = exam.attempts.filter(scope, state=Attempt.State.SUBMITTED).aggregate(
        graded=Count("pk", filter=Q(needs_grading=False)), waiting=Count("pk", filter=Q(needs_grading=True))
    )
    mean = results["mean"]
    return Summary(
        members=results["members"],
        graded=results["graded"],
        passed=results["passed"],
        mean_percent=Decimal(mean).quantize(Decimal("0.1")) if mean is not None else None,
        graded_attempts=attempts["graded"],
        waiting_attempts=attempts["waiting"],
    )


def score_distribution(percents: Iterable[Decimal]) -> list[Bin]:
    """Ten bins of 10 percentage points; the last one includes 100."""
    counts = [0] * BINS
    for percent in percents:
        counts[min(max(int(percent // 10), 0), BINS - 1)] += 1
    total = sum(counts)
    return [
        Bin(low=i * 10, high=(i + 1) * 10, count=count, share=count / total if total else 0.0)
        for i, count in enumerate(counts)
    ]


# --- pass rate per unit --------------------------------------------------------------------------


@dataclass(frozen=True)
class UnitRow:
    name: str
    members: int
    graded: int
    passed: int
    mean_percent: Decimal | None

    @property
    def pass_rate(self) -> float | None:
        return self.passed / self.graded if self.graded else None


def _unit_key(exam_unit: OrgUnit, path: str) -> str | None:
    if not path.startswith(exam_unit.path):
        return None
    return path[: min(len(path), len(exam_unit.path) + OrgUnit.steplen)]


def _unit_rows(exam: Exam, scope: Q) -> list[UnitRow]:
    rows = exam.results.filter(scope, attempts__gt=0).values_list(
        "member__org_unit__path", "passed", "percent"
    )
    groups: dict[str | None, list[tuple[bool, Decimal | None]]] = defaultdict(list)
    for path, passed, percent in rows:
        groups[_unit_key(exam.org_unit, path)].append((passed, percent))
    names = dict(OrgUnit.objects.filter(path__in=[k for k in groups if k]).values_list("path", "name"))
    result = []
    for key in sorted(groups, key=lambda k: (k is None, k or "")):
        members = groups[key]
        percents = [p for _passed, p in members if p is not None]
        result.append(
            UnitRow(
                name=names.get(key, "") if key else _("Other units"),
                members=len(members),
                graded=len(percents),
                passed=sum(1 for passed, _p in members if passed),
                mean_percent=(sum(percents) / len(percents)).quantize(Decimal("0.1")) if percents else None,
            )
        )
    return result


# --- item analysis -------------------------------------------------------------------------------


@dataclass(frozen=True)
class Observation:
    """One question in one graded attempt: the fraction scored on it and on the rest of the attempt."""

    version_id: int
    mark: float
    full: float
    rest: float | None  # None when the attempt had nothing else

    @property
    def fraction(self) -> float:
        return self.mark / self.full if self.full else 0.0


def facility_index(observations: list[Observation]) -> float | None:
    """The mean fraction of the marks scored (0: nobody scored, 1: everybody scored in full)."""
    return statistics.fmean(o.fraction for o in observations) if observations else None


def discrimination_index(observations: list[Observation]) -> float | None:
    """Pearson r between the question's fraction and the rest-of-attempt fraction (Moodle's index)."""
    pairs = [(o.fraction, o.rest) for o in observations if o.rest is not None]
    if len(pairs) < 2:
        return None
    try:
        return statistics.correlation([x for x, _y in pairs], [y for _x, y in pairs])
    except statistics.StatisticsError:  # one side does not vary
        return None


@dataclass(frozen=True)
class ItemRow:
    question_id: int
    version_id: int | None  # None on a pooled per-question row
    version_numbers: tuple[int, ...]
    kind: str
    summary: str
    count: int
    mean_mark: float
    mean_full: float
    facility: float | None
    discrimination: float | None

    @property
    def kind_label(self) -> str:
        return QuestionKind(self.kind).label if self.kind in QuestionKind.values else self.kind

    @property
    def versions_label(self) -> str:
        return ", ".join(f"v{n}" for n in self.version_numbers)


def exam_observations(attempts: QuerySet[Attempt]) -> list[Observation]:
    """One pass over the answer rows of graded ``attempts``: two queries whatever their number."""
    graded = attempts.filter(state=Attempt.State.SUBMITTED, needs_grading=False, max_score__gt=0)
    heads = {
        pk: (layout, score, max_score)
        for pk, layout, score, max_score in graded.values_list("pk", "layout", "score", "max_score")
    }
    answers = AttemptAnswer.objects.filter(attempt__in=graded, mark__isnull=False)
    observations = []
    for attempt_id, position, mark in answers.values_list("attempt_id", "position", "mark"):
        layout, score, max_score = heads.get(attempt_id, (None, None, None))
        if layout is None or score is None or position >= len(layout):
            continue
        full = Decimal(layout[position]["mark"])
        rest_max = max_score - full
        rest = float((score - mark) / rest_max) if rest_max > 0 else None
        observations.append(Observation(layout[position]["version"], float(mark), float(full), rest))
    return observations


def _item_row(
    question_id: int, versions: list[QuestionVersion], observations: list[Observation], *, pooled: bool
) -> ItemRow:
    latest = max(versions, key=lambda v: v.number)
    return ItemRow(
        question_id=question_id,
        version_id=None if pooled else latest.pk,
        version_numbers=tuple(sorted(v.number for v in versions)),
        kind=latest.kind,
        summary=latest.summary,
        count=len(observations),
        mean_mark=statistics.fmean(o.mark for o in observations),
        mean_full=statistics.fmean(o.full for o in observations),
        facility=facility_index(observations),
        discrimination=discrimination_index(observations),
    )


def item_analysis(observations: list[Observation]) -> tuple[list[ItemRow], list[ItemRow]]:
    """(per version rows, per question rows), both in question order then version order."""
    by_version: dict[int, list[Observation]] = defaultdict(list)
    for observation in observations:
        by_version[observation.version_id].append(observation)
    fields = ("id", "question_id", "number", "kind", "stem", "title")
    versions = QuestionVersion.objects.only(*fields).order_by().in_bulk(list(by_version))
    by_question: dict[int, list[QuestionVersion]] = defaultdict(list)
    for version in sorted(versions.values(), key=lambda v: (v.question_id, v.number)):
        by_question[version.question_id].append(version)
    version_rows, question_rows = [], []
    for question_id, question_versions in by_question.items():
        pooled = [o for v in question_versions for o in by_version[v.pk]]
        version_rows += [
            _item_row(question_id, [v], by_version[v.pk], pooled=False) for v in question_versions
        ]
        question_rows.append(_item_row(question_id, question_versions, pooled, pooled=True))
    return version_rows, question_rows


def most_missed(question_rows: list[ItemRow], limit: int = MOST_MISSED) -> list[ItemRow]:
    rated = [row for row in question_rows if row.facility is not None]
    return sorted(rated, key=lambda row: (row.facility, row.question_id))[:limit]


# --- all of it ------------------------------------------------------------------------------------


@dataclass(frozen=True)
class ExamStatistics:
    summary: Summary
    distribution: list[Bin]
    units: list[UnitRow]
    versions: list[ItemRow]
    questions: list[ItemRow]
    most_missed: list[ItemRow]

    @property
    def is_empty(self) -> bool:
        return not self.summary.members and not self.versions


def exam_statistics(exam: Exam, *, user: Any) -> ExamStatistics:
    scope = member_scope(user)
    percents = exam.results.filter(scope, attempts__gt=0, percent__isnull=False).values_list(
        "percent", flat=True
    )
    versions, questions = item_analysis(exam_observations(exam.attempts.filter(scope)))
    return ExamStatistics(
        summary=_summary(exam, scope),
        distribution=score_distribution(percents),
        units=_unit_rows(exam, scope),
        versions=versions,
        questions=questions,
        most_missed=most_missed(questions),
    )
