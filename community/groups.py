"""Topic study groups (专题学习小组): every write, and the progress overview.

An organizer's group is active at once, with its board; a member's group (or one whose text holds
a word under review) waits for the organizers who would moderate it. Members of the group's scope
join while it is active and has room: one membership per member and group, kept by a unique
constraint, so a double click or two racing requests count once. The last leader cannot walk out
on a group that still has members. The reading list holds live courses, lessons, articles and
policy documents its editor may read; members tick articles and documents as read, while courses
and lessons count from real study progress. Approving, declining and archiving write audit rows.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from django.contrib.contenttypes.models import ContentType
from django.db import IntegrityError, transaction
from django.db.models import F, Max, Q, QuerySet
from django.urls import reverse
from django.utils.translation import gettext as _
from wagtail.models import Page

from community import content, permissions
from community.exceptions import InvalidPost, NotAllowed
from community.models import (
    Board,
    GroupMembership,
    GroupReading,
    Notification,
    ReadingDone,
    StudyGroup,
)
from community.models import Visibility as V
from community.notifications import notification_send
from community.services import _screen
from courses.models import ArticlePage, CoursePage, Enrollment, LessonPage, LessonProgress, PolicyDocumentPage
from courses.permissions import can_read
from school.models import User
from school.roles import Role
from school.services.audit import audit_record

MIN_MEMBERS = 2
MAX_MEMBERS = 200
MAX_NAME_CHARS = StudyGroup._meta.get_field("name").max_length
MAX_TOPIC_CHARS = StudyGroup._meta.get_field("topic").max_length
MAX_REASON_CHARS = StudyGroup._meta.get_field("status_reason").max_length
MAX_NOTE_CHARS = GroupReading._meta.get_field("note").max_length

# What a reading list holds, and which of it members tick as read themselves.
KINDS = {CoursePage: "course", LessonPage: "lesson", ArticlePage: "article", PolicyDocumentPage: "policy"}
TICKED = ("article", "policy")

S = StudyGroup.Status


def group_url(group: StudyGroup) -> str:
    return reverse("community:group", args=[group.pk])


# ---------- Creating and deciding ----------


@transaction.atomic(durable=True)
def group_create(
    *,
    creator: User,
    name: str,
    topic: str,
    description: str = "",
    org_unit=None,
    max_members: int = 50,
) -> StudyGroup:
    """Start a group led by ``creator``: active at once (with its board) if they would moderate it,
    else waiting for the organizers who do, who are told."""
    if not permissions.is_participant(creator):
        raise NotAllowed(_("Please log in to start a study group."))
    name = content.clean_line(
        name,
        empty=_("Please give the group a name."),
        max_chars=MAX_NAME_CHARS,
        too_long=_("The name is too long: at most %(max)d characters."),
    )
    topic = content.clean_line(
        topic,
        empty=_("Please name the topic the group studies."),
        max_chars=MAX_TOPIC_CHARS,
        too_long=_("The topic is too long: at most %(max)d characters."),
    )
    cleaned = content.clean_body(description) if (description or "").strip() else None
    if not permissions.can_open_group_to(creator, org_unit):
        raise NotAllowed(_("A group can be opened to your own organisation or to a unit you manage only."))
    if not MIN_MEMBERS <= max_members <= MAX_MEMBERS:
        raise InvalidPost(
            _("A group has room for %(min)d to %(max)d members.") % {"min": MIN_MEMBERS, "max": MAX_MEMBERS}
        )
    visibility = _screen(f"{name}\n{topic}\n{cleaned.text if cleaned else ''}")
    group = StudyGroup(
        name=name,
        topic=topic,
        description=cleaned.html if cleaned else "",
        org_unit=org_unit,
        max_members=max_members,
        member_count=1,
        created_by=creator,
    )
    active = (
        visibility == V.PUBLISHED
        and permissions.can_create_active_group(creator)
        and permissions.can_moderate_group(creator, group)
    )
    group.status = S.ACTIVE if active else S.PENDING
    group.save()
    GroupMembership.objects.create(group=group, user=creator, role=GroupMembership.Role.LEADER)
    if active:
        _open_board(group)
    else:
        notification_send(
            recipients=approvers_of(group),
            kind=Notification.Kind.GROUP_PENDING,
            actor=creator,
            subject=group.name,
            url=group_url(group),
        )
    return group


def approvers_of(group: StudyGroup) -> QuerySet[User]:
    """The organizers of the group's unit (or of its creator's 支部); system administrators when
    there are none, so that no request waits for nobody."""
    unit = group.org_unit if group.org_unit_id is not None else permissions.author_branch(group.created_by)
    organizers = permissions.organizers_of(unit) if unit is not None else User.objects.none()
    if organizers.exists():
        return organizers
    return User.objects.filter(
        Q(is_superuser=True) | Q(groups__name=Role.SYSTEM_ADMIN.value), is_active=True
    ).distinct()


@transaction.atomic(durable=True)
def group_approve(*, group: StudyGroup, acting_user: User) -> StudyGroup:
    group = _locked_for_moderation(group, acting_user)
    if group.status != S.PENDING:
        raise NotAllowed(_("This group has already been decided."))
    group.status, group.status_reason = S.ACTIVE, ""
    group.save(update_fields=["status", "status_reason"])
    _open_board(group)
    audit_record(actor=acting_user, action="community.group.approved", target=group)
    notification_send(
        recipients=[group.created_by],
        kind=Notification.Kind.GROUP_APPROVED,
        actor=acting_user,
        subject=group.name,
        url=group_url(group),
    )
    return group


@transaction.atomic(durable=True)
def group_decline(*, group: StudyGroup, acting_user: User, reason: str) -> StudyGroup:
    group = _locked_for_moderation(group, acting_user)
    reason = content.clean_line(
        reason,
        empty=_("Please give a reason: the member who started the group will read it."),
        max_chars=MAX_REASON_CHARS,
        too_long=_("The reason is too long: at most %(max)d characters."),
    )
    if group.status != S.PENDING:
        raise NotAllowed(_("This group has already been decided."))
    group.status, group.status_reason = S.DECLINED, reason
    group.save(update_fields=["status", "status_reason"])
    audit_record(actor=acting_user, action="community.group.declined", target=group, reason=reason)
    notification_send(
        recipients=[group.created_by],
        kind=Notification.Kind.GROUP_DECLINED,
        actor=acting_user,
        subject=group.name,
        url=group_url(group),
    )
    return group


@transaction.atomic(durable=True)
def group_archive(*, group: StudyGroup, acting_user: User, reason: str = "") -> StudyGroup:
    """Close a group: it keeps its members, board and reading list for reading, and takes nothing new."""
    group = _locked_for_moderation(group, acting_user)
    reason = content.clean_line(
        reason,
        empty=None,
        max_chars=MAX_REASON_CHARS,
        too_long=_("The reason is too long: at most %(max)d characters."),
    )
    if group.status != S.ACTIVE:
        raise NotAllowed(_("Only an active group can be archived."))
    _archive(group, reason=reason)
    audit_record(actor=acting_user, action="community.group.archived", target=group, reason=reason)
    return group


# ---------- Members ----------


def group_join(*, group: StudyGroup, user: User) -> GroupMembership:
    """Join an active group of one's scope that has room. Joining twice, however close in time,
    raises ``NotAllowed`` and counts once."""
    if not permissions.is_participant(user):
        raise NotAllowed(_("Please log in to join a study group."))
    try:
        with transaction.atomic(durable=True):
            group = (
                StudyGroup.objects.select_for_update(of=("self",)).select_related("org_unit").get(pk=group.pk)
            )
            if GroupMembership.objects.filter(group=group, user=user).exists():
                raise NotAllowed(_("You are already a member of this group."))
            _refuse_unless_open(group)
            if not permissions.group_admits(user, group):
                raise NotAllowed(
                    _("This group is open to members of %(unit)s only.") % {"unit": group.org_unit.name}
                )
            if group.member_count >= group.max_members:
                raise NotAllowed(
                    _("This group is full: it has room for %(max)d members.") % {"max": group.max_members}
                )
            membership = GroupMembership.objects.create(group=group, user=user)
            StudyGroup.objects.filter(pk=group.pk).update(member_count=F("member_count") + 1)
    except IntegrityError:
        raise NotAllowed(_("You are already a member of this group.")) from None
    return membership


@transaction.atomic(durable=True)
def group_leave(*, group: StudyGroup, user: User) -> None:
    """Leave a group. The last leader stays while others remain; the last member to leave an active
    group archives it."""
    group = StudyGroup.objects.select_for_update().get(pk=group.pk)
    membership = GroupMembership.objects.filter(group=group, user_id=user.pk).first()
    if membership is None:
        raise NotAllowed(_("You are not a member of this group."))
    if group.status not in (S.ACTIVE, S.ARCHIVED):
        raise NotAllowed(_("This group has not started: there is nothing to leave yet."))
    others = GroupMembership.objects.filter(group=group).exclude(pk=membership.pk)
    if (
        group.status == S.ACTIVE
        and membership.role == GroupMembership.Role.LEADER
        and others.exists()
        and not others.filter(role=GroupMembership.Role.LEADER).exists()
    ):
        raise NotAllowed(
            _(
                "You are the only leader of this group. Make another member a leader first, "
                "then you can leave."
            )
        )
    membership.delete()
    StudyGroup.objects.filter(pk=group.pk).update(member_count=F("member_count") - 1)
    if group.status == S.ACTIVE and not others.exists():
        _archive(group, reason="")  # the page says it is archived; the audit row says why
        audit_record(actor=user, action="community.group.archived", target=group, reason="last member left")


@transaction.atomic(durable=True)
def group_leader_appoint(*, group: StudyGroup, user: User, acting_user: User) -> GroupMembership:
    """Make a member a leader of the group (leaders and moderators do this)."""
    group = StudyGroup.objects.select_for_update().get(pk=group.pk)
    if not permissions.can_manage_readings(acting_user, group):
        raise NotAllowed(_("Only the group's leaders and its organizers name leaders."))
    if group.status != S.ACTIVE:
        raise NotAllowed(_("Leaders are named while the group is active only."))
    membership = GroupMembership.objects.filter(group=group, user_id=user.pk).first()
    if membership is None:
        raise NotAllowed(_("Only a member of the group can become its leader."))
    if membership.role != GroupMembership.Role.LEADER:
        membership.role = GroupMembership.Role.LEADER
        membership.save(update_fields=["role"])
    return membership


# ---------- The reading list ----------


def reading_add(*, group: StudyGroup, page: Page | None, acting_user: User, note: str = "") -> GroupReading:
    """Put a live course, lesson, article or policy document ``acting_user`` may read on the list."""
    if not permissions.can_manage_readings(acting_user, group):
        raise NotAllowed(_("Only the group's leaders and its organizers edit the reading list."))
    page = _library_item(page, acting_user)
    note = content.clean_line(
        note,
        empty=None,
        max_chars=MAX_NOTE_CHARS,
        too_long=_("The note is too long: at most %(max)d characters."),
    )
    if note and _screen(note) != V.PUBLISHED:
        raise InvalidPost(_("The note contains a word that needs review. Please change it."))
    already = InvalidPost(_("“%(title)s” is already on the reading list.") % {"title": page.title})
    try:
        with transaction.atomic(durable=True):
            group = StudyGroup.objects.select_for_update().get(pk=group.pk)
            _refuse_unless_editable(group)
            if GroupReading.objects.filter(group=group, page_id=page.pk).exists():
                raise already
            last = GroupReading.objects.filter(group=group).aggregate(last=Max("position"))["last"]
            return GroupReading.objects.create(
                group=group,
                page_id=page.pk,
                note=note,
                position=0 if last is None else last + 1,
                added_by=acting_user,
            )
    except IntegrityError:
        raise already from None


@transaction.atomic(durable=True)
def reading_remove(*, reading: GroupReading, acting_user: User) -> None:
    reading = _locked_reading(reading, acting_user)
    reading.delete()


@transaction.atomic(durable=True)
def reading_move(*, reading: GroupReading, acting_user: User, up: bool) -> None:
    """Swap the item with its neighbour above (``up``) or below; positions are renumbered 0…n-1."""
    reading = _locked_reading(reading, acting_user)
    items = list(GroupReading.objects.filter(group_id=reading.group_id).order_by("position", "id"))
    index = next(i for i, item in enumerate(items) if item.pk == reading.pk)
    other = index - 1 if up else index + 1
    if 0 <= other < len(items):
        items[index], items[other] = items[other], items[index]
    for position, item in enumerate(items):
        item.position = position
    GroupReading.objects.bulk_update(items, ["position"])


def reading_mark_done(*, reading: GroupReading, user: User) -> bool:
    """Tick an article or policy document of the list as read, or take the tick back; returns
    whether it is ticked now. Courses and lessons count from real study progress instead."""
    group = reading.group
    if not permissions.is_group_member(user, group):
        raise NotAllowed(_("Only members of the group tick items as read."))
    if group.status != S.ACTIVE:
        raise NotAllowed(_("This group is archived: its reading list can no longer change."))
    page = reading.page.specific
    if KINDS.get(type(page)) not in TICKED:
        raise NotAllowed(_("Courses and lessons count as done when you complete them in your studies."))
    if not page.live or not can_read(user, page):
        raise NotAllowed(_("You cannot open this item."))
    with transaction.atomic(durable=True):
        removed, _kinds = ReadingDone.objects.filter(reading=reading, user_id=user.pk).delete()
        if removed:
            return False
        try:
            with transaction.atomic():
                ReadingDone.objects.create(reading=reading, user=user)
        except IntegrityError:
            pass  # a racing click ticked it already
        return True


# ---------- Progress ----------


@dataclass
class ReadingItem:
    reading: GroupReading
    kind: str  # course, lesson, article, policy
    done_count: int = 0
    hidden: bool = False  # the viewer may not open it: its title is not shown

    @property
    def ticked(self) -> bool:
        return self.kind in TICKED


@dataclass
class MemberProgress:
    membership: GroupMembership
    cells: list[tuple[ReadingItem, bool]] = field(default_factory=list)  # in list order

    @property
    def done_count(self) -> int:
        return sum(done for _item, done in self.cells)

    @property
    def percent(self) -> int:
        return round(100 * self.done_count / len(self.cells)) if self.cells else 0


@dataclass
class GroupProgress:
    items: list[ReadingItem]
    members: list[MemberProgress]

    @property
    def percent(self) -> int:
        """Of all member × item cells, the share done."""
        cells = len(self.items) * len(self.members)
        return round(100 * sum(m.done_count for m in self.members) / cells) if cells else 0


def group_progress(group: StudyGroup, *, viewer: User | None = None) -> GroupProgress:
    """For every member and reading item, done or not, in a fixed number of queries. Items the
    ``viewer`` may not open are counted but marked ``hidden`` (their titles are not shown)."""
    memberships = list(
        GroupMembership.objects.filter(group=group)
        .select_related("user__member__org_unit")
        .order_by("role", "joined_at", "id")  # leaders first
    )
    readings = GroupReading.objects.filter(group=group).select_related("page")
    items = [ReadingItem(reading=reading, kind=kind_of(reading.page)) for reading in readings]
    if viewer is not None:
        shown = readable_reading_ids(readings, viewer)
        for item in items:
            item.hidden = item.reading.pk not in shown
    done = done_pairs(items, [m.user_id for m in memberships])
    members = []
    for membership in memberships:
        row = MemberProgress(membership=membership)
        for item in items:
            cell = (item.reading.pk, membership.user_id) in done
            row.cells.append((item, cell))
            item.done_count += cell
        members.append(row)
    return GroupProgress(items=items, members=members)


def readable_reading_ids(readings, user: User) -> set[int]:
    """The reading items (of the queryset ``readings``) whose page ``user`` may open: one query."""
    return set(readings.filter(permissions.readable_pages_q(user, "page")).values_list("pk", flat=True))


def kind_of(page: Page) -> str:
    """course, lesson, article or policy ("" for anything else), from the content-type cache."""
    kinds = {
        content_type.pk: KINDS[model]
        for model, content_type in ContentType.objects.get_for_models(*KINDS).items()
    }
    return kinds.get(page.content_type_id, "")


def done_pairs(items: list[ReadingItem], user_ids: list[int]) -> set[tuple[int, int]]:
    """(reading id, user id) of every item done: ticked articles and documents, completed courses
    (enrolment completed) and lessons (progress completed). Three queries at most."""
    if not items or not user_ids:
        return set()
    by_page: dict[str, dict[int, list[int]]] = {"course": {}, "lesson": {}}
    ticked = []
    for item in items:
        if item.ticked:
            ticked.append(item.reading.pk)
        elif item.kind in by_page:
            by_page[item.kind].setdefault(item.reading.page_id, []).append(item.reading.pk)
    pairs: set[tuple[int, int]] = set()
    if ticked:
        pairs.update(
            ReadingDone.objects.filter(reading_id__in=ticked, user_id__in=user_ids).values_list(
                "reading_id", "user_id"
            )
        )
    sources = (
        ("course", Enrollment.objects.filter(status=Enrollment.Status.COMPLETED), "course_id"),
        ("lesson", LessonProgress.objects.filter(completed_at__isnull=False), "lesson_id"),
    )
    for kind, rows, page_field in sources:
        pages = by_page[kind]
        if not pages:
            continue
        found = rows.filter(**{f"{page_field}__in": list(pages), "member__user_id__in": user_ids})
        for page_id, user_id in found.values_list(page_field, "member__user_id"):
            pairs.update((reading_id, user_id) for reading_id in pages[page_id])
    return pairs


# ---------- helpers ----------


def _refuse_unless_open(group: StudyGroup) -> None:
    if group.status == S.ARCHIVED:
        raise NotAllowed(_("This group is archived and takes no new members."))
    if group.status != S.ACTIVE:
        raise NotAllowed(_("This group has not been approved yet."))


def _refuse_unless_editable(group: StudyGroup) -> None:
    if group.status not in (S.PENDING, S.ACTIVE):
        raise NotAllowed(_("This group is archived: its reading list can no longer change."))


def _library_item(page: Page | None, user: User) -> Page:
    if page is None:
        raise InvalidPost(_("Please choose an item from the library."))
    page = page.specific
    if type(page) not in KINDS:
        raise InvalidPost(
            _("Only courses, lessons, articles and policy documents can go on the reading list.")
        )
    if not page.live:
        raise InvalidPost(_("Only published items can go on the reading list."))
    if not can_read(user, page):
        raise InvalidPost(_("You cannot open this item, so you cannot put it on the reading list."))
    return page


def _locked_for_moderation(group: StudyGroup, acting_user: User) -> StudyGroup:
    group = StudyGroup.objects.select_for_update().get(pk=group.pk)
    if not permissions.can_moderate_group(acting_user, group):
        raise NotAllowed(_("Only the organizers of the group's organisation decide on it."))
    return group


def _locked_reading(reading: GroupReading, acting_user: User) -> GroupReading:
    reading = GroupReading.objects.get(pk=reading.pk)
    group = StudyGroup.objects.select_for_update().get(pk=reading.group_id)
    if not permissions.can_manage_readings(acting_user, group):
        raise NotAllowed(_("Only the group's leaders and its organizers edit the reading list."))
    _refuse_unless_editable(group)
    return reading


def _open_board(group: StudyGroup) -> None:
    group.board = Board.objects.create(
        kind=Board.Kind.GROUP, title=group.name[:60], description=group.topic[:200], page=None, org_unit=None
    )
    group.save(update_fields=["board"])


def _archive(group: StudyGroup, *, reason: str) -> None:
    group.status, group.status_reason = S.ARCHIVED, reason[:MAX_REASON_CHARS]
    group.save(update_fields=["status", "status_reason"])
    if group.board_id is not None:
        Board.objects.filter(pk=group.board_id).update(is_active=False)
