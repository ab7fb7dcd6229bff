"""The audit log in the admin: a read-only listing for system admins, and per-object history.

Rows are written only by services (``school.services.audit``); nothing here changes them.
"""

from __future__ import annotations

from typing import Any

import django_filters
from django.contrib.admin.utils import quote
from django.core.exceptions import FieldDoesNotExist
from django.db.models import QuerySet
from django.urls import path, reverse
from django.utils import timezone
from django.utils.dateformat import format as date_format
from django.utils.functional import cached_property
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from wagtail.admin.filters import DateRangePickerWidget, WagtailFilterSet
from wagtail.admin.ui.tables import Column
from wagtail.admin.views import generic
from wagtail.admin.views.generic.base import BaseListingView, BaseObjectMixin
from wagtail.admin.views.generic.permissions import PermissionCheckedMixin
from wagtail.admin.viewsets.model import ModelViewSet

from school.admin_ui.scope import ScopedObjectMixin
from school.models import AuditLog, Member, OrgUnit

ACTION_LABELS = {
    "member.created": gettext_lazy("Member added"),
    "member.updated": gettext_lazy("Member changed"),
    "member.activated": gettext_lazy("Member reactivated"),
    "member.deactivated": gettext_lazy("Member deactivated"),
    "member.deleted": gettext_lazy("Member deleted"),
    "member.roles_changed": gettext_lazy("Roles changed"),
    "org_unit.created": gettext_lazy("Unit added"),
    "org_unit.updated": gettext_lazy("Unit changed"),
    "org_unit.moved": gettext_lazy("Unit moved"),
    "org_unit.deleted": gettext_lazy("Unit deleted"),
    "member_import.committed": gettext_lazy("Member sheet imported"),
    "member_import.failed": gettext_lazy("Member import failed"),
    "member_import.cancelled": gettext_lazy("Member import cancelled"),
    "account.password_changed": gettext_lazy("Password changed"),
    "video.uploaded": gettext_lazy("Video uploaded"),
    "video.updated": gettext_lazy("Video changed"),
    "video.deleted": gettext_lazy("Video deleted"),
    "video.caption_added": gettext_lazy("Caption added"),
    "video.caption_replaced": gettext_lazy("Caption replaced"),
    "video.caption_deleted": gettext_lazy("Caption deleted"),
    "video.retried": gettext_lazy("Transcoding retried"),
}


def action_label(action: str) -> str:
    return str(ACTION_LABELS.get(action, action))


def entry_time(entry: AuditLog) -> str:
    return date_format(timezone.localtime(entry.created_at), "Y-m-d H:i")


def entry_actor(entry: AuditLog) -> str:
    if entry.actor is None:
        return _("System")
    return entry.actor.display_name


def entry_details(entry: AuditLog) -> str:
    """The JSON details as one readable line: changed fields as "label: old → new"."""
    data = dict(entry.data or {})
    parts = [
        f"{_field_label(field)}: {_show(old)} → {_show(new)}"
        for field, (old, new) in (data.pop("changes", None) or {}).items()
    ]
    parts += [f"{_field_label(key)}: {_show(value)}" for key, value in data.items()]
    return "；".join(parts)


def _field_label(name: str) -> str:
    for model in (Member, OrgUnit):
        try:
            return str(model._meta.get_field(name).verbose_name)
        except FieldDoesNotExist:
            continue
    return name


def _show(value: Any) -> str:
    if value is None or value == "" or value == []:
        return "—"
    if isinstance(value, dict) and "name" in value:
        return str(value["name"])
    if isinstance(value, list):
        return "、".join(_show(item) for item in value)
    if isinstance(value, bool):
        return _("yes") if value else _("no")
    return str(value)


def audit_columns(*, with_target: bool) -> list[Column]:
    columns = [
        Column(
            "created_at", label=gettext_lazy("Time"), accessor=entry_time, sort_key="created_at", width="12em"
        ),
        Column("actor", label=gettext_lazy("Actor"), accessor=entry_actor),
        Column("action", label=gettext_lazy("Action"), accessor=lambda e: action_label(e.action)),
    ]
    if with_target:
        columns.append(Column("target_repr", label=gettext_lazy("Target")))
    columns.append(Column("data", label=gettext_lazy("Details"), accessor=entry_details))
    return columns


def entries_for(obj: Any) -> QuerySet[AuditLog]:
    return AuditLog.objects.filter(target_type=obj._meta.label_lower, target_id=str(obj.pk))


class AuditHistoryView(ScopedObjectMixin, PermissionCheckedMixin, BaseObjectMixin, BaseListingView):
    """An object's own audit rows; the object is looked up like every other scoped view."""

    model = None
    any_permission_required = ["view", "change"]
    instance_action = "view"
    page_title = gettext_lazy("History")
    header_icon = "history"
    paginate_by = 20
    default_ordering = "-created_at"
    index_url_name = None
    edit_url_name = None
    history_url_name = None
    history_results_url_name = None
    template_name = "wagtailadmin/generic/listing.html"

    @cached_property
    def columns(self) -> list[Column]:
        return audit_columns(with_target=False)

    def get_base_queryset(self) -> QuerySet[AuditLog]:
        return entries_for(self.object).select_related("actor__member")

    def get_index_url(self) -> str:
        return reverse(self.history_url_name, args=(quote(self.object.pk),))

    def get_index_results_url(self) -> None:
        return None  # no search or filters here

    def get_page_subtitle(self) -> str:
        return str(self.object)

    def get_breadcrumbs_items(self) -> list[dict[str, Any]]:
        items = [{"url": reverse(self.index_url_name), "label": self.object._meta.verbose_name_plural}]
        if self.edit_url_name:
            items.append(
                {"url": reverse(self.edit_url_name, args=(quote(self.object.pk),)), "label": str(self.object)}
            )
        items.append({"url": "", "label": self.get_page_title()})
        return self.breadcrumbs_items + items


class AuditLogFilterSet(WagtailFilterSet):
    action = django_filters.ChoiceFilter(label=gettext_lazy("Action"), choices=[])
    created_at = django_filters.DateFromToRangeFilter(
        label=gettext_lazy("Time"), widget=DateRangePickerWidget
    )

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        recorded = AuditLog.objects.order_by().values_list("action", flat=True).distinct()
        codes = set(ACTION_LABELS) | set(recorded)
        self.filters["action"].extra["choices"] = sorted(
            ((code, action_label(code)) for code in codes), key=lambda choice: choice[0]
        )

    class Meta:
        model = AuditLog
        fields = []


class AuditLogIndexView(generic.IndexView):
    page_title = gettext_lazy("Audit log")
    default_ordering = "-created_at"
    search_fields = ["target_repr", "actor__username", "actor__member__real_name"]

    @cached_property
    def columns(self) -> list[Column]:
        return audit_columns(with_target=True)

    def get_base_queryset(self) -> QuerySet[AuditLog]:
        return AuditLog.objects.select_related("actor__member")


class AuditLogViewSet(ModelViewSet):
    """Only the listing: rows are never added, changed or deleted through the admin."""

    model = AuditLog
    icon = "clipboard-list"
    menu_label = gettext_lazy("Audit log")
    menu_name = "audit-log"
    menu_order = 280
    add_to_admin_menu = True
    add_to_reference_index = False
    copy_view_enabled = False
    index_view_class = AuditLogIndexView
    filterset_class = AuditLogFilterSet
    list_per_page = 50

    def get_common_view_kwargs(self, **kwargs: Any) -> dict[str, Any]:
        view_kwargs = super().get_common_view_kwargs(**kwargs)
        for name in (
            "add_url_name",
            "edit_url_name",
            "delete_url_name",
            "history_url_name",
            "usage_url_name",
        ):
            view_kwargs[name] = None
        return view_kwargs

    def get_urlpatterns(self) -> list:
        return [
            path("", self.index_view, name="index"),
            path("results/", self.index_results_view, name="index_results"),
        ]
