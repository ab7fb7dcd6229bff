"""The dashboard's figures, kept in the cache per scope, period and day.

On a 党委 of 20 000 members the figures take about a second to add up. A page view takes them from
the cache when they are under ``KEEP_SECONDS`` old, and a Celery beat task adds them up again every
``WARM_EVERY_SECONDS`` for the default period of every large scope (the whole tree, and each
organizer's units when they hold ``WARM_MIN_MEMBERS`` members or more), so those pages never wait.
The cache is shared by every web process and the worker (Redis, or files under var/ by default).
"""

from __future__ import annotations

import datetime
import logging
from typing import Any

from django.contrib.auth import get_user_model
from django.core.cache import cache
from django.utils import timezone

from school.reports import figures
from school.reports.period import DEFAULT_PRESET, Period, preset_period
from school.reports.scope import ReportScope, report_scope
from school.roles import Role

logger = logging.getLogger(__name__)

KEEP_SECONDS = 600
WARM_EVERY_SECONDS = 540  # a little under KEEP_SECONDS: the kept figures never run out between runs
WARM_MIN_MEMBERS = 1000


def _key(scope: ReportScope, period: Period, today: datetime.date) -> str:
    if scope.unit is not None:
        who = f"unit{scope.unit.pk}"
    elif scope.everything:
        who = "all"
    else:
        who = "roots" + "-".join(str(root.pk) for root in scope.roots)
    return f"reports:dashboard:{who}:{period.start}:{period.end}:{today}"


def _compute(scope: ReportScope, period: Period, today: datetime.date) -> tuple[figures.Dashboard, Any]:
    return figures.dashboard(scope, period, today), timezone.now()


def cached_dashboard(scope: ReportScope, period: Period) -> tuple[figures.Dashboard, Any]:
    """(figures, when they were added up)."""
    today = timezone.localdate()
    return cache.get_or_set(_key(scope, period, today), lambda: _compute(scope, period, today), KEEP_SECONDS)


def dashboards_warm() -> int:
    """Add up the default period's figures of every large scope again; the number of scopes."""
    today = timezone.localdate()
    period = preset_period(DEFAULT_PRESET, today)
    scopes = {"all": ReportScope(roots=(), everything=True)}
    organizers = get_user_model().objects.filter(groups__name=Role.BRANCH_ORGANIZER.value, is_active=True)
    for user in organizers.distinct():
        scope = report_scope(user) if user.managed_org_units.exists() else None
        if scope is not None and not scope.everything:
            scopes.setdefault(_key(scope, period, today), scope)
    warmed = 0
    for scope in scopes.values():
        if not scope.everything and scope.members().count() < WARM_MIN_MEMBERS:
            continue
        cache.set(_key(scope, period, today), _compute(scope, period, today), KEEP_SECONDS)
        warmed += 1
    return warmed
