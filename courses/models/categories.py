"""Categories editors maintain: 专题 for courses, 分类 for the resource library."""

from __future__ import annotations

from django.db import models
from django.utils.translation import gettext_lazy as _


class Category(models.Model):
    name = models.CharField(_("name"), max_length=50, unique=True)
    sort_order = models.PositiveSmallIntegerField(
        _("order"), default=100, help_text=_("Smaller numbers come first.")
    )

    class Meta:
        abstract = True
        ordering = ["sort_order", "name"]

    def __str__(self) -> str:
        return self.name


class CourseTopic(Category):
    """专题: 党史学习, 党章党规, 理论武装 … the catalog filters by it."""

    class Meta(Category.Meta):
        verbose_name = _("course topic")
        verbose_name_plural = _("course topics")


class LibraryCategory(Category):
    """分类 of the resource library: 党章党规, 中央文件, 学习资料 …"""

    class Meta(Category.Meta):
        verbose_name = _("library category")
        verbose_name_plural = _("library categories")
