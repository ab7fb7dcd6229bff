"""积分: awards into the append-only ledger by rule, with daily limits, once per object and day."""

from __future__ import annotations

import datetime

from django.db import IntegrityError, transaction
from django.db.models import QuerySet, Sum
from django.utils import timezone

from school.models import Member, OrgUnit, PointEntry, PointRule


def points_award(
    *, member: Member, rule: str, object_key: str = "", day: datetime.date | None = None
) -> PointEntry | None:
    """Award ``rule``'s points to ``member`` for ``object_key`` (a lesson, a course…) on ``day``.

    Calling it again for the same member, rule, object and day changes nothing (None). The
    rule's daily limit caps the day's total: the last award of a day may be partial. The
    member row is locked so that concurrent awards cannot both slip under the limit. Runs in
    the caller's transaction when there is one.
    """
    day = day or timezone.localdate()
    with transaction.atomic():
        active = PointRule.objects.filter(code=rule, is_active=True).first()
        if active is None or not active.points or not member.is_active:
            return None
        Member.objects.select_for_update().filter(pk=member.pk).first()
        if PointEntry.objects.filter(member=member, rule=rule, object_key=object_key, day=day).exists():
            return None
        points = active.points
        if active.daily_cap:
            earned = PointEntry.objects.filter(member=member, rule=rule, day=day).aggregate(
                total=Sum("points")
            )
            points = min(points, active.daily_cap - (earned["total"] or 0))
        if points <= 0:
            return None
        try:
            with transaction.atomic():
                return PointEntry.objects.create(
                    member=member, rule=rule, object_key=object_key, day=day, points=points
                )
        except IntegrityError:  # the same award, committed by a concurrent request
            return None


def points_total(member: Member) -> int:
    return PointEntry.objects.filter(member=member).aggregate(total=Sum("points"))["total"] or 0


def points_leaderboard(unit: OrgUnit, *, limit: int = 20) -> QuerySet[Member]:
    """Active members of ``unit``'s subtree with the most points, each annotated with ``total``."""
    return (
        Member.objects.active()
        .in_subtree(unit)
        .annotate(total=Sum("points__points"))
        .filter(total__gt=0)
        .order_by("-total", "real_name")[:limit]
    )
