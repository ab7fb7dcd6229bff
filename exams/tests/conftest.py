"""An instructor, a small question bank with one question of every type, and an exam over it."""

from __future__ import annotations

from dataclasses import dataclass

import pytest

from exams.models import Exam, Question, QuestionCategory
from exams.tests import factories
from school.roles import Role
from school.tests.factories import MemberFactory


@dataclass
class Bank:
    category: QuestionCategory
    single: Question
    multiple: Question
    truefalse: Question
    fill: Question
    essay: Question

    @property
    def objective(self) -> list[Question]:
        return [self.single, self.multiple, self.truefalse, self.fill]


@pytest.fixture
def instructor(org_tree):
    return MemberFactory(user__roles=[Role.INSTRUCTOR], org_unit=org_tree.committee, real_name="王讲师").user


@pytest.fixture
def bank(db) -> Bank:
    category = factories.category()
    return Bank(
        category=category,
        single=factories.single_choice(category),
        multiple=factories.multiple_choice(category),
        truefalse=factories.true_false(category),
        fill=factories.fill_in(category),
        essay=factories.essay(category),
    )


@pytest.fixture
def objective_exam(org_tree, bank, instructor) -> Exam:
    """单选, 多选, 判断, 填空 at 1 mark each, in that order, open now for the whole committee."""
    return factories.exam(org_tree.committee, questions=bank.objective, created_by=instructor)
