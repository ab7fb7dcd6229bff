from celery import shared_task


@shared_task(name="school.ping")
def ping() -> str:
    """Answers "pong": proves a worker consumes the default queue (healthz, make run)."""
    return "pong"


@shared_task(acks_late=True, queue="default")
def points_award_task(*, member_id: int, rule: str, object_key: str = "", day: str | None = None) -> None:
    """Award points after the fact (a login); safe to run twice: the ledger takes an award once."""
    import datetime

    from school.models import Member
    from school.services.points import points_award

    member = Member.objects.filter(pk=member_id).first()
    if member is not None:
        when = datetime.date.fromisoformat(day) if day else None
        points_award(member=member, rule=rule, object_key=object_key, day=when)


@shared_task(acks_late=True, queue="default")
def report_export_build_task(*, export_id: int) -> None:
    from school.models import ReportExport
    from school.reports.export_jobs import report_export_build

    export = ReportExport.objects.select_related("requested_by").filter(pk=export_id).first()
    if export is None or export.status == ReportExport.Status.READY:
        return
    report_export_build(export=export)


@shared_task(queue="default")
def report_dashboards_warm_task() -> int:
    """Beat: the large dashboards' figures added up ahead of the organizers (see dashboard_cache)."""
    from school.reports.dashboard_cache import dashboards_warm

    return dashboards_warm()


@shared_task(queue="default")
def report_exports_forget_old_task() -> int:
    from school.reports.export_jobs import report_exports_forget_old

    return report_exports_forget_old()
