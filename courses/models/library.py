"""资料库: study articles (学习资料) and policy documents (党章党规, 文件) as Wagtail pages."""

from __future__ import annotations

from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from wagtail.admin.panels import FieldPanel, FieldRowPanel, MultiFieldPanel
from wagtail.fields import RichTextField, StreamField
from wagtail.models import Page
from wagtail.search import index

from courses.blocks import LessonBodyBlock
from courses.forms import AccessControlledPageForm
from courses.models.access import AccessControlledPage
from courses.models.courses import SectionIndexPage


class ResourceLibraryPage(SectionIndexPage):
    """资料库: one library; its listing filters by type, category and validity."""

    subpage_types = ["courses.ArticlePage", "courses.PolicyDocumentPage"]

    class Meta:
        verbose_name = _("resource library")

    def get_context(self, request, *args, **kwargs):
        from courses.catalog import library_listing

        context = super().get_context(request, *args, **kwargs)
        context["listing"] = library_listing(user=request.user, params=request.GET, library=self)
        return context


class LibraryItemPage(AccessControlledPage):
    """What articles and policy documents share: a category, a date, a summary."""

    category = models.ForeignKey(
        "courses.LibraryCategory",
        verbose_name=_("category"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    summary = models.CharField(_("summary"), max_length=300, blank=True)

    base_form_class = AccessControlledPageForm
    parent_page_types = ["courses.ResourceLibraryPage"]
    subpage_types: list[str] = []
    date_field = ""  # the field listings show and sort by

    class Meta:
        abstract = True

    @property
    def date(self):
        return getattr(self, self.date_field)


class ArticlePage(LibraryItemPage):
    """学习资料: an article written or reprinted for study."""

    author = models.CharField(_("author or source"), max_length=100, blank=True)
    published_on = models.DateField(_("date"), default=timezone.localdate)
    cover = models.ForeignKey(
        "wagtailimages.Image",
        verbose_name=_("cover image"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    body = StreamField(LessonBodyBlock(), verbose_name=_("text"))

    search_fields = Page.search_fields + [
        index.SearchField("summary"),
        index.SearchField("author"),
        index.SearchField("body"),
        index.FilterField("published_on"),
    ]

    content_panels = Page.content_panels + [
        FieldPanel("summary"),
        FieldRowPanel([FieldPanel("author"), FieldPanel("published_on")]),
        FieldPanel("category"),
        FieldPanel("cover"),
        FieldPanel("body"),
        *AccessControlledPage.access_panels,
    ]

    library_kind = "article"
    date_field = "published_on"

    class Meta:
        verbose_name = _("study article")
        verbose_name_plural = _("study articles")


class PolicyDocumentPage(LibraryItemPage):
    """党章党规 and 文件: the original file attached, its text extracted for reading online and search."""

    class Validity(models.TextChoices):
        IN_FORCE = "in_force", _("In force")  # 现行有效
        AMENDED = "amended", _("Amended")  # 已修订
        REPEALED = "repealed", _("Repealed")  # 已废止

    issuing_authority = models.CharField(_("issuing authority"), max_length=100)  # 发文机关
    document_number = models.CharField(
        _("document number"), max_length=100, blank=True, help_text=_("e.g. 中发〔2019〕1号")
    )  # 文号
    issued_on = models.DateField(_("date issued"))  # 发布日期
    validity = models.CharField(
        _("validity"), max_length=20, choices=Validity.choices, default=Validity.IN_FORCE
    )
    original = models.ForeignKey(
        "wagtaildocs.Document",
        verbose_name=_("original file (PDF or DOCX)"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    body = RichTextField(
        _("text"),
        blank=True,
        help_text=_("Optional: the text as editors want it shown. Without it the original's text is shown."),
    )
    extracted_text = models.TextField(_("text of the original"), blank=True, editable=False)

    search_fields = Page.search_fields + [
        index.SearchField("document_number", boost=5),
        index.SearchField("issuing_authority", boost=2),
        index.SearchField("summary"),
        index.SearchField("body"),
        index.SearchField("extracted_text"),
        index.FilterField("issued_on"),
        index.FilterField("validity"),
    ]

    content_panels = Page.content_panels + [
        FieldPanel("summary"),
        MultiFieldPanel(
            [
                FieldRowPanel([FieldPanel("issuing_authority"), FieldPanel("document_number")]),
                FieldRowPanel([FieldPanel("issued_on"), FieldPanel("validity")]),
                FieldPanel("category"),
            ],
            heading=_("Document details"),
        ),
        FieldPanel("original"),
        FieldPanel("body"),
        *AccessControlledPage.access_panels,
    ]

    library_kind = "policy"
    date_field = "issued_on"

    class Meta:
        verbose_name = _("policy document")
        verbose_name_plural = _("policy documents")
