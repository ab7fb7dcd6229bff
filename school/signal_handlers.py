"""Signal handlers of the school app, connected in ``SchoolConfig.ready``: they only enqueue."""

from __future__ import annotations

from django.contrib.auth.signals import user_logged_in
from django.db import transaction
from django.utils import timezone


def award_daily_login(sender, request, user, **kwargs) -> None:
    from school.models import PointRule
    from school.tasks import points_award_task

    member = getattr(user, "member", None)
    if member is None:
        return
    member_id, day = member.pk, timezone.localdate().isoformat()
    transaction.on_commit(
        lambda: points_award_task.delay(member_id=member_id, rule=PointRule.Code.DAILY_LOGIN.value, day=day)
    )


def connect() -> None:
    user_logged_in.connect(award_daily_login, dispatch_uid="school.points.daily_login")
