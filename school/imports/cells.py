"""Turn what people type into spreadsheet cells into clean values, or raise ``CellError``.

Every reader takes the raw openpyxl value (str, int, float, datetime or None).
"""

from __future__ import annotations

import datetime
import re
import unicodedata
from typing import Any

from django.utils import timezone

from school.imports.errors import CellError
from school.models import Member

PARTY_FOUNDED = datetime.date(1921, 7, 1)

POLITICAL_STATUS_LABELS = {
    "中共党员": Member.PoliticalStatus.FULL_MEMBER,
    "正式党员": Member.PoliticalStatus.FULL_MEMBER,
    "中共正式党员": Member.PoliticalStatus.FULL_MEMBER,
    "党员": Member.PoliticalStatus.FULL_MEMBER,
    "预备党员": Member.PoliticalStatus.PROBATIONARY,
    "中共预备党员": Member.PoliticalStatus.PROBATIONARY,
    "发展对象": Member.PoliticalStatus.CANDIDATE,
    "入党积极分子": Member.PoliticalStatus.ACTIVIST,
    "积极分子": Member.PoliticalStatus.ACTIVIST,
    "群众": Member.PoliticalStatus.MASSES,
}
POLITICAL_STATUS_CHOICES = "、".join(["中共党员", "预备党员", "发展对象", "入党积极分子", "群众"])
PARTY_MEMBER_STATUSES = {Member.PoliticalStatus.FULL_MEMBER, Member.PoliticalStatus.PROBATIONARY}

GENDER_LABELS = {
    "男": Member.Gender.MALE,
    "男性": Member.Gender.MALE,
    "女": Member.Gender.FEMALE,
    "女性": Member.Gender.FEMALE,
}
GENDER_CHOICES = "男、女"

_HAN = r"[\u3400-\u9fff]"
_FULL_DATE = re.compile(r"^(\d{4})\s*[-/.年]\s*(\d{1,2})\s*[-/.月]\s*(\d{1,2})\s*日?$")
_COMPACT_DATE = re.compile(r"^(\d{4})(\d{2})(\d{2})$")
_YEAR_MONTH = re.compile(r"^(\d{4})\s*[-/.年]\s*(\d{1,2})\s*月?$")
_PHONE = re.compile(r"^1\d{10}$")
_PHONE_NOISE = re.compile(r"[\s\-()]")


def text(value: Any) -> str:
    """A cell as text: full-width forms folded (NFKC), whitespace trimmed and collapsed."""
    if value is None:
        return ""
    if isinstance(value, float) and value.is_integer():
        value = int(value)
    if isinstance(value, datetime.datetime):
        value = value.date()
    return " ".join(unicodedata.normalize("NFKC", str(value)).split())


def display(value: Any) -> str:
    """A raw value shortened for an error message."""
    shown = text(value)
    return shown if len(shown) <= 40 else shown[:40] + "…"


def person_name(value: Any) -> str:
    """Rosters pad two-character names for alignment (张  三); spaces between Han characters go."""
    return re.sub(rf"(?<={_HAN}) (?={_HAN})", "", text(value))


def phone(value: Any) -> str:
    """13800138000 from '138 0013 8000', '138-0013-8000', full-width digits, +86 or a numeric cell."""
    if isinstance(value, float) and not value.is_integer():
        raise CellError("phone_invalid", value=display(value))
    digits = _PHONE_NOISE.sub("", text(value))
    if digits.startswith("+86"):
        digits = digits[3:]
    elif len(digits) == 13 and digits.startswith("86"):
        digits = digits[2:]
    if not _PHONE.match(digits):
        raise CellError("phone_invalid", value=display(value))
    return digits


def political_status(value: Any) -> str:
    label = text(value).replace(" ", "")
    try:
        return POLITICAL_STATUS_LABELS[label]
    except KeyError:
        raise CellError("status_invalid", value=display(value), choices=POLITICAL_STATUS_CHOICES) from None


def gender(value: Any) -> str:
    label = text(value)
    if not label:
        return ""
    try:
        return GENDER_LABELS[label]
    except KeyError:
        raise CellError("gender_invalid", value=display(value), choices=GENDER_CHOICES) from None


def date(value: Any) -> datetime.date | None:
    """Excel dates, 2021-07-01, 2021/7/1, 2021年7月1日, 2021.07.01, 20210701; 2021.07 means 2021-07-01."""
    if not text(value):
        return None
    parsed = _date_or_none(value)
    if parsed is None:
        raise CellError("date_invalid", value=display(value))
    if parsed > timezone.localdate():
        raise CellError("date_future", value=parsed.isoformat())
    if parsed < PARTY_FOUNDED:
        raise CellError("date_too_early", value=parsed.isoformat())
    return parsed


def _date_or_none(value: Any) -> datetime.date | None:
    if isinstance(value, datetime.datetime):
        return value.date()
    if isinstance(value, datetime.date):
        return value
    if isinstance(value, float) and not value.is_integer():
        return None  # 2021.1 could be January or October: ask for text or a date cell
    raw = text(value)
    if not raw:
        return None
    for pattern in (_FULL_DATE, _COMPACT_DATE, _YEAR_MONTH):
        match = pattern.match(raw)
        if match:
            year, month, day = (int(part) for part in (*match.groups(), 1)[:3])
            try:
                return datetime.date(year, month, day)
            except ValueError:
                return None
    return None
