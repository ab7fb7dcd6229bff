"""Highlighted titles and snippets, placed on the text as written (see ``search.text.normalise``)."""

from __future__ import annotations

from html import escape  # Django's escape, without its lazy-string wrapper (a hot path)

from search.text import normalise

SNIPPET_CHARS = 120
LEAD_CHARS = 30  # context kept before the first match


def _spans(normalised: str, marks: list[str]) -> list[tuple[int, int]]:
    """Non-overlapping (start, end) of every mark, longest marks first at each position."""
    found: list[tuple[int, int]] = []
    for mark in marks:
        start = normalised.find(mark)
        while start != -1:
            found.append((start, start + len(mark)))
            start = normalised.find(mark, start + len(mark))
    found.sort(key=lambda span: (span[0], -span[1]))
    merged: list[tuple[int, int]] = []
    for start, end in found:
        if merged and start < merged[-1][1]:
            if end > merged[-1][1]:
                merged[-1] = (merged[-1][0], end)
            continue
        merged.append((start, end))
    return merged


def _render(text: str, spans: list[tuple[int, int]], start: int, end: int) -> str:
    out: list[str] = []
    cursor = start
    for span_start, span_end in spans:
        if span_end <= start or span_start >= end:
            continue
        span_start, span_end = max(span_start, start), min(span_end, end)
        out.append(escape(text[cursor:span_start]))
        out.append(f"<mark>{escape(text[span_start:span_end])}</mark>")
        cursor = span_end
    out.append(escape(text[cursor:end]))
    return "".join(out)


def highlight(text: str, marks: list[str]) -> str:
    """All of ``text``, escaped, with every mark in <mark>."""
    return _render(text, _spans(normalise(text), marks), 0, len(text))


def snippet(text: str, marks: list[str], *, length: int = SNIPPET_CHARS, fallback: str = "") -> str:
    """The passage of ``text`` around the most marks, escaped and highlighted.

    Without a match in ``text``: ``fallback`` (a summary) if given, else the start of ``text``.
    """
    text = " ".join(text.split())
    spans = _spans(normalise(text), marks) if text else []
    if not spans:
        source = " ".join((fallback or text).split())
        cut = source[:length]
        return _render(cut, _spans(normalise(cut), marks), 0, len(cut)) + (
            "…" if len(source) > length else ""
        )
    start = _best_window(spans, length)
    start = max(0, start - LEAD_CHARS)
    end = min(len(text), start + length)
    html = _render(text, spans, start, end)
    return ("…" if start > 0 else "") + html + ("…" if end < len(text) else "")


def _best_window(spans: list[tuple[int, int]], length: int) -> int:
    """Start of the match that begins the window holding the most matches."""
    best_start, best_count, right = spans[0][0], 0, 0
    for left, (start, _end) in enumerate(spans):
        right = max(right, left)
        while right + 1 < len(spans) and spans[right + 1][1] <= start + length - LEAD_CHARS:
            right += 1
        if right - left + 1 > best_count:
            best_start, best_count = start, right - left + 1
    return best_start
