"""Untrusted HTML made safe to show: the tags people write with, no scripts, no styles, safe links.

Used for anything members or imported files write (question stems, options, explanations;
community posts later). Wagtail's own rich text fields are whitelisted by Wagtail.
"""

from __future__ import annotations

import nh3

TAGS = {
    "p", "br", "strong", "b", "em", "i", "u", "s", "sub", "sup", "span", "div",
    "ul", "ol", "li", "blockquote", "pre", "code", "h3", "h4",
    "table", "thead", "tbody", "tr", "th", "td", "a", "img",
}  # fmt: skip
ATTRIBUTES = {"a": {"href", "title"}, "img": {"src", "alt", "width", "height"}, "td": {"colspan", "rowspan"}}
URL_SCHEMES = {"http", "https", "mailto"}


def sanitize(value: str) -> str:
    """Keep harmless formatting; drop scripts, event handlers, styles, iframes and javascript: links."""
    return nh3.clean(
        value or "",
        tags=TAGS,
        attributes=ATTRIBUTES,
        url_schemes=URL_SCHEMES,
        link_rel="noopener noreferrer nofollow",
        strip_comments=True,
    ).strip()
