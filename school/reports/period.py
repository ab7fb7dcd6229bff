"""The date range a report covers, read from the query string and checked."""

from __future__ import annotations

import datetime
from dataclasses import dataclass

from django.db.models import Q
from django.utils import timezone
from django.utils.formats import date_format
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

EARLIEST = datetime.date(2000, 1, 1)
LONGEST = datetime.timedelta(days=366 * 5)
PRESETS = {
    "week": gettext_lazy("Last 7 days"),
    "month": gettext_lazy("Last 30 days"),
    "quarter": gettext_lazy("Last 90 days"),
    "year": gettext_lazy("This year"),
    "last_year": gettext_lazy("Last year"),
}
DEFAULT_PRESET = "year"


class InvalidPeriod(ValueError):
    """A date range a report cannot cover; the message says why, in the reader's language."""


@dataclass(frozen=True)
class Period:
    start: datetime.date
    end: datetime.date  # inclusive
    preset: str = ""

    @property
    def days(self) -> int:
        return (self.end - self.start).days + 1

    @property
    def since(self) -> datetime.datetime:
        """The period's first moment in the site's time zone, for comparing timestamps."""
        return timezone.make_aware(datetime.datetime.combine(self.start, datetime.time.min))

    @property
    def until(self) -> datetime.datetime:
        """The moment after the period (exclusive)."""
        return timezone.make_aware(
            datetime.datetime.combine(self.end + datetime.timedelta(days=1), datetime.time.min)
        )

    def during(self, field: str) -> Q:
        """Rows whose timestamp ``field`` lies in the period: a plain range an index can serve."""
        return Q(**{f"{field}__gte": self.since, f"{field}__lt": self.until})

    @property
    def year(self) -> int:
        """The year whose credit-hour requirement the report compares against."""
        return self.end.year

    def label(self) -> str:
        if self.preset:
            return str(PRESETS[self.preset])
        return (
            f"{date_format(self.start, 'SHORT_DATE_FORMAT')} – {date_format(self.end, 'SHORT_DATE_FORMAT')}"
        )

    def query(self) -> dict[str, str]:
        if self.preset:
            return {"range": self.preset}
        return {"start": self.start.isoformat(), "end": self.end.isoformat()}


def preset_period(name: str, today: datetime.date | None = None) -> Period:
    today = today or timezone.localdate()
    if name == "week":
        return Period(today - datetime.timedelta(days=6), today, name)
    if name == "month":
        return Period(today - datetime.timedelta(days=29), today, name)
    if name == "quarter":
        return Period(today - datetime.timedelta(days=89), today, name)
    if name == "last_year":
        return Period(datetime.date(today.year - 1, 1, 1), datetime.date(today.year - 1, 12, 31), name)
    return Period(datetime.date(today.year, 1, 1), today, "year")


def period_from(params, today: datetime.date | None = None) -> Period:
    """``range=<preset>``, or ``start``/``end`` as YYYY-MM-DD; nothing given: this year so far."""
    today = today or timezone.localdate()
    start_text, end_text = (params.get("start") or "").strip(), (params.get("end") or "").strip()
    if not start_text and not end_text:
        name = params.get("range") or DEFAULT_PRESET
        if name not in PRESETS:
            raise InvalidPeriod(_("Unknown period: choose one of the listed ranges."))
        return preset_period(name, today)
    start, end = _date(start_text, today), _date(end_text, today)
    if start > end:
        raise InvalidPeriod(_("The start date is after the end date."))
    latest = today + datetime.timedelta(days=366)
    if start < EARLIEST or end > latest:
        raise InvalidPeriod(
            _("Dates must lie between %(earliest)s and %(latest)s.")
            % {"earliest": date_format(EARLIEST), "latest": date_format(latest)}
        )
    if end - start > LONGEST:
        raise InvalidPeriod(_("A report covers at most five years."))
    return Period(start, end)


def _date(text: str, today: datetime.date) -> datetime.date:
    if not text:
        raise InvalidPeriod(_("Give both a start and an end date."))
    try:
        return datetime.date.fromisoformat(text)
    except ValueError:
        raise InvalidPeriod(_("“%(value)s” is not a date (YYYY-MM-DD).") % {"value": text[:20]}) from None
