"""What members type becomes safe HTML: plain text with paragraphs, links, quotes and @mentions.

Members write plain text. Markup is not interpreted (a typed ``<b>`` shows as written), but text
that tries scripts, frames or script links is refused outright with a message rather than quietly
cleaned, so nobody is surprised by what got stored. The HTML we build goes through nh3 as well.
"""

from __future__ import annotations

import html
import re
from dataclasses import dataclass

import nh3
from django.utils.translation import gettext as _

from community.exceptions import InvalidPost
from search.text import normalise

MAX_TITLE_CHARS = 80
MAX_BODY_CHARS = 10_000
MAX_MENTIONS = 10

DANGEROUS = re.compile(
    r"<\s*/?\s*(script|iframe|frame|object|embed|style|link|meta|svg|form)\b"
    r"|\b(javascript|vbscript)\s*:"
    r"|\bdata\s*:\s*text/html"
    r"|<[^>]*\son\w+\s*=",
    re.IGNORECASE,
)
URL = re.compile(r"https?://[^\s<>\"'\u3000-\u303f\uff00-\uffef]+", re.IGNORECASE)
MENTION = re.compile(r"@([\w\u3400-\u9fff·]{1,20})")
CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")


@dataclass(frozen=True)
class Body:
    html: str
    text: str  # the cleaned plain text, for search, notifications and sensitive words


def clean_title(raw: str, *, empty: str = "") -> str:
    """A title of one line; ``empty`` is the message when there is none (a thread's by default)."""
    title = CONTROL.sub("", raw or "").strip()
    if not title:
        raise InvalidPost(empty or _("Please give the thread a title."))
    if len(title) > MAX_TITLE_CHARS:
        raise InvalidPost(_("The title is too long: at most %(max)d characters.") % {"max": MAX_TITLE_CHARS})
    _refuse_dangerous(title)
    return title


def clean_line(raw: str, *, empty: str | None, max_chars: int, too_long: str) -> str:
    """One line of plain text: control characters and runs of spaces dropped, scripts refused,
    length checked. ``empty`` is the message for a required line left empty (None: it may be);
    ``too_long`` a message with ``%(max)d``."""
    text = " ".join(CONTROL.sub("", raw or "").split())
    if not text:
        if empty is not None:
            raise InvalidPost(empty)
        return ""
    _refuse_dangerous(text)
    if len(text) > max_chars:
        raise InvalidPost(too_long % {"max": max_chars})
    return text


def clean_body(raw: str, *, mentions: dict[str, str] | None = None) -> Body:
    """Plain text → HTML. ``mentions`` maps mentioned names to the names shown (resolved by the caller)."""
    text = CONTROL.sub("", (raw or "").replace("\r\n", "\n").replace("\r", "\n")).strip()
    if not text:
        raise InvalidPost(_("Please write something before posting."))
    if len(text) > MAX_BODY_CHARS:
        raise InvalidPost(
            _("The text is too long: %(count)d characters, at most %(max)d.")
            % {"count": len(text), "max": MAX_BODY_CHARS}
        )
    _refuse_dangerous(text)
    paragraphs = [block for block in re.split(r"\n\s*\n", text) if block.strip()]
    return Body(html=nh3_clean("".join(_paragraph(block, mentions or {}) for block in paragraphs)), text=text)


def _refuse_dangerous(text: str) -> None:
    if DANGEROUS.search(text):
        raise InvalidPost(
            _(
                "Posts cannot contain scripts, frames, styles or javascript: links. "
                "Please remove them and try again."
            )
        )


def _paragraph(block: str, mentions: dict[str, str]) -> str:
    lines = block.split("\n")
    if all(line.startswith(">") for line in lines):
        inner = "<br>".join(_inline(line[1:].strip(), mentions) for line in lines)
        return f"<blockquote><p>{inner}</p></blockquote>"
    return "<p>" + "<br>".join(_inline(line, mentions) for line in lines) + "</p>"


def _inline(line: str, mentions: dict[str, str]) -> str:
    """Escape a line, then link its URLs and embolden its resolved @mentions."""
    pieces = []
    position = 0
    for match in URL.finditer(line):
        pieces.append(_mentions(html.escape(line[position : match.start()]), mentions))
        url = match.group(0).rstrip(".,;:!?)")
        tail = match.group(0)[len(url) :]
        pieces.append(f'<a href="{html.escape(url)}">{html.escape(url)}</a>{html.escape(tail)}')
        position = match.end()
    pieces.append(_mentions(html.escape(line[position:]), mentions))
    return "".join(pieces)


def _mentions(escaped: str, mentions: dict[str, str]) -> str:
    if not mentions:
        return escaped
    names = sorted(mentions, key=len, reverse=True)
    pattern = re.compile("@(" + "|".join(re.escape(html.escape(name)) for name in names) + ")")
    return pattern.sub(lambda m: f"<strong>@{m.group(1)}</strong>", escaped)


def nh3_clean(value: str) -> str:
    return nh3.clean(
        value,
        tags={"p", "br", "a", "blockquote", "strong"},
        attributes={"a": {"href"}},
        url_schemes={"http", "https"},
        link_rel="noopener noreferrer nofollow ugc",
        strip_comments=True,
    )


def mention_candidates(text: str) -> list[str]:
    """What follows each @ (up to 20 characters); a mentioned name is the longest prefix of one
    that names a member, since Chinese names run into the next word (@张三你好)."""
    return [match.group(1) for match in MENTION.finditer(text)][:MAX_MENTIONS]


def prefixes(candidate: str) -> list[str]:
    return [candidate[:end] for end in range(2, len(candidate) + 1)]


def sensitive_hits(text: str, words: list[tuple[str, str]]) -> tuple[list[str], list[str]]:
    """(blocking words found, review words found) in ``text``, matched after normalisation so that
    traditional characters, full-width letters and case do not slip past the list."""
    normalised = normalise(re.sub(r"\s+", "", text))
    blocked, review = [], []
    for word, action in words:
        if normalise(re.sub(r"\s+", "", word)) in normalised:
            (blocked if action == "block" else review).append(word)
    return blocked, review


def text_of(body_html: str) -> str:
    """The text a stored body was written as: paragraphs apart by a blank line, quotes with ">".

    The edit form starts from it, and search and mentions read it."""
    blocks = []
    for quoted, plain in BLOCKS.findall(body_html):
        lines = _plain(quoted or plain).split("\n")
        blocks.append("\n".join(f"> {line}" for line in lines) if quoted else "\n".join(lines))
    return "\n\n".join(blocks) if blocks else _plain(body_html)


BLOCKS = re.compile(r"<blockquote><p>(.*?)</p></blockquote>|<p>(.*?)</p>", re.DOTALL)


def _plain(fragment: str) -> str:
    return html.unescape(nh3.clean(fragment.replace("<br>", "\n"), tags=set())).strip()
