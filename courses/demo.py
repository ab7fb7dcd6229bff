"""Demo courses, lessons and library content for ``manage.py load_demo`` (called by ``school.demo``).

Everything here was written for this project. Videos are generated with ffmpeg (a title card with
a running clock and a tone) and go through the real upload service, so a running worker
transcodes them in the background. Keyed by titles: loading twice creates nothing new.
"""

from __future__ import annotations

import datetime
import hashlib
import io
import shutil
import subprocess
import tempfile
from dataclasses import dataclass, field
from decimal import Decimal
from pathlib import Path
from typing import Any

from django.conf import settings
from django.core.files import File
from django.core.files.base import ContentFile
from django.core.files.images import ImageFile
from django.utils import timezone
from wagtail.documents import get_document_model
from wagtail.images import get_image_model

from courses.documents import extract_text
from courses.models import (
    AccessLevel,
    ArticlePage,
    CourseIndexPage,
    CoursePage,
    CourseTopic,
    Enrollment,
    LessonPage,
    LibraryCategory,
    PolicyDocumentPage,
    ResourceLibraryPage,
)
from courses.services.enrollment import course_assign
from school.models import Member, OrgUnit

VIDEO_SECONDS = 40
FONT_BOLD = "/usr/share/fonts/opentype/noto/NotoSansCJK-Bold.ttc"
FONT_REGULAR = "/usr/share/fonts/opentype/noto/NotoSansCJK-Regular.ttc"


@dataclass
class CoursesDemoResult:
    courses_created: int = 0
    videos_queued: int = 0
    library_items_created: int = 0
    notes: list[str] = field(default_factory=list)


@dataclass(frozen=True)
class LessonSpec:
    title: str
    summary: str
    paragraphs: tuple[str, ...] = ()
    video: bool = False
    minutes: int = 10


@dataclass(frozen=True)
class CourseSpec:
    title: str
    summary: str
    description: str
    topic: str
    requirement: str
    enrollment_mode: str
    credit_hours: Decimal | None
    colour: str
    lessons: tuple[LessonSpec, ...]


COURSES = (
    CourseSpec(
        title="学习党章 争做合格党员",
        summary="逐章学习党章的基本内容，对照党员标准查找差距，做到学章程、守规矩。",
        description=(
            "<p>本课程是2026年度党员教育培训必修课，由三个课节组成：两段微视频党课和一篇导读。"
            "学完全部课节即可获得学时，并可参加结业考试。</p>"
        ),
        topic="党章党规",
        requirement=CoursePage.Requirement.REQUIRED,
        enrollment_mode=CoursePage.EnrollmentMode.ASSIGNED,
        credit_hours=Decimal("2.0"),
        colour="0xB5121B",
        lessons=(
            LessonSpec(
                "第一讲 党章是立党治党管党的总章程",
                "党章在党内法规体系中的地位和作用。",
                video=True,
            ),
            LessonSpec(
                "第二讲 党员的义务和权利",
                "逐条理解党员的八项义务和八项权利。",
                video=True,
            ),
            LessonSpec(
                "第三讲 学习导读：把党章要求落实到日常工作中",
                "一篇导读，帮助党员把学习成果转化为工作实效。",
                paragraphs=(
                    "学习党章，重在知行合一。本导读建议每名党员结合本职岗位，列出三条对照党章要求"
                    "可以改进的具体事项，并在支部组织生活会上交流。",
                    "支部可以把党章学习与“三会一课”结合起来：支部委员会研究学习安排，党员大会集中"
                    "交流体会，党小组会开展对照检查，党课由支部书记围绕一个专题讲透讲实。",
                    "学习中遇到的问题，可以在学习社区提出，也可以直接向所在支部管理员反映。",
                ),
                minutes=6,
            ),
        ),
    ),
    CourseSpec(
        title="党史中的初心使命",
        summary="通过几个历史片段，理解中国共产党人的初心使命，从党史中汲取前进力量。",
        description="<p>选修课程，面向全体党员和入党积极分子开放，自主报名学习。</p>",
        topic="党史学习",
        requirement=CoursePage.Requirement.ELECTIVE,
        enrollment_mode=CoursePage.EnrollmentMode.OPEN,
        credit_hours=Decimal("1.0"),
        colour="0x7D0A1D",
        lessons=(
            LessonSpec("第一讲 红船精神的时代内涵", "从一条小船出发的伟大事业。", video=True),
            LessonSpec(
                "第二讲 学习方法：读原著、学原文、悟原理",
                "怎样把党史学习做深做实。",
                paragraphs=(
                    "党史学习要坚持读原著、学原文、悟原理。建议每周安排固定时间阅读一篇重要文献，"
                    "先通读、再精读，边读边记下体会。",
                    "读完之后，可以在学习社区写一篇学习心得，与同一支部的同志交流。"
                    "好的学习心得会被支部管理员推荐到首页。",
                ),
                minutes=5,
            ),
        ),
    ),
)

ARTICLES = (
    (
        "如何用好线上党校开展“三会一课”",
        "支部工作",
        "把线上学习和线下组织生活结合起来的几种做法。",
        (
            "许多支部已经把线上党校作为“三会一课”的延伸：会前在线上布置学习内容，会上集中交流，"
            "会后通过学习记录了解每名党员的完成情况。",
            "支部管理员可以在“学习管理”中把课程指派给本支部党员，设定截止日期，随时查看名单和进度；"
            "线下集中学习和党课也可以登记签到名单，参加人员自动获得学时。",
        ),
    ),
    (
        "微视频党课制作要点",
        "教学资源",
        "讲师录制五到十五分钟微视频党课的实用建议。",
        (
            "微视频党课宜短不宜长，一个视频讲透一个问题。开头用一句话点题，中间讲清一两个关键点，"
            "结尾给出学习思考题。",
            "录制时尽量使用横屏，保证光线充足、声音清楚；上传后平台会自动转码为多种清晰度，"
            "学员在手机上也能流畅观看。建议同时上传字幕文件，方便在嘈杂环境中学习。",
        ),
    ),
    (
        "党员学习积分和学时说明",
        "学习指南",
        "学时和积分是怎样计算的。",
        (
            "学时按课程计算：完成课程的全部课节后，课程学时计入个人学习档案。视频课节需要实际观看达到规定比例，"
            "拖动跳过的部分不计入；图文课节需要阅读达到规定时长并读到文末。",
            "积分用于鼓励日常学习：每日登录、完成课节、完成课程、通过考试、发表学习心得都可以获得积分，"
            "部分项目设有每日上限。",
        ),
    ),
)

NOTICE_TITLE = "示范市直机关党委关于开展2026年度党员教育培训的通知"
NOTICE_TEXT = (
    "各党总支、党支部：",
    "为深入推进党员教育培训工作，经研究，决定于2026年3月至12月在线上党校开展年度党员教育培训。"
    "现将有关事项通知如下。",
    "一、培训对象。全体党员、预备党员和入党积极分子。",
    "二、培训内容。必修课程“学习党章 争做合格党员”，以及各支部自选的选修课程。",
    "三、学时要求。每名党员全年累计学时不少于32学时，其中线上学习不少于16学时。",
    "四、工作要求。各支部管理员要及时指派课程、跟踪进度，并登记线下集中学习和党课的签到情况。",
    "示范市直机关党委　2026年3月2日",
)


def courses_demo_load(*, instructor: Any, organizer: Any, assign_to: OrgUnit | None) -> CoursesDemoResult:
    result = CoursesDemoResult()
    catalog = CourseIndexPage.objects.first()
    library = ResourceLibraryPage.objects.first()
    if catalog is None or library is None:
        result.notes.append("no catalog or library page")
        return result
    for spec in COURSES:
        course = CoursePage.objects.filter(title=spec.title).first()
        if course is None:
            course = _course(catalog, spec, instructor, result)
            result.courses_created += 1
        assigned = spec.enrollment_mode == CoursePage.EnrollmentMode.ASSIGNED
        if assigned and assign_to is not None and organizer is not None and not course.assignments.exists():
            course_assign(
                acting_user=organizer,
                course=course,
                title="2026年度党员教育培训必修课",
                org_unit=assign_to,
                political_statuses=[Member.PoliticalStatus.FULL_MEMBER, Member.PoliticalStatus.PROBATIONARY],
                deadline=timezone.localdate() + datetime.timedelta(days=60),
            )
    _library(library, result)
    return result


def _course(
    catalog: CourseIndexPage, spec: CourseSpec, instructor: Any, result: CoursesDemoResult
) -> CoursePage:
    topic, _created = CourseTopic.objects.get_or_create(name=spec.topic)
    course = CoursePage(
        title=spec.title,
        summary=spec.summary,
        description=spec.description,
        topic=topic,
        requirement=spec.requirement,
        enrollment_mode=spec.enrollment_mode,
        credit_hours=spec.credit_hours,
        access_level=AccessLevel.MEMBERS,
        cover=_cover(spec.title, spec.colour),
    )
    catalog.add_child(instance=course)
    if instructor is not None:
        course.instructors.set([instructor])
    for lesson_spec in spec.lessons:
        lesson = LessonPage(
            title=lesson_spec.title,
            summary=lesson_spec.summary,
            estimated_minutes=lesson_spec.minutes,
            body=[("paragraph", f"<p>{text}</p>") for text in lesson_spec.paragraphs],
        )
        if lesson_spec.video:
            lesson.video = _video(lesson_spec.title, spec.colour, instructor, result)
            lesson.estimated_minutes = max(1, VIDEO_SECONDS // 60)
        course.add_child(instance=lesson)
        lesson.save_revision().publish()
    course.save_revision().publish()
    return course


def _video(title: str, colour: str, instructor: Any, result: CoursesDemoResult):
    """A title card with a clock and a tone, uploaded as the instructor; None without ffmpeg."""
    from media_pipeline.services.upload import video_upload

    if shutil.which("ffmpeg") is None:
        result.notes.append("ffmpeg missing: video lessons have no video")
        return None
    path = _title_card(title, colour)
    with path.open("rb") as handle:
        video = video_upload(uploaded_by=instructor, file=File(handle, name=f"{title}.mp4"), title=title)
    result.videos_queued += 1
    return video


def _title_card(title: str, colour: str) -> Path:
    """The rendered clip, kept under var/ so that loading the demo again does not render it again."""
    key = hashlib.sha1(f"{title}|{colour}|{VIDEO_SECONDS}".encode()).hexdigest()[:16]
    folder = Path(settings.VAR_DIR) / "demo-cache"
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / f"{key}.mp4"
    if not path.exists():
        with tempfile.NamedTemporaryFile(dir=folder, suffix=".mp4", delete=False) as partial:
            partial_path = Path(partial.name)
        try:
            _render_title_card(partial_path, title, colour)
            partial_path.replace(path)
        finally:
            partial_path.unlink(missing_ok=True)
    return path


def _render_title_card(path: Path, title: str, colour: str) -> None:
    text = title.replace("\\", "").replace(":", "\\:").replace("'", "")
    graph = f"color=c={colour}:size=1280x720:rate=25:duration={VIDEO_SECONDS}"
    if Path(FONT_BOLD).exists():
        graph += (
            f",drawtext=fontfile={FONT_BOLD}:text='{text}':fontcolor=white:fontsize=56:"
            "x=(w-text_w)/2:y=(h-text_h)/2-40,"
            f"drawtext=fontfile={FONT_REGULAR}:text='线上党校 · 微视频党课':fontcolor=0xF2C14E:fontsize=32:"
            "x=(w-text_w)/2:y=(h/2)+50,"
            f"drawtext=fontfile={FONT_REGULAR}:text='%{{pts\\:hms}}':fontcolor=white@0.8:fontsize=28:"
            "x=w-text_w-40:y=h-text_h-30"
        )
    command = ["ffmpeg", "-v", "error", "-f", "lavfi", "-i", graph]
    command += ["-f", "lavfi", "-i", f"sine=frequency=330:duration={VIDEO_SECONDS}", "-af", "volume=0.2"]
    command += ["-c:v", "libx264", "-preset", "veryfast", "-pix_fmt", "yuv420p", "-c:a", "aac", "-shortest"]
    subprocess.run([*command, "-y", str(path)], check=True, timeout=300)


def _cover(title: str, colour: str):
    """A 16:9 cover: the course title on the course's colour."""
    from PIL import Image, ImageDraw, ImageFont

    red = int(colour[2:4], 16), int(colour[4:6], 16), int(colour[6:8], 16)
    image = Image.new("RGB", (1280, 720), red)
    draw = ImageDraw.Draw(image)
    for y in range(720):  # a soft vertical gradient
        shade = tuple(max(0, int(c * (1 - y / 1800))) for c in red)
        draw.line([(0, y), (1280, y)], fill=shade)
    try:
        title_font = ImageFont.truetype(FONT_BOLD, 80)
        small_font = ImageFont.truetype(FONT_REGULAR, 40)
    except OSError:
        title_font = small_font = ImageFont.load_default()
    draw.text((640, 330), title, font=title_font, fill="white", anchor="mm")
    draw.text((640, 450), "线上党校", font=small_font, fill=(242, 193, 78), anchor="mm")
    output = io.BytesIO()
    image.save(output, format="PNG")
    name = f"cover-{hashlib.sha1(title.encode()).hexdigest()[:12]}.png"
    cover = get_image_model()(title=f"{title} 封面", file=ImageFile(output, name=name))
    cover.save()
    return cover


def _library(library: ResourceLibraryPage, result: CoursesDemoResult) -> None:
    for title, category_name, summary, paragraphs in ARTICLES:
        if ArticlePage.objects.filter(title=title).exists():
            continue
        category, _created = LibraryCategory.objects.get_or_create(name=category_name)
        article = ArticlePage(
            title=title,
            summary=summary,
            category=category,
            author="线上党校编辑部",
            access_level=AccessLevel.PUBLIC,
            body=[("paragraph", f"<p>{text}</p>") for text in paragraphs],
        )
        library.add_child(instance=article)
        article.save_revision().publish()
        result.library_items_created += 1
    if not PolicyDocumentPage.objects.filter(title=NOTICE_TITLE).exists():
        category, _created = LibraryCategory.objects.get_or_create(name="通知文件")
        original = _notice_pdf()
        notice = PolicyDocumentPage(
            title=NOTICE_TITLE,
            summary="2026年度党员教育培训的对象、内容、学时要求和工作要求。",
            issuing_authority="示范市直机关党委",
            document_number="示范机党〔2026〕3号",
            issued_on=datetime.date(2026, 3, 2),
            category=category,
            original=original,
            access_level=AccessLevel.MEMBERS,
        )
        notice.extracted_text = extract_text(original)
        library.add_child(instance=notice)
        notice.save_revision().publish()
        result.library_items_created += 1


def _notice_pdf():
    """The notice as an official-looking PDF (our own text), for downloads with a watermark."""
    from django.utils.html import escape
    from weasyprint import HTML

    paragraphs = "".join(f"<p>{escape(text)}</p>" for text in NOTICE_TEXT)
    html = (
        "<html><head><meta charset='utf-8'><style>@page { size: A4; margin: 28mm 26mm; }"
        "body { font-family: 'Noto Serif CJK SC', serif; font-size: 15pt; line-height: 1.9; }"
        "h1 { color: #c8102e; text-align: center; font-size: 24pt; border-bottom: 2px solid #c8102e; "
        "padding-bottom: 10pt; } .number { text-align: center; } p { text-indent: 2em; margin: 0 0 6pt; }"
        "</style></head><body><h1>示范市直机关党委文件</h1><p class='number'>示范机党〔2026〕3号</p>"
        f"<h2 style='text-align:center;font-size:17pt'>{escape(NOTICE_TITLE)}</h2>{paragraphs}</body></html>"
    )
    Document = get_document_model()
    document = Document(title=NOTICE_TITLE)
    pdf = ContentFile(HTML(string=html).write_pdf())
    document.file.save("2026-party-member-training-notice.pdf", pdf, save=False)
    document.save()
    return document


HISTORY_WEEKS = 10


def study_history_demo_load(*, today: datetime.date | None = None) -> int:
    """Ten weeks of study by the demo members, so the statistics have something to show.

    Deterministic (seeded by member and day) and written once: nothing is added when any member
    already has study time. Members enrol through the service; part of them completed a course
    (with its credit hours, a rating and the completion on a past day).
    """
    import random

    from courses.exceptions import EnrollmentRefused
    from courses.models import StudyDay
    from courses.services.enrollment import enrollment_create
    from courses.services.progress import credit_hours_for_course
    from courses.services.ratings import course_rate

    if StudyDay.objects.exists():
        return 0
    today = today or timezone.localdate()
    courses = list(CoursePage.objects.live().filter(enrollment_mode=CoursePage.EnrollmentMode.OPEN))
    assigned = list(CoursePage.objects.live().filter(enrollment_mode=CoursePage.EnrollmentMode.ASSIGNED))
    # The demo accounts keep the state their walkthroughs describe; the other members get a history.
    members = list(Member.objects.filter(is_active=True, user__username__startswith="1").order_by("pk"))
    days = []
    for member in members:
        rng = random.Random(member.pk)
        studying = []
        for course in courses:
            if rng.random() < 0.7:
                try:
                    studying.append(enrollment_create(member=member, course=course).course)
                except EnrollmentRefused:  # outside the course's audience
                    continue
        studying += [c for c in assigned if Enrollment.objects.filter(member=member, course=c).exists()]
        for course in studying:
            for back in range(HISTORY_WEEKS * 7):
                if rng.random() < 0.18:
                    day = today - datetime.timedelta(days=back)
                    seconds = rng.randint(300, 2700)
                    days.append(StudyDay(member=member, course=course, day=day, seconds=seconds))
            enrollment = Enrollment.objects.get(member=member, course=course)
            if course in courses and rng.random() < 0.45:
                done = today - datetime.timedelta(days=rng.randint(1, HISTORY_WEEKS * 7))
                Enrollment.objects.filter(pk=enrollment.pk).update(
                    status=Enrollment.Status.COMPLETED,
                    completed_at=timezone.make_aware(datetime.datetime.combine(done, datetime.time(20))),
                )
                credit_hours_for_course(member=member, course=course, earned_on=done)
                course_rate(member=member, course=course, score=rng.choice([5, 5, 4, 4, 3]))
    StudyDay.objects.bulk_create(days, ignore_conflicts=True)
    return len(days)
