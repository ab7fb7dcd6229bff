"""Org tree screens in the Wagtail admin (组织架构).

Organizers see their own subtree and keep its contact details current; adding,
moving and deleting units, and naming their organizers, is for system admins.
Tree writes go through ``school.services.org_units``, which enforces the kind rules.
"""

from __future__ import annotations

from collections import Counter
from typing import Any

from django.contrib.admin.utils import quote
from django.db.models import Count, QuerySet
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect
from django.urls import path, reverse
from django.utils.functional import cached_property
from django.utils.http import urlencode
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.generic import FormView
from wagtail.admin import messages
from wagtail.admin.ui.menus import MenuItem
from wagtail.admin.ui.tables import Column, TitleColumn
from wagtail.admin.views import generic
from wagtail.admin.views.generic.base import WagtailAdminTemplateMixin
from wagtail.admin.views.generic.permissions import PermissionCheckedMixin
from wagtail.admin.widgets.button import Button

from school import permissions
from school.admin_ui.audit_log import AuditHistoryView
from school.admin_ui.scope import ScopedListingMixin, ScopedModelViewSet, ScopedObjectMixin, ServiceFormMixin
from school.forms import OrgUnitCreateForm, OrgUnitEditForm, OrgUnitMoveForm, base_depth, org_unit_choices
from school.models import Member, OrgUnit
from school.services.org_units import (
    OrgUnitError,
    delete_problem,
    org_unit_create,
    org_unit_delete,
    org_unit_move,
    org_unit_update,
)

Kind = OrgUnit.Kind
KIND_ORDER = list(Kind)

MEMBERS_ADD_URL_NAME = "members:add"


def natural_child_kind(parent: OrgUnit) -> str | None:
    """The kind one level below the parent's (党委 → 党总支 → 党支部 → 党小组), if allowed."""
    allowed = OrgUnit.ALLOWED_CHILDREN[Kind(parent.kind)]
    below = [kind for kind in KIND_ORDER[KIND_ORDER.index(Kind(parent.kind)) + 1 :] if kind in allowed]
    return below[0].value if below else None


class OrgUnitIndexView(ScopedListingMixin, generic.IndexView):
    """The whole visible tree on one page, in tree order, with member counts from one query."""

    page_title = gettext_lazy("Organisation structure")
    default_ordering = "path"
    history_url_name = None  # declared, or the viewset would not pass it in (IndexView has none)

    def get_paginate_by(self, queryset: QuerySet) -> None:
        return None

    def get_valid_orderings(self) -> list[str]:
        return ["path"]

    @cached_property
    def base_depth(self) -> int:
        return base_depth(self.request.user)

    @cached_property
    def member_counts(self) -> tuple[dict[int, int], Counter]:
        """Members directly in each unit, and in each unit's whole subtree (keyed by path)."""
        rows = (
            Member.objects.filter(org_unit__in=self.visible_to(self.request.user))
            .order_by()
            .values("org_unit_id", "org_unit__path")
            .annotate(count=Count("pk"))
        )
        direct: dict[int, int] = {}
        subtree: Counter = Counter()
        for row in rows:
            direct[row["org_unit_id"]] = row["count"]
            unit_path = row["org_unit__path"]
            for end in range(OrgUnit.steplen, len(unit_path) + 1, OrgUnit.steplen):
                subtree[unit_path[:end]] += row["count"]
        return direct, subtree

    @cached_property
    def columns(self) -> list[Column]:
        title_column = self._get_title_column_class(TitleColumn)
        return [
            title_column(
                "name",
                label=gettext_lazy("Unit name"),
                accessor=self.indented_name,
                get_url=self.get_edit_url,
            ),
            Column("kind", label=gettext_lazy("Kind"), accessor=lambda unit: unit.get_kind_display()),
            Column("secretary", label=gettext_lazy("Secretary")),
            Column("contact", label=gettext_lazy("Contact"), accessor=contact_display),
            Column(
                "members",
                label=gettext_lazy("Members"),
                accessor=lambda u: self.member_counts[0].get(u.pk, 0),
            ),
            Column(
                "subtree_members",
                label=gettext_lazy("Members incl. sub-units"),
                accessor=lambda unit: self.member_counts[1][unit.path],
            ),
        ]

    def indented_name(self, unit: OrgUnit) -> str:
        return "\u3000" * max(unit.depth - self.base_depth, 0) + unit.name

    def get_list_more_buttons(self, instance: OrgUnit) -> list[MenuItem]:
        buttons = super().get_list_more_buttons(instance)
        user = self.request.user
        if self.user_has_permission("add") and natural_child_kind(instance):
            url = f"{reverse(self.add_url_name)}?{urlencode({'parent': instance.pk})}"
            buttons.append(MenuItem(_("Add sub-unit"), url=url, icon_name="plus", priority=15))
        if permissions.member_permission_policy.user_has_permission(user, "add"):
            url = f"{reverse(MEMBERS_ADD_URL_NAME)}?{urlencode({'org_unit': instance.pk})}"
            buttons.append(MenuItem(_("Add member here"), url=url, icon_name="user", priority=16))
        if self.user_has_permission("move"):
            url = reverse(move_url_name(self.index_url_name), args=(quote(instance.pk),))
            buttons.append(MenuItem(_("Move"), url=url, icon_name="arrow-right", priority=25))
        history_url = reverse(self.history_url_name, args=(quote(instance.pk),))
        buttons.append(MenuItem(_("History"), url=history_url, icon_name="history", priority=26))
        return buttons


def move_url_name(index_url_name: str) -> str:
    return index_url_name.rsplit(":", 1)[0] + ":move"


def contact_display(unit: OrgUnit) -> str:
    return " ".join(part for part in (unit.contact_name, unit.contact_phone) if part)


class OrgUnitCreateView(ServiceFormMixin, generic.CreateView):
    domain_errors = (OrgUnitError,)
    page_title = gettext_lazy("Add organisation unit")
    success_message = gettext_lazy("Organisation unit '%(object)s' added.")

    def get_initial(self) -> dict[str, Any]:
        """``?parent=<id>`` (from the tree) preselects the parent and the kind one level below it."""
        initial = super().get_initial()
        parent_id = self.request.GET.get("parent", "")
        parent = (
            org_unit_choices(self.request.user).filter(pk=parent_id).first() if parent_id.isdigit() else None
        )
        if parent is not None:
            initial.update(parent=parent.pk, kind=natural_child_kind(parent))
        return initial

    def save_instance(self) -> OrgUnit:
        form = self.form
        return org_unit_create(
            acting_user=self.request.user,
            parent=form.cleaned_data["parent"],
            managers=form.chosen_managers() or (),
            **form.structure(),
            **form.details(),
        )


class OrgUnitEditView(ScopedObjectMixin, ServiceFormMixin, generic.EditView):
    instance_action = "change"
    domain_errors = (OrgUnitError,)

    def get_form_kwargs(self) -> dict[str, Any]:
        kwargs = super().get_form_kwargs()
        kwargs["unit"] = self.object
        return kwargs

    def save_instance(self) -> OrgUnit:
        form = self.form
        return org_unit_update(
            acting_user=self.request.user,
            unit=self.object,
            details=form.details(),
            structure=form.structure(),
            managers=form.chosen_managers(),
        )

    def get_last_updated_info(self) -> None:
        return None

    @cached_property
    def header_more_buttons(self) -> list[Button]:
        buttons = list(super().header_more_buttons)
        if self.user_has_permission_for_instance("move", self.object):
            url = reverse(move_url_name(self.index_url_name), args=(quote(self.object.pk),))
            buttons.append(Button(_("Move"), url=url, icon_name="arrow-right", priority=15))
        return buttons


class OrgUnitDeleteView(ScopedObjectMixin, generic.DeleteView):
    instance_action = "delete"
    template_name = "school/admin/org_unit_confirm_delete.html"

    def get_context_data(self, **kwargs: Any) -> dict[str, Any]:
        context = super().get_context_data(**kwargs)
        context["delete_problem"] = delete_problem(self.object)
        return context

    def form_valid(self, form: Any) -> HttpResponse:
        try:
            org_unit_delete(acting_user=self.request.user, unit=self.object)
        except OrgUnitError as problem:
            messages.error(self.request, problem.message)
            return redirect(reverse(self.index_url_name))
        messages.success(self.request, self.get_success_message())
        return redirect(self.get_success_url())


class OrgUnitMoveView(ScopedObjectMixin, PermissionCheckedMixin, WagtailAdminTemplateMixin, FormView):
    """Put a unit, with everything below it, under another parent."""

    model = OrgUnit
    permission_required = "move"
    instance_action = "move"
    template_name = "wagtailadmin/generic/form.html"
    form_class = OrgUnitMoveForm
    page_title = gettext_lazy("Move")
    header_icon = "arrow-right"
    index_url_name = None
    move_url_name = None

    def setup(self, request: HttpRequest, *args: Any, **kwargs: Any) -> None:
        super().setup(request, *args, **kwargs)
        self.object = self.get_object()

    def get_page_subtitle(self) -> str:
        return self.object.name

    def get_breadcrumbs_items(self) -> list[dict[str, Any]]:
        index = {"url": reverse(self.index_url_name), "label": _("Organisation structure")}
        return self.breadcrumbs_items + [index, {"url": "", "label": self.get_page_title()}]

    def get_form_kwargs(self) -> dict[str, Any]:
        return {**super().get_form_kwargs(), "user": self.request.user, "unit": self.object}

    def get_context_data(self, **kwargs: Any) -> dict[str, Any]:
        context = super().get_context_data(**kwargs)
        context.update(
            action_url=reverse(self.move_url_name, args=(quote(self.object.pk),)),
            submit_button_label=_("Move"),
            submit_button_active_label=_("Moving…"),
        )
        return context

    def form_valid(self, form: OrgUnitMoveForm) -> HttpResponse:
        try:
            org_unit_move(acting_user=self.request.user, unit=self.object, parent=form.cleaned_data["parent"])
        except OrgUnitError as problem:
            form.add_error("parent", problem.message)
            return self.form_invalid(form)
        messages.success(self.request, _("'%(unit)s' moved.") % {"unit": self.object.name})
        return redirect(reverse(self.index_url_name))


class OrgUnitHistoryView(AuditHistoryView):
    pass


class OrgUnitViewSet(ScopedModelViewSet):
    model = OrgUnit
    visible_to = staticmethod(permissions.org_units_visible_to)
    icon = "site"
    menu_label = gettext_lazy("Organisation structure")
    menu_name = "org-units"
    menu_order = 255
    add_to_admin_menu = True
    object_views = (*ScopedModelViewSet.object_views, "move")
    index_view_class = OrgUnitIndexView
    add_view_class = OrgUnitCreateView
    edit_view_class = OrgUnitEditView
    delete_view_class = OrgUnitDeleteView
    history_view_class = OrgUnitHistoryView

    def get_form_class(self, for_update: bool = False) -> type:
        return OrgUnitEditForm if for_update else OrgUnitCreateForm

    @property
    def move_view(self) -> Any:
        return self.construct_view(OrgUnitMoveView, move_url_name=self.get_url_name("move"))

    def get_extra_urlpatterns(self) -> list:
        return [path("move/<int:pk>/", self.move_view, name="move")]
