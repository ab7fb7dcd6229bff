"""Certificate download for its holder and their organizers, and the public verification page.

The verification page is what a certificate's QR code opens: anyone may see it, so it shows
the holder's name masked and nothing about them beyond what the paper states, is rate limited
per address (ids are 144 random bits; the limit keeps anyone from trying many), and is kept
out of search engines. An unknown id is a plain 404 from one exact lookup.
"""

from __future__ import annotations

from django import forms
from django.contrib.auth.decorators import login_required
from django.core.files.uploadedfile import UploadedFile
from django.http import FileResponse, Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, render
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.cache import never_cache
from django.views.decorators.csrf import csrf_exempt, csrf_protect
from django.views.decorators.http import require_GET, require_http_methods

from exams.certificates.names import mask_name
from exams.models import Certificate
from exams.permissions import can_download_certificate
from exams.services.certificates import certificate_check, certificate_render, pdf_matches
from school.accounts.ratelimit import rate_limit
from school.services.audit import audit_record

UPLOAD_MAX_BYTES = 5 * 1024 * 1024
MULTIPART_SLACK = 64 * 1024  # form fields and boundaries around the file

verify_rate_limit = rate_limit(
    scope="certificate_verify", limit="CERTIFICATE_VERIFY_RATE_LIMIT", period=10 * 60, methods=("GET", "POST")
)


class PdfCheckForm(forms.Form):
    file = forms.FileField(
        label=gettext_lazy("Certificate PDF"),
        help_text=gettext_lazy("The PDF file you were given, at most 5 MB."),
        widget=forms.ClearableFileInput(attrs={"accept": "application/pdf,.pdf"}),
    )

    def clean_file(self) -> UploadedFile:
        upload = self.cleaned_data["file"]
        if upload.size > UPLOAD_MAX_BYTES:
            raise forms.ValidationError(_("The file is larger than 5 MB."))
        return upload


def _declared_size(request: HttpRequest) -> int:
    try:
        return int(request.META.get("CONTENT_LENGTH") or 0)
    except ValueError:
        return 0


@never_cache
@csrf_exempt  # checked in _verify_page, once an oversized upload has been turned away unread
@verify_rate_limit
@require_http_methods(["GET", "POST"])
def verify(request: HttpRequest, verification_id: str) -> HttpResponse:
    certificate = get_object_or_404(Certificate, verification_id=verification_id)
    if request.method == "POST" and _declared_size(request) > UPLOAD_MAX_BYTES + MULTIPART_SLACK:
        too_large = _("The file is larger than 5 MB.")
        return _render_verify(request, certificate, form=PdfCheckForm(), upload_error=too_large, status=413)
    return _verify_page(request, certificate)


@csrf_protect
def _verify_page(request: HttpRequest, certificate: Certificate) -> HttpResponse:
    form = PdfCheckForm(request.POST or None, request.FILES or None)
    pdf_check = None
    if request.method == "POST" and form.is_valid():
        pdf_check = pdf_matches(certificate=certificate, data=form.cleaned_data["file"].read())
        form = PdfCheckForm()
    return _render_verify(request, certificate, form=form, pdf_check=pdf_check)


def _render_verify(
    request: HttpRequest,
    certificate: Certificate,
    *,
    form: PdfCheckForm,
    pdf_check: bool | None = None,
    upload_error: str = "",
    status: int = 200,
) -> HttpResponse:
    context = {
        "title": _("Certificate verification"),
        "certificate": certificate,
        "status": certificate_check(certificate=certificate),
        "masked_name": mask_name(certificate.holder_name),
        "form": form,
        "pdf_check": pdf_check,
        "upload_error": upload_error,
    }
    response = render(request, "exams/verify.html", context, status=status)
    response["X-Robots-Tag"] = "noindex, nofollow"
    return response


@login_required
@require_GET
def certificate_download(request: HttpRequest, verification_id: str) -> FileResponse:
    certificate = get_object_or_404(
        Certificate.objects.select_related("member"), verification_id=verification_id
    )
    if not can_download_certificate(request.user, certificate):
        raise Http404
    certificate_render(certificate=certificate)
    audit_record(actor=request.user, action="certificate.downloaded", target=certificate)
    filename = _("Certificate %(number)s.pdf") % {"number": certificate.number}
    return FileResponse(
        certificate.pdf.open("rb"), as_attachment=True, filename=filename, content_type="application/pdf"
    )
