"""An uploaded question file waiting for the uploader to confirm its preview."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _


class QuestionImport(models.Model):
    class Status(models.TextChoices):
        PREVIEW = "preview", _("Waiting for confirmation")
        IMPORTED = "imported", _("Imported")

    uploaded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("uploaded by"), null=True, on_delete=models.SET_NULL
    )
    category = models.ForeignKey(
        "exams.QuestionCategory", verbose_name=_("import into"), on_delete=models.CASCADE, related_name="+"
    )
    filename = models.CharField(_("file"), max_length=200)
    data = models.BinaryField(_("content"))
    status = models.CharField(_("status"), max_length=20, choices=Status.choices, default=Status.PREVIEW)
    imported_count = models.PositiveIntegerField(_("questions imported"), default=0)
    created_at = models.DateTimeField(_("uploaded at"), auto_now_add=True)
    imported_at = models.DateTimeField(_("imported at"), null=True, blank=True)

    class Meta:
        verbose_name = _("question import")
        verbose_name_plural = _("question imports")
        ordering = ["-created_at"]

    def __str__(self) -> str:
        return self.filename
