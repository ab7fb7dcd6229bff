from __future__ import annotations


class CommunityError(Exception):
    """A refusal the member should read: the message is already translated."""

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message


class InvalidPost(CommunityError):
    """The text or title cannot be posted as it is (too long, empty, scripts, a blocked word)."""


class NotAllowed(CommunityError):
    """The thread is locked, the board is closed, or the action is not the user's to take."""
