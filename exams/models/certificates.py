"""Certificates and the keys that sign them.

The signature covers every fact printed on the certificate, so a changed number,
name or date in the database, or a PDF that was edited, no longer verifies.
Public keys stay in the database after a key is replaced, so old certificates
keep verifying.
"""

from __future__ import annotations

import secrets

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _


def new_verification_id() -> str:
    return secrets.token_urlsafe(18)  # 144 random bits, 24 URL-safe characters


class SigningKey(models.Model):
    key_id = models.CharField(_("key id"), max_length=32, unique=True)
    public_key = models.TextField(_("public key (base64)"))
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)

    class Meta:
        verbose_name = _("certificate signing key")
        verbose_name_plural = _("certificate signing keys")

    def __str__(self) -> str:
        return self.key_id


class Certificate(models.Model):
    verification_id = models.CharField(
        _("verification id"), max_length=40, unique=True, default=new_verification_id, editable=False
    )
    number = models.CharField(_("certificate number"), max_length=40, unique=True)
    member = models.ForeignKey(
        "school.Member", verbose_name=_("member"), on_delete=models.PROTECT, related_name="certificates"
    )
    exam = models.ForeignKey(
        "exams.Exam",
        verbose_name=_("exam"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="certificates",
    )
    course = models.ForeignKey(
        "courses.CoursePage",
        verbose_name=_("course"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="certificates",
    )
    # What is printed, frozen at issue time (a later rename does not change a certificate).
    holder_name = models.CharField(_("name"), max_length=50)
    subject = models.CharField(_("for"), max_length=200)
    credit_hours = models.DecimalField(_("credit hours"), max_digits=5, decimal_places=1)
    issued_on = models.DateField(_("issued on"))
    issuer_name = models.CharField(_("issued by"), max_length=100)
    issuer = models.ForeignKey(
        "school.OrgUnit", verbose_name=_("issuing organisation"), null=True, on_delete=models.SET_NULL
    )
    key_id = models.CharField(_("key id"), max_length=32)
    signature = models.CharField(_("signature"), max_length=128)
    pdf = models.FileField(_("PDF"), upload_to="certificates/%Y/", blank=True)
    pdf_sha256 = models.CharField(_("PDF checksum"), max_length=64, blank=True)
    revoked_at = models.DateTimeField(_("revoked at"), null=True, blank=True)
    revoked_reason = models.CharField(_("reason for revoking"), max_length=200, blank=True)
    revoked_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("revoked by"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)

    class Meta:
        verbose_name = _("certificate")
        verbose_name_plural = _("certificates")
        ordering = ["-issued_on", "-pk"]
        constraints = [
            models.UniqueConstraint(
                fields=["member", "exam"],
                condition=models.Q(exam__isnull=False),
                name="certificate_once_per_exam",
            ),
            models.UniqueConstraint(
                fields=["member", "course"],
                condition=models.Q(exam__isnull=True, course__isnull=False),
                name="certificate_once_per_course",
            ),
        ]

    def __str__(self) -> str:
        return self.number

    @property
    def is_revoked(self) -> bool:
        return self.revoked_at is not None
