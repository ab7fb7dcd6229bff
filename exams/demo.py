"""Demo question bank and exams for `manage.py load_demo`: a course test and a standalone graduation exam.

Idempotent: an existing exam of the same title is left alone. The questions are written for the demo.
"""

from __future__ import annotations

import datetime
from decimal import Decimal
from typing import Any

from django.utils import timezone

from courses.models import CoursePage
from exams.models import Exam, ExamSlot, Question, QuestionCategory, QuestionKind
from exams.services.bank import QuestionContent, question_create
from school.models import OrgUnit


def _choice(stem: str, options: list[str], correct: set[int], kind: str = QuestionKind.SINGLE, **extra: Any):
    options_data = [
        {"text": text, "fraction": 1.0 if i in correct else 0.0} for i, text in enumerate(options)
    ]
    return QuestionContent(kind=kind, stem=stem, options=options_data, **extra)


QUESTIONS: dict[str, list[QuestionContent]] = {
    "党章总纲": [
        _choice(
            "党章规定，中国共产党的最高理想和最终目标是（　）。",
            ["实现共产主义", "全面建成小康社会", "实现社会主义现代化", "消除贫困"],
            {0},
            explanation="见党章总纲第一自然段。",
            difficulty=1,
        ),
        _choice(
            "党的思想路线包括以下哪些内容？",
            ["一切从实际出发", "理论联系实际", "实事求是", "照搬照抄"],
            {0, 1, 2},
            kind=QuestionKind.MULTIPLE,
            partial_credit="proportional",
            mark=Decimal("2"),
            difficulty=2,
        ),
        QuestionContent(
            kind=QuestionKind.TRUEFALSE,
            stem="民主集中制是党的根本组织原则。",
            answer={"correct": True},
            difficulty=1,
        ),
    ],
    "党员义务和权利": [
        _choice(
            "预备党员的预备期为（　）。",
            ["半年", "一年", "两年", "三年"],
            {1},
            explanation="党章第七条：预备期为一年。",
            difficulty=1,
        ),
        QuestionContent(
            kind=QuestionKind.TRUEFALSE,
            stem="党员有权在党的会议上和党报党刊上参加关于党的政策问题的讨论。",
            answer={"correct": True},
        ),
        QuestionContent(
            kind=QuestionKind.FILL,
            stem="党员必须全心全意为人民服务，不惜牺牲个人的一切，为实现____而奋斗终身。",
            answer={"blanks": [[{"text": "共产主义", "fraction": 1.0}]]},
            mark=Decimal("2"),
            difficulty=2,
        ),
        QuestionContent(
            kind=QuestionKind.ESSAY,
            stem="结合本职工作，谈谈如何在日常工作中履行党员义务（300字以内）。",
            rubric="联系本职工作具体事例 4 分；对党员义务理解准确 4 分；表达清楚 2 分。",
            mark=Decimal("10"),
        ),
    ],
}


def _bank() -> dict[str, list[Question]]:
    root = QuestionCategory.get_root_nodes().filter(name="党章党规").first() or QuestionCategory.add_root(
        name="党章党规"
    )
    created: dict[str, list[Question]] = {}
    for name, contents in QUESTIONS.items():
        root = QuestionCategory.objects.get(pk=root.pk)
        category = root.get_children().filter(name=name).first() or root.add_child(name=name)
        existing = list(category.questions.all())
        created[name] = existing or [question_create(category=category, content=c) for c in contents]
    return created


def _exam(title: str, questions: list[Question], **fields: Any) -> Exam:
    exam = Exam.objects.create(title=title, **fields)
    ExamSlot.objects.bulk_create(
        ExamSlot(exam=exam, sort_order=i, question=q) for i, q in enumerate(questions)
    )
    return exam


def exams_demo_load(*, instructor: Any, committee: OrgUnit | None) -> int:
    """Create the demo exams once; returns how many were created."""
    if committee is None:
        return 0
    bank = _bank()
    everything = [q for questions in bank.values() for q in questions]
    now = timezone.now()
    created = 0
    common = {"org_unit": committee, "created_by": instructor, "status": Exam.Status.PUBLISHED}
    if not Exam.objects.filter(title="2026年入党积极分子培训班结业考试").exists():
        _exam(
            "2026年入党积极分子培训班结业考试",
            everything,
            class_name="2026年入党积极分子培训班",
            description="共 7 题，满分 20 分，60% 及格。简答题由讲师阅卷后给出成绩；通过后颁发结业证书。",
            opens_at=now - datetime.timedelta(hours=1),
            closes_at=now + datetime.timedelta(days=30),
            time_limit_minutes=30,
            attempts_allowed=2,
            is_graduation=True,
            certificate_hours=Decimal("8"),
            review_answers=Exam.Review.IMMEDIATELY,
            review_explanations=Exam.Review.IMMEDIATELY,
            review_correctness=Exam.Review.IMMEDIATELY,
            **common,
        )
        created += 1
    course = CoursePage.objects.live().filter(title="学习党章 争做合格党员").first()
    if course is not None and not Exam.objects.filter(course=course).exists():
        _exam(
            "《学习党章 争做合格党员》课程测验",
            bank["党章总纲"] + bank["党员义务和权利"][:2],
            course=course,
            description="学完本课程全部课节后可参加；可多次作答，取最高分。",
            opens_at=now - datetime.timedelta(hours=1),
            closes_at=now + datetime.timedelta(days=60),
            time_limit_minutes=15,
            attempts_allowed=0,
            require_lessons_complete=True,
            **common,
        )
        created += 1
    return created
