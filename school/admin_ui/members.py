"""Member screens in the Wagtail admin (党员管理), and the hook that registers all three viewsets.

Every list and object view starts from ``permissions.members_visible_to``; writes go
through ``school.services.members``. See ``school.admin_ui.scope`` for the lookup rule.
"""

from __future__ import annotations

from typing import Any

import django_filters
from django.contrib.admin.utils import quote
from django.db.models import QuerySet
from django.http import HttpResponse
from django.shortcuts import redirect
from django.urls import reverse
from django.utils.functional import cached_property
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from wagtail import hooks
from wagtail.admin import messages
from wagtail.admin.filters import WagtailFilterSet
from wagtail.admin.ui.tables import Column, StatusTagColumn, TitleColumn
from wagtail.admin.views import generic
from wagtail.admin.widgets.boolean_radio_select import BooleanRadioSelect

from school import permissions
from school.admin_ui.audit_log import AuditHistoryView, AuditLogViewSet
from school.admin_ui.org_units import OrgUnitViewSet
from school.admin_ui.scope import ScopedListingMixin, ScopedModelViewSet, ScopedObjectMixin, ServiceFormMixin
from school.forms import MemberCreateForm, MemberEditForm, OrgUnitChoiceField, base_depth, org_unit_choices
from school.models import Member
from school.services.members import MemberError, member_delete, member_register, member_update


def visible_members(user: Any) -> QuerySet[Member]:
    return permissions.members_visible_to(user).select_related("org_unit", "user")


class OrgUnitFilter(django_filters.ModelChoiceFilter):
    """A unit from the user's own subtree, offered as an indented tree."""

    field_class = OrgUnitChoiceField


class MemberFilterSet(WagtailFilterSet):
    org_unit = OrgUnitFilter(label=gettext_lazy("Organisation unit"), queryset=None, method="filter_subtree")
    political_status = django_filters.ChoiceFilter(
        label=gettext_lazy("Political status"), choices=Member.PoliticalStatus.choices
    )
    is_active = django_filters.BooleanFilter(label=gettext_lazy("Active"), widget=BooleanRadioSelect)

    class Meta:
        model = Member
        fields = []

    def __init__(
        self, data: Any = None, queryset: Any = None, *, request: Any = None, prefix: Any = None
    ) -> None:
        super().__init__(data, queryset, request=request, prefix=prefix)
        unit_filter = self.filters["org_unit"]
        unit_filter.queryset = org_unit_choices(request.user)
        unit_filter.extra["base_depth"] = base_depth(request.user)

    def filter_subtree(self, queryset: QuerySet[Member], name: str, value: Any) -> QuerySet[Member]:
        """Choosing a branch shows the members of its groups too."""
        return queryset.filter(org_unit__path__startswith=value.path)


class MemberIndexView(ScopedListingMixin, generic.IndexView):
    search_fields = ["real_name", "phone", "user__username"]

    @cached_property
    def columns(self) -> list[Column]:
        title_column = self._get_title_column_class(TitleColumn)
        return [
            title_column(
                "real_name", label=gettext_lazy("Name"), sort_key="real_name", get_url=self.get_title_url
            ),
            Column("phone", label=gettext_lazy("Mobile phone"), sort_key="phone"),
            Column(
                "org_unit",
                label=gettext_lazy("Organisation"),
                accessor=lambda member: member.org_unit.name,
                sort_key="org_unit__path",
            ),
            Column(
                "political_status",
                label=gettext_lazy("Political status"),
                accessor=lambda member: member.get_political_status_display(),
                sort_key="political_status",
            ),
            StatusTagColumn(
                "is_active",
                label=gettext_lazy("Status"),
                accessor=member_status,
                primary=lambda member: member.is_active,
                sort_key="is_active",
            ),
        ]

    def get_title_url(self, member: Member) -> str | None:
        return self.get_edit_url(member) or self.get_inspect_url(member)

    def get_delete_url(self, instance: Member) -> str | None:
        """Wagtail asks the model-level question; a system admin's own row offers no delete."""
        if self.user_has_permission_for_instance("delete", instance):
            return super().get_delete_url(instance)
        return None


def member_status(member: Member) -> str:
    return _("Active") if member.is_active else _("Deactivated")


class MemberCreateView(ServiceFormMixin, generic.CreateView):
    domain_errors = (MemberError,)
    page_title = gettext_lazy("Add member")
    success_message = gettext_lazy(
        "Member '%(object)s' added. They must change the initial password at first login."
    )

    def get_initial(self) -> dict[str, Any]:
        """``?org_unit=<id>`` (from the org tree) preselects a unit, if it is one the user may use."""
        initial = super().get_initial()
        unit_id = self.request.GET.get("org_unit", "")
        if unit_id.isdigit() and org_unit_choices(self.request.user).filter(pk=unit_id).exists():
            initial["org_unit"] = int(unit_id)
        return initial

    def save_instance(self) -> Member:
        cleaned = self.form.cleaned_data
        return member_register(
            acting_user=self.request.user,
            password=cleaned["password1"],
            username=cleaned["username"],
            **self.form.profile(),
        )


class MemberEditView(ScopedObjectMixin, ServiceFormMixin, generic.EditView):
    instance_action = "change"
    domain_errors = (MemberError,)

    def get_form_kwargs(self) -> dict[str, Any]:
        kwargs = super().get_form_kwargs()
        kwargs["member"] = self.object
        return kwargs

    def save_instance(self) -> Member:
        return member_update(acting_user=self.request.user, member=self.object, **self.form.profile())

    def get_last_updated_info(self) -> None:
        return None  # our history is the audit log, not Wagtail's log entries


class MemberDeleteView(ScopedObjectMixin, generic.DeleteView):
    instance_action = "delete"

    @property
    def confirmation_message(self) -> str:
        return _(
            "Deleting %(name)s also deletes the login account. "
            "To keep the records, deactivate the member instead."
        ) % {"name": self.object.real_name}

    def form_valid(self, form: Any) -> HttpResponse:
        try:
            member_delete(acting_user=self.request.user, member=self.object)
        except MemberError as problem:
            messages.error(self.request, problem.message)
            return redirect(reverse(self.edit_url_name, args=(quote(self.object.pk),)))
        messages.success(self.request, self.get_success_message())
        return redirect(self.get_success_url())


class MemberInspectView(ScopedObjectMixin, generic.InspectView):
    instance_action = "view"

    def get_delete_url(self) -> str | None:
        if self.user_has_permission_for_instance("delete", self.object):
            return super().get_delete_url()
        return None


class MemberHistoryView(AuditHistoryView):
    pass


class MemberViewSet(ScopedModelViewSet):
    model = Member
    visible_to = staticmethod(visible_members)
    icon = "group"
    menu_label = gettext_lazy("Member management")
    menu_name = "members"
    menu_order = 250
    add_to_admin_menu = True
    inspect_view_enabled = True
    inspect_view_fields = [
        "real_name",
        "user",
        "phone",
        "gender",
        "org_unit",
        "political_status",
        "joined_party_on",
        "is_active",
        "created_at",
        "updated_at",
    ]
    filterset_class = MemberFilterSet
    index_view_class = MemberIndexView
    add_view_class = MemberCreateView
    edit_view_class = MemberEditView
    delete_view_class = MemberDeleteView
    inspect_view_class = MemberInspectView
    history_view_class = MemberHistoryView

    def get_form_class(self, for_update: bool = False) -> type:
        return MemberEditForm if for_update else MemberCreateForm


@hooks.register("register_admin_viewset")
def register_viewsets() -> list:
    # org_units and audit_log are registered here so that wagtail_hooks.py needs only this module.
    return [
        MemberViewSet("members"),
        OrgUnitViewSet("org_units", url_prefix="org-units"),
        AuditLogViewSet("audit_log", url_prefix="audit-log"),
    ]
