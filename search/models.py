"""What search keeps in the application database: the extracted text of attached files.

The index itself lives in the backend (an SQLite file or Elasticsearch); this cache only spares a
rebuild from reading every PDF and DOCX again.
"""

from __future__ import annotations

from django.db import models
from django.utils.translation import gettext_lazy as _


class DocumentText(models.Model):
    document = models.OneToOneField(
        "wagtaildocs.Document", verbose_name=_("document"), on_delete=models.CASCADE, related_name="+"
    )
    source = models.CharField(_("file it was read from"), max_length=600)  # name, size and hash
    text = models.TextField(_("text"), blank=True)
    extracted_at = models.DateTimeField(_("extracted at"), auto_now=True)

    class Meta:
        verbose_name = _("extracted document text")
        verbose_name_plural = _("extracted document texts")

    def __str__(self) -> str:
        return str(self.document)
