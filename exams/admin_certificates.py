"""Certificates in the Wagtail admin (证书): a searchable listing and the revoke form.

System administrators see every certificate, organizers those of members in their subtrees
(``certificates_visible_to``), so an id from elsewhere is a 404. Revoking is narrower
(``can_revoke_certificate``: the issuing unit's organizers), and goes through the service.
"""

from __future__ import annotations

from django import forms
from django.core.exceptions import PermissionDenied
from django.core.paginator import Paginator
from django.db.models import Q, QuerySet
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect
from django.template.response import TemplateResponse
from django.urls import path
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from wagtail.admin import messages

from exams.exceptions import CertificateError
from exams.models import Certificate
from exams.permissions import can_list_certificates, can_revoke_certificate, certificates_visible_to
from exams.services.certificates import REASON_MAX_LENGTH, certificate_revoke

PER_PAGE = 50


class RevokeForm(forms.Form):
    reason = forms.CharField(
        label=gettext_lazy("Reason for revoking"),
        max_length=REASON_MAX_LENGTH,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text=gettext_lazy("Shown on the public verification page, e.g. “issued in error”."),
    )


def _require_viewer(request: HttpRequest) -> None:
    if not can_list_certificates(request.user):
        raise PermissionDenied


def _search(certificates: QuerySet[Certificate], query: str, status: str) -> QuerySet[Certificate]:
    if query:
        certificates = certificates.filter(Q(number__icontains=query) | Q(holder_name__icontains=query))
    if status == "revoked":
        certificates = certificates.filter(revoked_at__isnull=False)
    elif status == "valid":
        certificates = certificates.filter(revoked_at__isnull=True)
    return certificates


def certificate_index(request: HttpRequest) -> HttpResponse:
    _require_viewer(request)
    query = request.GET.get("q", "").strip()
    status = request.GET.get("status", "")
    certificates = _search(certificates_visible_to(request.user), query, status)
    certificates = certificates.select_related("member__org_unit", "issuer").order_by("-issued_on", "-pk")
    page = Paginator(certificates, PER_PAGE).get_page(request.GET.get("p"))
    for certificate in page:
        certificate.can_revoke = not certificate.is_revoked and can_revoke_certificate(
            request.user, certificate
        )
    context = {"page_title": _("Certificates"), "page": page, "query": query, "status": status}
    return TemplateResponse(request, "exams/admin/certificate_index.html", context)


def certificate_revoke_view(request: HttpRequest, pk: int) -> HttpResponse:
    _require_viewer(request)
    visible = certificates_visible_to(request.user).select_related("member__org_unit", "issuer")
    certificate = get_object_or_404(visible, pk=pk)
    if not can_revoke_certificate(request.user, certificate):
        raise PermissionDenied
    form = RevokeForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            certificate_revoke(
                certificate=certificate, reason=form.cleaned_data["reason"], acting_user=request.user
            )
        except CertificateError as refused:
            form.add_error(None, refused.message)
        else:
            messages.success(
                request, _("Certificate %(number)s was revoked.") % {"number": certificate.number}
            )
            return redirect("exam_certificates:index")
    context = {"page_title": _("Revoke a certificate"), "certificate": certificate, "form": form}
    return TemplateResponse(request, "exams/admin/certificate_revoke.html", context)


certificate_urls = [
    path("", certificate_index, name="index"),
    path("<int:pk>/revoke/", certificate_revoke_view, name="revoke"),
]
