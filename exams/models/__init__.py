from exams.models.attempts import AnswerLogEntry, Attempt, AttemptAnswer, ExamResult
from exams.models.bank import (
    OBJECTIVE_KINDS,
    Difficulty,
    ImmutableRowError,
    PartialCredit,
    Question,
    QuestionCategory,
    QuestionKind,
    QuestionVersion,
)
from exams.models.certificates import Certificate, SigningKey
from exams.models.exams import Exam, ExamSlot
from exams.models.imports import QuestionImport

__all__ = [
    "OBJECTIVE_KINDS",
    "AnswerLogEntry",
    "Attempt",
    "AttemptAnswer",
    "Certificate",
    "Difficulty",
    "Exam",
    "ExamResult",
    "ExamSlot",
    "ImmutableRowError",
    "PartialCredit",
    "Question",
    "QuestionCategory",
    "QuestionImport",
    "QuestionKind",
    "QuestionVersion",
    "SigningKey",
]
