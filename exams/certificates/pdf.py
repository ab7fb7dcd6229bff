"""The certificate as a PDF: an A4 landscape page drawn by WeasyPrint from an HTML template.

It is always rendered in the site language (it is the school's document, whoever asks first),
with the Noto CJK fonts embedded so it prints the same everywhere, and it carries its number,
verification id and signature in the PDF metadata for tools that read those.
"""

from __future__ import annotations

import io
from decimal import Decimal

import segno
from django.conf import settings
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import formats, translation
from django.utils.html import escape, format_html
from django.utils.safestring import SafeString, mark_safe
from django.utils.translation import gettext as _

from exams.models import Certificate

TEMPLATE = "exams/certificate_pdf.html"


def verification_url(certificate: Certificate) -> str:
    return settings.SITE_URL + reverse("certificate_verify", args=[certificate.verification_id])


def hours_text(hours: Decimal) -> str:
    """12.0 → 12, 12.5 → 12.5: a certificate prints hours the way people write them."""
    return f"{Decimal(str(hours)).quantize(Decimal('0.1')).normalize():f}"


def qr_data_uri(url: str) -> str:
    return segno.make(url, error="m").svg_data_uri(scale=4, border=0, dark="#231815")


def _fill(template: str, **parts: SafeString) -> SafeString:
    """A translated sentence with highlighted parts: the sentence is escaped, the parts are markup."""
    return mark_safe(escape(template) % parts)  # every piece is escaped


def certificate_context(certificate: Certificate) -> dict:
    holder = format_html('<span class="holder">{}</span>', certificate.holder_name)
    subject = format_html('<span class="subject">{}</span>', certificate.subject)
    hours = format_html('<span class="hours">{}</span>', hours_text(certificate.credit_hours))
    url = verification_url(certificate)
    return {
        "certificate": certificate,
        "addressee": _fill(_("This is to certify that comrade %(name)s"), name=holder),
        "statement": _fill(
            _(
                "has completed the study of “%(subject)s”, %(hours)s credit hours in all, "
                "and passed the assessment."
            ),
            subject=subject,
            hours=hours,
        ),
        "issued_date": formats.date_format(certificate.issued_on, "DATE_FORMAT"),
        "number_text": _("Certificate no. %(number)s") % {"number": certificate.number},
        "verify_url": url,
        "qr_uri": qr_data_uri(url),
    }


def render_certificate_html(certificate: Certificate) -> str:
    with translation.override(settings.LANGUAGE_CODE):
        return render_to_string(TEMPLATE, certificate_context(certificate))


def render_certificate_pdf(certificate: Certificate) -> bytes:
    from weasyprint import HTML

    html = render_certificate_html(certificate)
    return with_certificate_metadata(
        HTML(string=html, base_url=str(settings.BASE_DIR)).write_pdf(), certificate
    )


def with_certificate_metadata(pdf: bytes, certificate: Certificate) -> bytes:
    """Add /CertificateNumber and friends to the info dictionary (WeasyPrint lower-cases custom names)."""
    from pypdf import PdfReader, PdfWriter

    writer = PdfWriter(clone_from=PdfReader(io.BytesIO(pdf)))
    writer.add_metadata(
        {
            "/CertificateNumber": certificate.number,
            "/VerificationId": certificate.verification_id,
            "/VerificationUrl": verification_url(certificate),
            "/SigningKeyId": certificate.key_id,
            "/Signature": certificate.signature,
        }
    )
    output = io.BytesIO()
    writer.write(output)
    return output.getvalue()
