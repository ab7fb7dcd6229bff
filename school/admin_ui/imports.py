"""Member import screens in the Wagtail admin (registers its own hooks).

upload form → preview (valid rows, every error by row) → commit → result with the
one-time passwords, shown once and offered as an .xlsx; or cancel. Access is
decided by ``school.imports.permissions``; the services enforce it again.
"""

from __future__ import annotations

import base64
from typing import Any

from django import forms
from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect
from django.urls import path, reverse
from django.utils import timezone
from django.utils.http import content_disposition_header
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.generic import FormView, TemplateView, View
from wagtail import hooks
from wagtail.admin.menu import MenuItem
from wagtail.admin.views.generic.base import WagtailAdminTemplateMixin

from school import permissions
from school.imports.errors import InvalidImportFile, RowError
from school.imports.member_sheets import initial_password_workbook, member_template_workbook
from school.imports.members import MAX_ROWS, MemberRow
from school.imports.permissions import can_import_members, imports_visible_to
from school.imports.workbook import XLSX_CONTENT_TYPE, max_upload_bytes
from school.models import Member, MemberImport, OrgUnit
from school.services.member_import import (
    ImportCommitResult,
    ImportConflict,
    ImportNotCommittable,
    member_import_cancel,
    member_import_commit,
    member_import_preview,
)

PREVIEW_ROWS_SHOWN = 200
ERRORS_SHOWN = 500


class MemberImportForm(forms.Form):
    file = forms.FileField(
        label=gettext_lazy("Excel file (.xlsx)"),
        widget=forms.FileInput(attrs={"accept": f".xlsx,{XLSX_CONTENT_TYPE}"}),
    )


class ImportAccessMixin:
    """Every import screen is for system admins and branch organizers only."""

    def dispatch(self, request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        if not can_import_members(request.user):
            raise PermissionDenied
        return super().dispatch(request, *args, **kwargs)

    def get_breadcrumbs_items(self) -> list[dict[str, Any]]:
        return WagtailAdminTemplateMixin.breadcrumbs_items + [
            {"url": reverse("school_member_import"), "label": _("Import members")},
            *self.extra_breadcrumbs(),
        ]

    def extra_breadcrumbs(self) -> list[dict[str, Any]]:
        return []

    def get_import(self) -> MemberImport:
        return get_object_or_404(imports_visible_to(self.request.user), pk=self.kwargs["pk"])


class UploadView(ImportAccessMixin, WagtailAdminTemplateMixin, FormView):
    template_name = "school/admin/member_import_upload.html"
    form_class = MemberImportForm
    page_title = gettext_lazy("Import members")
    header_icon = "upload"

    def get_context_data(self, **kwargs: Any) -> dict[str, Any]:
        context = super().get_context_data(**kwargs)
        context.update(
            recent_imports=imports_visible_to(self.request.user).select_related("created_by")[:10],
            max_bytes=max_upload_bytes(),
            max_rows=MAX_ROWS,
        )
        return context

    def form_valid(self, form: MemberImportForm) -> HttpResponse:
        try:
            member_import = member_import_preview(
                acting_user=self.request.user, file=form.cleaned_data["file"]
            )
        except InvalidImportFile as problem:
            form.add_error("file", problem.message)
            return self.form_invalid(form)
        return redirect("school_member_import_detail", pk=member_import.pk)

    def form_invalid(self, form: MemberImportForm) -> HttpResponse:
        return self.render_to_response(self.get_context_data(form=form), status=400)


class DetailView(ImportAccessMixin, WagtailAdminTemplateMixin, TemplateView):
    """The preview while the import awaits confirmation; afterwards, what became of it."""

    template_name = "school/admin/member_import_detail.html"
    header_icon = "upload"

    def get(self, request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        self.object = self.get_import()
        return super().get(request, *args, **kwargs)

    def get_page_title(self) -> str:
        return self.object.original_filename

    def extra_breadcrumbs(self) -> list[dict[str, Any]]:
        return [{"url": "", "label": self.object.original_filename}]

    def get_context_data(self, **kwargs: Any) -> dict[str, Any]:
        context = super().get_context_data(**kwargs)
        member_import = self.object
        errors = [RowError.from_json(data) for data in member_import.errors]
        rows = [MemberRow.from_json(data) for data in member_import.rows]
        context.update(
            member_import=member_import,
            errors=[error_display(error) for error in errors[:ERRORS_SHOWN]],
            errors_total=len(errors),
            error_rows=len({error.row for error in errors}),
            errors_hidden=max(0, len(errors) - ERRORS_SHOWN),
            rows=[row_display(row) for row in rows[:PREVIEW_ROWS_SHOWN]],
            rows_total=len(rows),
            rows_hidden=max(0, len(rows) - PREVIEW_ROWS_SHOWN),
        )
        return context


class CommitView(ImportAccessMixin, WagtailAdminTemplateMixin, TemplateView):
    """POST only. The result page carries the one-time passwords, so it is never cached or redirected to."""

    http_method_names = ["post"]
    template_name = "school/admin/member_import_committed.html"
    header_icon = "upload"

    def post(self, request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        self.object = self.get_import()
        try:
            result = member_import_commit(acting_user=request.user, member_import=self.object)
        except (ImportNotCommittable, ImportConflict) as problem:
            messages.error(request, problem.message)
            return redirect("school_member_import_detail", pk=self.object.pk)
        if self.object.status == MemberImport.Status.FAILED:
            messages.error(request, _("Some rows are no longer valid, so no member was imported."))
            return redirect("school_member_import_detail", pk=self.object.pk)
        if not result.credentials:
            messages.info(request, _("This sheet has already been imported."))
            return redirect("school_member_import_detail", pk=self.object.pk)
        response = self.render_to_response(self.get_context_data(result=result))
        response["Cache-Control"] = "no-store"
        return response

    def get_page_title(self) -> str:
        return self.object.original_filename

    def extra_breadcrumbs(self) -> list[dict[str, Any]]:
        return [{"url": "", "label": self.object.original_filename}]

    def get_context_data(self, **kwargs: Any) -> dict[str, Any]:
        context = super().get_context_data(**kwargs)
        result: ImportCommitResult = kwargs["result"]
        context.update(
            member_import=self.object,
            credentials=result.credentials,
            password_list_url=password_list_data_url(result),
            password_list_filename=_("initial-passwords-%(date)s.xlsx")
            % {"date": timezone.localdate().isoformat()},
        )
        return context


class CancelView(ImportAccessMixin, View):
    http_method_names = ["post"]

    def post(self, request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        member_import = self.get_import()
        try:
            member_import_cancel(acting_user=request.user, member_import=member_import)
        except ImportNotCommittable as problem:
            messages.error(request, problem.message)
            return redirect("school_member_import_detail", pk=member_import.pk)
        messages.success(request, _("The import was cancelled; no member was added."))
        return redirect("school_member_import")


class TemplateDownloadView(ImportAccessMixin, View):
    def get(self, request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        unit = (
            permissions.org_units_visible_to(request.user)
            .filter(kind=OrgUnit.Kind.BRANCH)
            .order_by("path")
            .first()
        )
        content = member_template_workbook(example_unit=unit.name if unit else "第一党支部")
        return xlsx_response(content, _("member-import-template.xlsx"))


def xlsx_response(content: bytes, filename: str) -> HttpResponse:
    response = HttpResponse(content, content_type=XLSX_CONTENT_TYPE)
    response["Content-Disposition"] = content_disposition_header(as_attachment=True, filename=filename)
    return response


def password_list_data_url(result: ImportCommitResult) -> str:
    """The password list travels inside the page as a data: URL, so it is never stored on the server."""
    content = base64.b64encode(initial_password_workbook(result.credentials)).decode("ascii")
    return f"data:{XLSX_CONTENT_TYPE};base64,{content}"


def error_display(error: RowError) -> dict[str, Any]:
    return {"row": error.row, "column": error.column, "message": error.message}


def row_display(row: MemberRow) -> dict[str, Any]:
    return {
        "row": row.row,
        "real_name": row.real_name,
        "phone": row.phone,
        "login": row.login,
        "org_unit": row.org_unit_name,
        "political_status": Member.PoliticalStatus(row.political_status).label,
        "joined_party_on": row.joined_party_on,
        "gender": Member.Gender(row.gender).label if row.gender else "",
    }


class ImportMembersMenuItem(MenuItem):
    def is_shown(self, request: HttpRequest) -> bool:
        return can_import_members(request.user)


@hooks.register("register_admin_urls")
def register_import_urls() -> list:
    return [
        path("member-import/", UploadView.as_view(), name="school_member_import"),
        path("member-import/template/", TemplateDownloadView.as_view(), name="school_member_import_template"),
        path("member-import/<int:pk>/", DetailView.as_view(), name="school_member_import_detail"),
        path("member-import/<int:pk>/commit/", CommitView.as_view(), name="school_member_import_commit"),
        path("member-import/<int:pk>/cancel/", CancelView.as_view(), name="school_member_import_cancel"),
    ]


@hooks.register("register_admin_menu_item")
def register_import_menu_item() -> MenuItem:
    return ImportMembersMenuItem(
        gettext_lazy("Import members"),
        reverse("school_member_import"),
        name="import-members",
        icon_name="upload",
        order=260,
    )
