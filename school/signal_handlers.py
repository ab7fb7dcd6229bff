"""Signal handlers of the school app, connected in ``SchoolConfig.ready``: they only enqueue."""

from __future__ import annotations

from django.contrib.auth.signals import user_logged_in
from django.utils import timezone

from school.queueing import enqueue_on_commit


def award_daily_login(sender, request, user, **kwargs) -> None:
    from school.models import PointRule
    from school.tasks import points_award_task

    member = getattr(user, "member", None)
    if member is None:
        return
    day = timezone.localdate().isoformat()
    enqueue_on_commit(points_award_task, member_id=member.pk, rule=PointRule.Code.DAILY_LOGIN.value, day=day)


def connect() -> None:
    user_logged_in.connect(award_daily_login, dispatch_uid="school.points.daily_login")
