"""Domain errors of the courses app; views turn them into a Chinese message and a 4xx."""

from __future__ import annotations


class EnrollmentRefused(Exception):
    """The member may not enrol in (or study) this course now; ``message`` says why, translated."""

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message


class HeartbeatRefused(Exception):
    """A heartbeat that changes nothing: malformed, stale, too fast, or not this member's.

    ``code`` is stable for the player's script; ``status`` is the HTTP status the view answers with.
    """

    def __init__(self, code: str, message: str, *, status: int = 400) -> None:
        super().__init__(message)
        self.code = code
        self.message = message
        self.status = status
