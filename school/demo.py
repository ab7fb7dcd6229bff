"""Demo content for `manage.py load_demo`: an org tree, about thirty members and home page content.

Everything is keyed by stable names and usernames so that loading twice creates nothing new,
and nothing that already exists is changed: no password is reset, no editor's page is overwritten.
Later issues add their own demo content (courses, exams, ...) by extending ``demo_load``.
"""

from __future__ import annotations

import datetime
from dataclasses import dataclass, field
from typing import TextIO

from django.conf import settings
from django.contrib.auth import get_user_model
from django.db import transaction
from django.utils.translation import gettext as _

from school.models import HomePage, Member, OrgUnit
from school.roles import Role
from school.services.members import member_create

User = get_user_model()

DEMO_PASSWORD = "demo1234"
SUPERUSER = "admin"

Kind = OrgUnit.Kind
Status = Member.PoliticalStatus
Gender = Member.Gender


class DemoRefused(Exception):
    """Demo accounts with published passwords must never reach a production database by accident."""


@dataclass(frozen=True)
class UnitSpec:
    key: str
    name: str
    kind: str
    parent: str | None
    secretary: str = ""


@dataclass(frozen=True)
class MemberSpec:
    real_name: str
    unit: str
    phone: str
    gender: str
    status: str
    joined: datetime.date | None = None
    username: str = ""  # printed demo accounts have a short username; others log in with their phone
    roles: tuple[Role, ...] = (Role.LEARNER,)
    manages: str | None = None  # key of the unit a 支部管理员 manages

    @property
    def login(self) -> str:
        return self.username or self.phone


UNITS = [
    UnitSpec("committee", "示范市直机关党委", Kind.COMMITTEE, None, "黄建平"),
    UnitSpec("general_a", "综合处室党总支", Kind.GENERAL_BRANCH, "committee", "李红梅"),
    UnitSpec("general_b", "业务处室党总支", Kind.GENERAL_BRANCH, "committee", "唐国栋"),
    UnitSpec("office", "办公室党支部", Kind.BRANCH, "general_a", "赵文博"),
    UnitSpec("hr", "人事财务党支部", Kind.BRANCH, "general_a", "郑丽华"),
    UnitSpec("policy", "政策研究党支部", Kind.BRANCH, "general_b", "陈立新"),
    UnitSpec("it", "信息中心党支部", Kind.BRANCH, "general_b", "马骏"),
    UnitSpec("office_group", "办公室第一党小组", Kind.GROUP, "office"),
    UnitSpec("policy_group", "政策研究第一党小组", Kind.GROUP, "policy"),
]

D = datetime.date
M, F = Gender.MALE, Gender.FEMALE

# Phones use 1380013xxxx, the range of the well-known example number 13800138000.
MEMBERS = [
    # The printed demo accounts.
    MemberSpec(
        "周志远",
        "committee",
        "13800130001",
        M,
        Status.FULL_MEMBER,
        D(2005, 7, 1),
        "sysadmin",
        (Role.SYSTEM_ADMIN,),
    ),
    MemberSpec(
        "李红梅",
        "general_a",
        "13800130002",
        F,
        Status.FULL_MEMBER,
        D(2001, 7, 1),
        "organizer",
        (Role.BRANCH_ORGANIZER, Role.LEARNER),
        manages="general_a",
    ),
    MemberSpec(
        "陈立新",
        "policy",
        "13800130003",
        M,
        Status.FULL_MEMBER,
        D(2006, 7, 1),
        "organizer2",
        (Role.BRANCH_ORGANIZER, Role.LEARNER),
        manages="policy",
    ),
    MemberSpec(
        "孙悦", "office", "13800130004", F, Status.FULL_MEMBER, D(2013, 6, 26), "editor", (Role.EDITOR,)
    ),
    MemberSpec(
        "吴启明",
        "committee",
        "13800130005",
        M,
        Status.FULL_MEMBER,
        D(1996, 6, 28),
        "instructor",
        (Role.INSTRUCTOR,),
    ),
    MemberSpec("刘晓东", "office_group", "13800130006", M, Status.FULL_MEMBER, D(2015, 7, 1), "learner"),
    # Everyone else logs in with their phone number and must set a password first.
    MemberSpec("黄建平", "committee", "13800130011", M, Status.FULL_MEMBER, D(1994, 7, 1)),
    MemberSpec("曹慧", "committee", "13800130012", F, Status.MASSES),
    MemberSpec("唐国栋", "general_b", "13800130013", M, Status.FULL_MEMBER, D(2000, 12, 1)),
    MemberSpec("赵文博", "office", "13800130014", M, Status.FULL_MEMBER, D(2008, 6, 20)),
    MemberSpec("钱佳怡", "office", "13800130015", F, Status.PROBATIONARY, D(2025, 6, 28)),
    MemberSpec("周敏", "office_group", "13800130016", F, Status.FULL_MEMBER, D(2012, 11, 15)),
    MemberSpec("何俊杰", "office_group", "13800130017", M, Status.ACTIVIST),
    MemberSpec("郑丽华", "hr", "13800130018", F, Status.FULL_MEMBER, D(2003, 7, 1)),
    MemberSpec("冯志强", "hr", "13800130019", M, Status.FULL_MEMBER, D(2010, 5, 4)),
    MemberSpec("董文静", "hr", "13800130020", F, Status.FULL_MEMBER, D(2009, 7, 1)),
    MemberSpec("蒋雨萱", "hr", "13800130021", F, Status.CANDIDATE),
    MemberSpec("韩雪", "hr", "13800130022", F, Status.ACTIVIST),
    MemberSpec("沈浩然", "hr", "13800130023", M, Status.MASSES),
    MemberSpec("杨帆", "policy", "13800130024", M, Status.FULL_MEMBER, D(2014, 6, 30)),
    MemberSpec("朱晓琳", "policy", "13800130025", F, Status.PROBATIONARY, D(2025, 12, 20)),
    MemberSpec("秦振华", "policy_group", "13800130026", M, Status.FULL_MEMBER, D(1998, 7, 1)),
    MemberSpec("许诺", "policy_group", "13800130027", F, Status.ACTIVIST),
    MemberSpec("吕明轩", "policy_group", "13800130028", M, Status.CANDIDATE),
    MemberSpec("马骏", "it", "13800130029", M, Status.FULL_MEMBER, D(2011, 9, 18)),
    MemberSpec("高珊", "it", "13800130030", F, Status.FULL_MEMBER, D(2016, 4, 22)),
    MemberSpec("林子涵", "it", "13800130031", F, Status.PROBATIONARY, D(2025, 9, 26)),
    MemberSpec("罗家豪", "it", "13800130032", M, Status.ACTIVIST),
    MemberSpec("宋嘉诚", "it", "13800130033", M, Status.CANDIDATE),
    MemberSpec("梁思雨", "it", "13800130034", F, Status.MASSES),
]


@dataclass
class DemoAccount:
    username: str
    password: str
    role: str
    org_unit: str
    real_name: str = ""


@dataclass
class DemoResult:
    org_units_created: int = 0
    users_created: int = 0
    home_page_filled: bool = False
    courses_created: int = 0
    videos_queued: int = 0
    library_items_created: int = 0
    exams_created: int = 0
    threads_created: int = 0
    notes_created: int = 0
    proposals_created: int = 0
    homework_created: int = 0
    letters_created: int = 0
    groups_created: int = 0
    study_days_created: int = 0
    accounts: list[DemoAccount] = field(default_factory=list)

    @property
    def created_anything(self) -> bool:
        return bool(
            self.org_units_created
            or self.users_created
            or self.home_page_filled
            or self.courses_created
            or self.exams_created
            or self.library_items_created
            or self.threads_created
            or self.notes_created
            or self.proposals_created
            or self.homework_created
            or self.letters_created
            or self.groups_created
            or self.study_days_created
        )


def demo_accounts() -> list[DemoAccount]:
    """The accounts a visitor can log in with straight away (printed by the command)."""
    units = {spec.key: spec.name for spec in UNITS}
    accounts = [DemoAccount(SUPERUSER, DEMO_PASSWORD, str(_("Superuser")), "—")]
    for spec in MEMBERS:
        if spec.username:
            accounts.append(
                DemoAccount(
                    spec.username, DEMO_PASSWORD, str(spec.roles[0].label), units[spec.unit], spec.real_name
                )
            )
    return accounts


def demo_load(*, stdout: TextIO | None = None, force: bool = False) -> DemoResult:
    """Create the demo org tree, members and home page content; safe to run any number of times."""
    if settings.PRODUCTION and not force:
        raise DemoRefused(
            _("Refusing to load demo accounts with published passwords into a production site.")
        )
    result = DemoResult(accounts=demo_accounts())
    with transaction.atomic(durable=True):
        units = _load_units(result)
        _load_superuser(result)
        for spec in MEMBERS:
            _load_member(spec, units, result)
        result.home_page_filled = _load_home_page()
    _load_courses(result, units)
    if stdout is not None:
        _report(result, stdout)
    return result


def _report(result: DemoResult, stdout: TextIO) -> None:
    if not result.created_anything:
        stdout.write(_("Demo content is already loaded; nothing was changed.") + "\n")
        return
    stdout.write(_("Organisation units created: %(count)d") % {"count": result.org_units_created} + "\n")
    stdout.write(_("Accounts created: %(count)d") % {"count": result.users_created} + "\n")
    if result.home_page_filled:
        stdout.write(_("Home page content published.") + "\n")
    if result.courses_created or result.library_items_created:
        stdout.write(
            _("Courses created: %(courses)d; library items: %(items)d; videos being transcoded: %(videos)d")
            % {
                "courses": result.courses_created,
                "items": result.library_items_created,
                "videos": result.videos_queued,
            }
            + "\n"
        )
    if result.exams_created:
        stdout.write(_("Exams created: %(count)d") % {"count": result.exams_created} + "\n")
    if result.threads_created:
        stdout.write(_("Community threads created: %(count)d") % {"count": result.threads_created} + "\n")
    if result.notes_created:
        stdout.write(_("Study notes created: %(count)d") % {"count": result.notes_created} + "\n")
    if result.proposals_created:
        stdout.write(_("Topic proposals created: %(count)d") % {"count": result.proposals_created} + "\n")
    if result.homework_created:
        stdout.write(_("Homework assignments created: %(count)d") % {"count": result.homework_created} + "\n")
    if result.letters_created:
        stdout.write(
            _("Letters to the organisation created: %(count)d") % {"count": result.letters_created} + "\n"
        )
    if result.groups_created:
        stdout.write(_("Study groups created: %(count)d") % {"count": result.groups_created} + "\n")
    if result.study_days_created:
        days = result.study_days_created
        stdout.write(_("Days of study history created: %(count)d") % {"count": days} + "\n")


def _load_courses(result: DemoResult, units: dict[str, OrgUnit]) -> None:
    """Courses, lessons with generated videos, and library items; each write commits on its own
    (the services own their transactions), after the members they need exist."""
    from courses.demo import courses_demo_load

    loaded = courses_demo_load(
        instructor=User.objects.filter(username="instructor").first(),
        organizer=User.objects.filter(username="organizer").first(),
        assign_to=units.get("general_a"),
    )
    result.courses_created = loaded.courses_created
    result.videos_queued = loaded.videos_queued
    result.library_items_created = loaded.library_items_created
    from exams.demo import exams_demo_load

    result.exams_created = exams_demo_load(
        instructor=User.objects.filter(username="instructor").first(), committee=units.get("committee")
    )
    from courses.demo import study_history_demo_load

    result.study_days_created = study_history_demo_load()
    from community.demo import (
        community_demo_load,
        groups_demo_load,
        homework_demo_load,
        letters_demo_load,
        notes_demo_load,
        proposals_demo_load,
    )

    learner = User.objects.filter(username="learner").first()
    organizer = User.objects.filter(username="organizer").first()
    result.threads_created = community_demo_load(
        learner=learner,
        instructor=User.objects.filter(username="instructor").first(),
        organizer=organizer,
        branch=units.get("office"),
    )
    result.notes_created = notes_demo_load(learner=learner, organizer=organizer)
    result.proposals_created = proposals_demo_load(learner=learner, organizer=organizer)
    result.homework_created = homework_demo_load(
        learner=learner, instructor=User.objects.filter(username="instructor").first()
    )
    result.letters_created = letters_demo_load(learner=learner, organizer=organizer)
    result.groups_created = groups_demo_load(learner=learner, organizer=organizer)


def _load_units(result: DemoResult) -> dict[str, OrgUnit]:
    units: dict[str, OrgUnit] = {}
    for spec in UNITS:
        parent = units.get(spec.parent) if spec.parent else None
        siblings = parent.get_children() if parent is not None else OrgUnit.get_root_nodes()
        unit = siblings.filter(name=spec.name, kind=spec.kind).first()
        if unit is None:
            fields = {"name": spec.name, "kind": spec.kind, "secretary": spec.secretary}
            unit = parent.add_child(**fields) if parent is not None else OrgUnit.add_root(**fields)
            result.org_units_created += 1
            if parent is not None:
                parent.refresh_from_db()  # treebeard updates numchild in the database only
        units[spec.key] = unit
    return units


def _load_superuser(result: DemoResult) -> None:
    if User.objects.filter(username=SUPERUSER).exists():
        return
    User.objects.create_superuser(username=SUPERUSER, email="", password=DEMO_PASSWORD)
    result.users_created += 1


def _load_member(spec: MemberSpec, units: dict[str, OrgUnit], result: DemoResult) -> None:
    user = User.objects.filter(username=spec.login).first()
    if user is None:
        phone_free = not Member.objects.filter(phone=spec.phone).exists()
        member = member_create(
            acting_user=None,
            real_name=spec.real_name,
            org_unit=units[spec.unit],
            password=DEMO_PASSWORD,
            username=spec.login,
            phone=spec.phone if phone_free else None,
            gender=spec.gender,
            political_status=spec.status,
            joined_party_on=spec.joined,
            roles=spec.roles,
            must_change_password=not spec.username,
            audit=False,
        )
        user = member.user
        result.users_created += 1
    if spec.manages:
        units[spec.manages].managers.add(user)  # adding twice is a no-op


def _load_home_page() -> bool:
    """Fill the home page created by migration 0003, unless anyone has edited it since."""
    page = HomePage.objects.first()
    if page is None or page.revisions.exists() or page.intro or page.banner_text or len(page.body):
        return False
    page.banner_title = "线上党校"
    page.banner_text = (
        "面向全体党员、入党积极分子和干部职工的在线学习平台："
        "在手机或电脑上参加党课学习、查阅政策文件、完成结业考试。"
    )
    page.intro = HOME_INTRO
    page.body = HOME_BODY
    page.save_revision().publish()
    return True


HOME_INTRO = (
    "<p>线上党校是示范市直机关党委的党员教育培训平台。学员可以随时随地学习必修课和选修课、观看微视频党课、"
    "查阅党内法规和政策文件，学习情况自动记入个人学习档案。</p>"
    "<p>各党支部管理员可以为本支部党员布置课程、查看学习进度、导出学习统计。</p>"
)

HOME_BODY = [
    {
        "type": "features",
        "value": {
            "heading": "学习入口",
            "features": [
                {
                    "title": "课程学习",
                    "text": "必修课、选修课和微视频党课，学完自动记录学时。",
                    "link": "/courses/",
                },
                {"title": "资料库", "text": "党章党规、政策文件和学习资料，一站查阅。", "link": "/library/"},
                {
                    "title": "结业考试",
                    "text": "在线完成结业考试，合格后获得电子结业证书。",
                    "link": "/exams/",
                },
                {"title": "学习社区", "text": "交流学习心得，参加专题学习小组讨论。", "link": "/community/"},
            ],
        },
    },
    {
        "type": "notices",
        "value": {
            "heading": "通知公告",
            "notices": [
                {
                    "title": "关于开展2026年度党员教育培训的通知",
                    "date": "2026-03-02",
                    "text": "各党总支、党支部：2026年度党员集中学习培训于3月至6月在线上党校开展，"
                    "请各支部组织党员按时完成必修课程学习，并于6月底前参加结业考试。",
                },
                {
                    "title": "关于做好入党积极分子培训班报名工作的通知",
                    "date": "2026-02-24",
                    "text": "第一期入党积极分子培训班定于4月开班，"
                    "请各党支部于3月20日前通过支部管理员报送参训名单。",
                },
                {
                    "title": "线上党校试运行说明",
                    "date": "2026-02-10",
                    "text": "线上党校即日起试运行。学员可使用用户名或手机号登录，首次登录请修改初始密码；"
                    "使用中遇到问题请联系所在支部管理员。",
                },
            ],
        },
    },
    {
        "type": "text",
        "value": (
            "<h2>学习须知</h2><ul>"
            "<li>课程学习按实际观看时长计算学时，拖动进度不计入学时。</li>"
            "<li>结业考试须在开放时间内完成，成绩合格后可下载电子结业证书。</li>"
            "<li>学习心得和讨论内容请遵守社区规范，文明发言。</li></ul>"
        ),
    },
]
