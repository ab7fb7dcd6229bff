"""Errors of the media pipeline that are not about the upload itself (those are ``probe.InvalidVideo``)."""

from __future__ import annotations


class TranscodeFailed(Exception):
    """ffmpeg could not turn an accepted video into a playable ladder.

    ``message`` is for the uploader (translated); ``detail`` is ffmpeg's own words for admins.
    ``temporary`` is true when running again may succeed (the process was killed from outside,
    e.g. by the out-of-memory killer), so a task can decide whether to retry.
    """

    def __init__(self, message: str, *, detail: str = "", temporary: bool = False) -> None:
        super().__init__(message)
        self.message = message
        self.detail = detail
        self.temporary = temporary


class VideoBusy(Exception):
    """The video is being transcoded, or waits for it: another attempt now would only compete."""

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message
