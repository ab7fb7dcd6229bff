"""What can go wrong in the exam engine, as exceptions views turn into a Chinese message and a 4xx."""

from __future__ import annotations


class ExamError(Exception):
    """Base: ``message`` is already translated for the person acting; ``status`` is the HTTP status."""

    status = 400
    code = "invalid"

    def __init__(self, message: str, *, code: str | None = None) -> None:
        super().__init__(message)
        self.message = message
        if code:
            self.code = code


class InvalidQuestion(ExamError):
    def __init__(self, messages: list[str]) -> None:
        super().__init__("；".join(messages), code="invalid_question")
        self.messages = messages


class NotAllowed(ExamError):
    status = 403
    code = "not_allowed"


class ExamClosed(ExamError):
    status = 403
    code = "closed"


class NoAttemptsLeft(ExamError):
    status = 403
    code = "no_attempts_left"


class NotEligible(ExamError):
    status = 403
    code = "not_eligible"


class AttemptFinished(ExamError):
    status = 409
    code = "finished"


class StaleWrite(ExamError):
    """An older sequence number, or a window that is no longer the attempt's current one."""

    status = 409
    code = "stale"


class DeadlinePassed(ExamError):
    status = 409
    code = "deadline"


class BadAnswer(ExamError):
    status = 400
    code = "bad_answer"


class CertificateError(ExamError):
    """A certificate cannot be issued or revoked as asked (no reason given, already revoked)."""

    status = 400
    code = "certificate"
