"""The school's own domain: accounts, the organisation tree, members, the audit log, the home page."""

from __future__ import annotations

from django.conf import settings
from django.contrib.auth.models import AbstractUser
from django.core.validators import RegexValidator
from django.db import models
from django.utils.translation import gettext_lazy as _
from treebeard.mp_tree import MP_Node
from wagtail.admin.panels import FieldPanel
from wagtail.fields import RichTextField, StreamField
from wagtail.models import Page

from school import blocks

phone_validator = RegexValidator(
    r"^1\d{10}$", _("Enter an 11-digit mainland mobile number, e.g. 13800138000.")
)


class User(AbstractUser):
    """Django's user plus the one flag accounts need before a member profile exists."""

    must_change_password = models.BooleanField(
        _("must change password at next login"),
        default=False,
        help_text=_("Set for imported or admin-created accounts; cleared when the user sets a password."),
    )

    class Meta(AbstractUser.Meta):
        swappable = "AUTH_USER_MODEL"
        verbose_name = _("user")
        verbose_name_plural = _("users")

    @property
    def display_name(self) -> str:
        member = getattr(self, "member", None)
        if member is not None:
            return member.real_name
        return self.get_full_name() or self.username


class OrgUnit(MP_Node):
    """One node of 党委 > 党总支 > 党支部 > 党小组; permissions are scoped to subtrees of these."""

    class Kind(models.TextChoices):
        COMMITTEE = "committee", _("Party committee")  # 党委
        GENERAL_BRANCH = "general_branch", _("General party branch")  # 党总支
        BRANCH = "branch", _("Party branch")  # 党支部
        GROUP = "group", _("Party group")  # 党小组

    # Which kinds may sit directly below which: a 党小组 never holds a 党委.
    ALLOWED_CHILDREN = {
        Kind.COMMITTEE: {Kind.COMMITTEE, Kind.GENERAL_BRANCH, Kind.BRANCH},
        Kind.GENERAL_BRANCH: {Kind.BRANCH},
        Kind.BRANCH: {Kind.GROUP},
        Kind.GROUP: set(),
    }

    name = models.CharField(_("name"), max_length=100)
    kind = models.CharField(_("kind"), max_length=20, choices=Kind.choices)
    code = models.CharField(_("organisation code"), max_length=50, blank=True)
    secretary = models.CharField(_("secretary"), max_length=50, blank=True)
    contact_name = models.CharField(_("contact person"), max_length=50, blank=True)
    contact_phone = models.CharField(_("contact phone"), max_length=30, blank=True)
    address = models.CharField(_("address"), max_length=200, blank=True)
    managers = models.ManyToManyField(
        settings.AUTH_USER_MODEL,
        verbose_name=_("branch organizers"),
        blank=True,
        related_name="managed_org_units",
        help_text=_("Organizers who manage this unit and everything below it."),
    )
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)

    node_order_by = ["name"]

    class Meta:
        verbose_name = _("organisation unit")
        verbose_name_plural = _("organisation units")

    def __str__(self) -> str:
        return self.name

    @property
    def indented_name(self) -> str:
        return "\u3000" * (self.depth - 1) + self.name

    def subtree(self) -> models.QuerySet[OrgUnit]:
        return OrgUnit.objects.filter(path__startswith=self.path)

    def contains(self, other: OrgUnit) -> bool:
        return other.path.startswith(self.path)


class MemberQuerySet(models.QuerySet):
    def active(self) -> MemberQuerySet:
        return self.filter(is_active=True)

    def in_subtree(self, unit: OrgUnit) -> MemberQuerySet:
        return self.filter(org_unit__path__startswith=unit.path)


class Member(models.Model):
    """A learner's profile, one-to-one with the login account."""

    class Gender(models.TextChoices):
        MALE = "male", _("Male")
        FEMALE = "female", _("Female")

    class PoliticalStatus(models.TextChoices):
        FULL_MEMBER = "full", _("Full party member")  # 正式党员
        PROBATIONARY = "probationary", _("Probationary party member")  # 预备党员
        CANDIDATE = "candidate", _("Party membership candidate")  # 发展对象
        ACTIVIST = "activist", _("Party membership applicant activist")  # 入党积极分子
        MASSES = "masses", _("Non-party member")  # 群众

    user = models.OneToOneField(
        settings.AUTH_USER_MODEL, verbose_name=_("account"), on_delete=models.CASCADE, related_name="member"
    )
    real_name = models.CharField(_("real name"), max_length=50)
    gender = models.CharField(_("gender"), max_length=10, choices=Gender.choices, blank=True)
    org_unit = models.ForeignKey(
        OrgUnit, verbose_name=_("organisation unit"), on_delete=models.PROTECT, related_name="members"
    )
    political_status = models.CharField(
        _("political status"), max_length=20, choices=PoliticalStatus.choices, default=PoliticalStatus.MASSES
    )
    joined_party_on = models.DateField(_("date joined the party"), null=True, blank=True)
    phone = models.CharField(
        _("mobile phone"), max_length=11, unique=True, null=True, blank=True, validators=[phone_validator]
    )
    is_active = models.BooleanField(_("active"), default=True)
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)
    updated_at = models.DateTimeField(_("updated at"), auto_now=True)

    objects = MemberQuerySet.as_manager()

    class Meta:
        verbose_name = _("member")
        verbose_name_plural = _("members")
        ordering = ["org_unit__path", "real_name"]
        indexes = [models.Index(fields=["political_status"])]

    def __str__(self) -> str:
        return self.real_name


class AuditLog(models.Model):
    """Who did what to which object: every privileged action writes one row."""

    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("actor"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    action = models.CharField(_("action"), max_length=100, db_index=True)
    target_type = models.CharField(_("target type"), max_length=100, blank=True)
    target_id = models.CharField(_("target id"), max_length=64, blank=True)
    target_repr = models.CharField(_("target"), max_length=200, blank=True)
    data = models.JSONField(_("details"), default=dict, blank=True)
    created_at = models.DateTimeField(_("time"), auto_now_add=True, db_index=True)

    class Meta:
        verbose_name = _("audit log entry")
        verbose_name_plural = _("audit log")
        ordering = ["-created_at"]

    def __str__(self) -> str:
        return f"{self.action} {self.target_repr}"


class HomePage(Page):
    """The school's front page: a welcome banner and editable sections."""

    banner_title = models.CharField(_("banner title"), max_length=100, blank=True)
    banner_text = models.CharField(_("banner text"), max_length=250, blank=True)
    intro = RichTextField(_("introduction"), blank=True, features=["bold", "italic", "link", "ol", "ul"])
    body = StreamField(blocks.HomeBodyBlock(), verbose_name=_("sections"), blank=True)

    content_panels = Page.content_panels + [
        FieldPanel("banner_title"),
        FieldPanel("banner_text"),
        FieldPanel("intro"),
        FieldPanel("body"),
    ]

    parent_page_types = ["wagtailcore.Page"]
    max_count = 1

    class Meta:
        verbose_name = _("home page")

    def get_context(self, request, *args, **kwargs):
        from courses.catalog import home_highlights

        context = super().get_context(request, *args, **kwargs)
        context["highlights"] = home_highlights(user=request.user)
        return context


class MemberImport(models.Model):
    """One uploaded member sheet: parsed at preview, written at commit.

    The parsed rows live here rather than the file on disk, so that the commit may
    run on any web process; rows are dropped once they are no longer needed.
    """

    class Status(models.TextChoices):
        PREVIEWED = "previewed", _("Awaiting confirmation")
        COMMITTED = "committed", _("Imported")
        CANCELLED = "cancelled", _("Cancelled")
        FAILED = "failed", _("Failed")

    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("uploaded by"),
        null=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    created_at = models.DateTimeField(_("uploaded at"), auto_now_add=True)
    original_filename = models.CharField(_("file name"), max_length=255)
    status = models.CharField(_("status"), max_length=20, choices=Status.choices, default=Status.PREVIEWED)
    row_count = models.PositiveIntegerField(_("rows in the file"), default=0)
    rows = models.JSONField(_("valid rows"), default=list, blank=True)
    errors = models.JSONField(_("errors"), default=list, blank=True)
    ignored_columns = models.JSONField(_("ignored columns"), default=list, blank=True)
    created_count = models.PositiveIntegerField(_("members created"), default=0)
    committed_at = models.DateTimeField(_("imported at"), null=True, blank=True)

    class Meta:
        verbose_name = _("member import")
        verbose_name_plural = _("member imports")
        ordering = ["-created_at"]

    def __str__(self) -> str:
        return self.original_filename

    @property
    def can_commit(self) -> bool:
        return self.status == self.Status.PREVIEWED and not self.errors and bool(self.rows)


class PointRule(models.Model):
    """积分 rules: what an action earns and how much of it one member may earn per day."""

    class Code(models.TextChoices):
        DAILY_LOGIN = "daily_login", _("Logging in (once a day)")
        LESSON_COMPLETED = "lesson_completed", _("Completing a lesson")
        COURSE_COMPLETED = "course_completed", _("Completing a course")
        EXAM_PASSED = "exam_passed", _("Passing an exam")
        NOTE_PUBLISHED = "note_published", _("Publishing a study note")
        REPLY_POSTED = "reply_posted", _("Replying in the study community")

    code = models.CharField(_("action"), max_length=40, choices=Code.choices, unique=True)
    points = models.PositiveSmallIntegerField(_("points"), default=1)
    daily_cap = models.PositiveSmallIntegerField(
        _("daily limit"),
        default=0,
        help_text=_("Most points one member earns by this rule per day; 0 for no limit."),
    )
    is_active = models.BooleanField(_("active"), default=True)

    class Meta:
        verbose_name = _("points rule")
        verbose_name_plural = _("points rules")
        ordering = ["code"]

    def __str__(self) -> str:
        return self.get_code_display()


class PointEntry(models.Model):
    """One award in the append-only points ledger; the same action on the same object counts once a day."""

    member = models.ForeignKey(
        Member, verbose_name=_("member"), on_delete=models.CASCADE, related_name="points"
    )
    rule = models.CharField(_("action"), max_length=40, choices=PointRule.Code.choices)
    object_key = models.CharField(_("object"), max_length=64, blank=True)
    day = models.DateField(_("date"))
    points = models.PositiveSmallIntegerField(_("points"))
    created_at = models.DateTimeField(_("time"), auto_now_add=True)

    class Meta:
        verbose_name = _("points entry")
        verbose_name_plural = _("points")
        constraints = [
            models.UniqueConstraint(
                fields=["member", "rule", "object_key", "day"], name="points_once_per_object_and_day"
            )
        ]
        indexes = [models.Index(fields=["member", "day"])]

    def __str__(self) -> str:
        return f"{self.member} +{self.points} {self.get_rule_display()}"


class ReportExport(models.Model):
    """A large statistics export built by a worker; the organizer who asked downloads it when ready."""

    class Status(models.TextChoices):
        QUEUED = "queued", _("Waiting")
        RUNNING = "running", _("Being built")
        READY = "ready", _("Ready to download")
        FAILED = "failed", _("Failed")

    class Format(models.TextChoices):
        XLSX = "xlsx", "Excel (.xlsx)"
        CSV = "csv", "CSV"

    requested_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("requested by"), on_delete=models.CASCADE, related_name="+"
    )
    format = models.CharField(_("format"), max_length=10, choices=Format.choices)
    params = models.JSONField(_("filters"), default=dict)
    description = models.CharField(_("what"), max_length=200)
    status = models.CharField(_("status"), max_length=20, choices=Status.choices, default=Status.QUEUED)
    total = models.PositiveIntegerField(_("rows"), default=0)
    done = models.PositiveIntegerField(_("rows written"), default=0)
    file = models.FileField(_("file"), upload_to="reports/%Y/%m/", max_length=200, blank=True)
    filename = models.CharField(_("file name"), max_length=200, blank=True)
    error = models.CharField(_("reason"), max_length=300, blank=True)
    created_at = models.DateTimeField(_("requested at"), auto_now_add=True)
    finished_at = models.DateTimeField(_("finished at"), null=True, blank=True)

    class Meta:
        verbose_name = _("report export")
        verbose_name_plural = _("report exports")
        ordering = ["-created_at"]

    def __str__(self) -> str:
        return self.description

    @property
    def percent(self) -> int:
        if self.status == self.Status.READY:
            return 100
        return int(self.done * 100 / self.total) if self.total else 0
