"""Admin screens of the exams app: certificates here; the bank (admin_menu) and exams (admin_exams) register
their own hooks when imported below."""

from __future__ import annotations

from django.http import HttpRequest
from django.urls import include, path, reverse
from django.utils.translation import gettext_lazy as _
from wagtail import hooks
from wagtail.admin.menu import MenuItem

from exams import (
    admin_certificates,
    admin_exams,  # noqa: F401  (registers the exam and grading screens)
)
from exams.admin_menu import MENU_HOOK  # importing it registers the 考试 submenu and the question bank
from exams.permissions import can_list_certificates


class CertificatesMenuItem(MenuItem):
    def is_shown(self, request: HttpRequest) -> bool:
        return can_list_certificates(request.user)


@hooks.register("register_admin_urls")
def register_certificate_urls() -> list:
    return [path("exams/certificates/", include((admin_certificates.certificate_urls, "exam_certificates")))]


@hooks.register(MENU_HOOK)
def register_certificates_menu_item() -> MenuItem:
    """In the 考试 submenu, which shows itself to whoever sees one of its items."""
    return CertificatesMenuItem(
        _("Certificates"), reverse("exam_certificates:index"), icon_name="doc-full-inverse", order=40
    )
