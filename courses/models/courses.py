"""The course catalog, courses and their lessons as Wagtail pages.

The tree is fixed by ``parent_page_types``/``subpage_types``: 首页 > 课程 (one catalog) > course >
lesson. A course's lessons are its child pages, in the order editors give them in the tree.
"""

from __future__ import annotations

import datetime
from decimal import Decimal

from django.conf import settings
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy
from modelcluster.fields import ParentalKey, ParentalManyToManyField
from wagtail.admin.panels import FieldPanel, FieldRowPanel, InlinePanel, MultiFieldPanel
from wagtail.fields import RichTextField, StreamField
from wagtail.models import Orderable, Page
from wagtail.search import index

from courses.blocks import LessonBodyBlock
from courses.forms import CoursePageForm, LessonPageForm
from courses.models.access import AccessControlledPage
from school.roles import Role

INTRO_FEATURES = ["bold", "italic", "link", "ol", "ul"]


class SectionIndexPage(Page):
    """A section under the home page (课程, 资料库): an introduction above a filtered listing."""

    intro = RichTextField(_("introduction"), blank=True, features=INTRO_FEATURES)

    content_panels = Page.content_panels + [FieldPanel("intro")]

    parent_page_types = ["school.HomePage"]
    max_count = 1

    class Meta:
        abstract = True


class CourseIndexPage(SectionIndexPage):
    """课程: the catalog. Filters and sorting live in ``courses.catalog``."""

    subpage_types = ["courses.CoursePage"]

    class Meta:
        verbose_name = _("course catalog")

    def get_context(self, request, *args, **kwargs):
        from courses.catalog import course_catalog

        context = super().get_context(request, *args, **kwargs)
        context["catalog"] = course_catalog(user=request.user, params=request.GET, catalog=self)
        return context


class CoursePage(AccessControlledPage):
    class Requirement(models.TextChoices):
        REQUIRED = "required", pgettext_lazy("course", "Required")  # 必修
        ELECTIVE = "elective", pgettext_lazy("course", "Elective")  # 选修

    class EnrollmentMode(models.TextChoices):
        OPEN = "open", _("Open: members enrol themselves")
        ASSIGNED = "assigned", _("Assigned: organizers assign members")
        APPROVAL = "approval", _("By approval: members apply, organizers approve")

    class Status(models.TextChoices):
        UPCOMING = "upcoming", _("Not open yet")
        OPEN = "open", _("Open")
        CLOSED = "closed", _("Closed")

    summary = models.CharField(
        _("summary"), max_length=300, help_text=_("One or two sentences shown in the catalog.")
    )
    cover = models.ForeignKey(
        "wagtailimages.Image",
        verbose_name=_("cover image"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    description = RichTextField(_("description"), blank=True, features=INTRO_FEATURES + ["h3"])
    topic = models.ForeignKey(
        "courses.CourseTopic",
        verbose_name=_("topic"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="courses",
    )
    instructors = ParentalManyToManyField(
        settings.AUTH_USER_MODEL,
        verbose_name=_("instructors"),
        blank=True,
        related_name="taught_courses",
        limit_choices_to={"groups__name": Role.INSTRUCTOR.value},
    )
    credit_hours = models.DecimalField(
        _("credit hours"),
        max_digits=4,
        decimal_places=1,
        null=True,
        blank=True,
        validators=[MinValueValidator(Decimal("0")), MaxValueValidator(Decimal("99.9"))],
        help_text=_(
            "学时 a member earns by completing the course. Leave empty to add up its lessons by the "
            "credit hours tiers."
        ),
    )
    requirement = models.CharField(
        _("required or elective"), max_length=20, choices=Requirement.choices, default=Requirement.ELECTIVE
    )
    audience_statuses = models.JSONField(
        _("for members who are"),
        default=list,
        blank=True,
        help_text=_("Leave all unticked for everyone."),
    )
    enrollment_mode = models.CharField(
        _("enrolment"), max_length=20, choices=EnrollmentMode.choices, default=EnrollmentMode.OPEN
    )
    opens_on = models.DateField(_("opens on"), null=True, blank=True)
    closes_on = models.DateField(_("closes on"), null=True, blank=True)
    certificate_on_completion = models.BooleanField(
        _("certificate on completion"),
        default=False,
        help_text=_(
            "Issue a certificate to members who complete the course. A course with a graduation exam "
            "issues its certificate when the exam is passed instead."
        ),
    )

    search_fields = Page.search_fields + [index.SearchField("summary"), index.SearchField("description")]

    content_panels = Page.content_panels + [
        FieldPanel("summary"),
        FieldPanel("cover"),
        FieldPanel("description"),
        FieldPanel("topic"),
        FieldPanel("instructors"),
        MultiFieldPanel(
            [
                FieldRowPanel([FieldPanel("requirement"), FieldPanel("credit_hours")]),
                FieldPanel("audience_statuses"),
                FieldPanel("enrollment_mode"),
                FieldRowPanel([FieldPanel("opens_on"), FieldPanel("closes_on")]),
                FieldPanel("certificate_on_completion"),
            ],
            heading=_("Study arrangements"),
        ),
        *AccessControlledPage.access_panels,
    ]
    base_form_class = CoursePageForm

    parent_page_types = ["courses.CourseIndexPage"]
    subpage_types = ["courses.LessonPage"]

    class Meta:
        verbose_name = _("course")
        verbose_name_plural = _("courses")

    def status(self, today: datetime.date | None = None) -> str:
        today = today or timezone.localdate()
        if self.opens_on and today < self.opens_on:
            return self.Status.UPCOMING
        if self.closes_on and today > self.closes_on:
            return self.Status.CLOSED
        return self.Status.OPEN

    @property
    def status_label(self) -> str:
        return self.Status(self.status()).label

    def effective_credit_hours(self) -> Decimal:
        """The hours set by the editor, or else its live lessons' hours by the tiers."""
        from courses.models.credits import CreditTier, hours_for_minutes

        if self.credit_hours is not None:
            return self.credit_hours
        tiers = list(CreditTier.objects.all())
        lessons = LessonPage.objects.child_of(self).live().select_related("video")
        return sum((hours_for_minutes(lesson.minutes, tiers) for lesson in lessons), Decimal("0"))

    def get_context(self, request, *args, **kwargs):
        from courses.permissions import readable_lessons
        from courses.selectors import course_study_state

        context = super().get_context(request, *args, **kwargs)
        lessons = list(readable_lessons(user=request.user, course=self))
        context["lessons"] = lessons
        context["study"] = course_study_state(request, self, lessons)
        return context


class LessonPage(AccessControlledPage):
    summary = models.CharField(_("summary"), max_length=300, blank=True)
    video = models.ForeignKey(
        "media_pipeline.Video",
        verbose_name=_("video"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="lessons",
    )
    body = StreamField(LessonBodyBlock(), verbose_name=_("text"), blank=True)
    estimated_minutes = models.PositiveSmallIntegerField(
        _("estimated minutes"),
        default=10,
        validators=[MinValueValidator(1), MaxValueValidator(600)],
        help_text=_("How long the lesson takes; for a video lesson about the video's length."),
    )

    search_fields = Page.search_fields + [index.SearchField("summary"), index.SearchField("body")]

    content_panels = Page.content_panels + [
        FieldPanel("summary"),
        FieldPanel("video"),
        FieldPanel("body"),
        InlinePanel("attachments", heading=_("Attachments"), label=_("attachment")),
        FieldPanel("estimated_minutes"),
        *AccessControlledPage.access_panels,
    ]
    base_form_class = LessonPageForm

    parent_page_types = ["courses.CoursePage"]
    subpage_types: list[str] = []

    class Meta:
        verbose_name = _("lesson")
        verbose_name_plural = _("lessons")

    @property
    def course(self) -> CoursePage:
        return self.get_parent().specific

    @property
    def minutes(self) -> float:
        """How long the lesson takes: its video's length, or else the editor's estimate."""
        if self.video_id and self.video.duration:
            return self.video.duration / 60
        return float(self.estimated_minutes)

    def get_context(self, request, *args, **kwargs):
        from courses.permissions import readable_lessons
        from courses.selectors import lesson_study_config, member_of, progress_by_lesson
        from media_pipeline.playback import player_context

        context = super().get_context(request, *args, **kwargs)
        course = self.course
        context["course"] = course
        context["attachments"] = self.attachments.select_related("document")
        progress = progress_by_lesson(request.user, [self]).get(self.pk)
        context["progress"] = progress
        video = self.video
        if video is not None and video.is_ready and request.user.is_authenticated:
            resume_at = progress.position if progress else None
            context["player"] = player_context(video=video, user=request.user, resume_at=resume_at)
        if member_of(request.user) is not None:
            context["study"] = lesson_study_config(request, self, progress)
        siblings = list(readable_lessons(user=request.user, course=course))
        position = next((i for i, lesson in enumerate(siblings) if lesson.pk == self.pk), None)
        if position is not None:
            context["previous_lesson"] = siblings[position - 1] if position > 0 else None
            context["next_lesson"] = siblings[position + 1] if position + 1 < len(siblings) else None
        return context


class LessonAttachment(Orderable):
    page = ParentalKey(LessonPage, related_name="attachments", on_delete=models.CASCADE)
    document = models.ForeignKey(
        "wagtaildocs.Document", verbose_name=_("document"), on_delete=models.CASCADE, related_name="+"
    )
    title = models.CharField(
        _("shown as"), max_length=255, blank=True, help_text=_("Leave empty to show the document's title.")
    )

    panels = [FieldPanel("document"), FieldPanel("title")]

    class Meta(Orderable.Meta):
        verbose_name = _("attachment")
        verbose_name_plural = _("attachments")

    @property
    def label(self) -> str:
        return self.title or self.document.title
