"""IDOR suite: every URL that names one object of 第一党支部, asked for by people who must not reach it.

Each row of ``ROWS`` is one URL with the object it names (built through the apps' own services and
factories), the person who rightfully reaches it, and the shape of a refusal. Every row is asked by a
member and by the organizer of 第三党支部 (another 支部); rows whose object an instructor owns are also
asked by an instructor who did not make it. A refusal is a 403 or 404 (Wagtail admin screens may also
redirect away), never shows the object's marker text, and a POST changes nothing. The rightful user's
own request is the control that the URL and the body are right, so no row passes by a typo.

``LISTINGS`` are pages that list many objects: everyone gets them, but the intruders' copy must not
name the object, while the rightful user's copy does.

Left out on purpose, because they are not scoped to a 支部 by design: the certificate verification
page (public, shows a masked name), topic proposals and the pages of calls for instructors (the whole
committee reads, votes and applies; deciding a call is covered), and the question bank (shared by
every instructor; imports are per uploader and are covered). Search suggestions are left out too:
they never offer restricted titles, not even to their readers, so no row could have a control.
"""

from __future__ import annotations

import datetime
import io
import json
import re
from collections.abc import Callable
from dataclasses import dataclass
from decimal import Decimal
from types import SimpleNamespace as Target
from typing import Any
from urllib.parse import urlencode, urlsplit

import pytest
from django.core.files.base import ContentFile
from django.core.files.storage import default_storage
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db.models import Model
from django.http import HttpResponseBase
from django.test import Client
from django.urls import reverse
from django.utils import timezone
from openpyxl import Workbook
from wagtail.documents import get_document_model

from community import groups, homework, letters, proposals, services
from community.models import (
    CallApplication,
    GroupMembership,
    GroupReading,
    InstructorCall,
    Letter,
    LetterReply,
    NoteAudience,
    Notification,
    Post,
    ReadingDone,
    StudyGroup,
    StudyNote,
    Submission,
    Thread,
)
from community.tests import factories as community_factories
from courses.models import (
    AccessLevel,
    CoursePage,
    CourseRating,
    Enrollment,
    LessonAttachment,
    StudySession,
)
from courses.services.enrollment import course_assign, enrollment_create
from courses.services.instructors import course_instructor_add
from courses.tests import factories as pages
from exams.models import Attempt, AttemptAnswer, Certificate, Exam, ExamSlot, QuestionImport
from exams.services.attempts import attempt_open_window, attempt_start, attempt_submit
from exams.services.certificates import certificate_issue
from exams.services.imports import question_import_upload
from exams.tests import factories as exam_factories
from media_pipeline.models import Video, VideoCaption
from media_pipeline.playback import media_url, playback_token_create
from media_pipeline.tests.factories import VideoCaptionFactory, VideoFactory
from media_pipeline.tests.upload_clips import webvtt
from school.models import AuditLog, Member, MemberImport, ReportExport, User
from school.reports.export_jobs import report_export_build, report_export_request
from school.roles import Role
from school.services.member_import import member_import_preview
from school.tests.factories import MemberFactory
from school.tests.helpers import client_for
from search.registry import all_types
from search.services import search_rebuild

pytestmark = pytest.mark.django_db

PDF = b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"
REFUSED = (403, 404)


@dataclass
class People:
    tree: Any  # conftest.OrgTree
    member_a1: User  # 甲学员, in 第一党小组 of 第一党支部: writes, studies and sits exams
    fellow_a1: User  # 丁学员, a member of 第一党支部 itself
    organizer_a1: User  # 一支书
    instructor: User  # 王讲师: teaches the course, made the exam, uploaded the video
    editor: User
    system_admin: User
    member_b1: User  # 丙学员 of 第三党支部: intruder (a)
    organizer_b1: User  # 三支书, organizer of 第三党支部: intruder (b)
    other_instructor: User  # 李讲师, who made none of it: intruder (c)


@pytest.fixture(autouse=True)
def media_root(settings, tmp_path):
    settings.MEDIA_ROOT = str(tmp_path / "media")


@pytest.fixture
def people(org_tree, member_a1, organizer_a1, editor, system_admin) -> People:
    def person(role: Role, unit, name: str) -> User:
        return MemberFactory(user__roles=[role], org_unit=unit, real_name=name).user

    organizer_b1 = person(Role.BRANCH_ORGANIZER, org_tree.branch_b1, "三支书")
    org_tree.branch_b1.managers.add(organizer_b1)
    return People(
        tree=org_tree,
        member_a1=member_a1.user,
        fellow_a1=person(Role.LEARNER, org_tree.branch_a1, "丁学员"),
        organizer_a1=organizer_a1,
        instructor=person(Role.INSTRUCTOR, org_tree.branch_a1, "王讲师"),
        editor=editor,
        system_admin=system_admin,
        member_b1=person(Role.LEARNER, org_tree.branch_b1, "丙学员"),
        organizer_b1=organizer_b1,
        other_instructor=person(Role.INSTRUCTOR, org_tree.branch_b1, "李讲师"),
    )


def row_of(model: type[Model], pk: int, *fields: str) -> tuple | None:
    """The row's fields as they are in the database now (None once it is gone)."""
    return model.objects.filter(pk=pk).values_list(*fields).first()


# --- Objects of 第一党支部 ---------------------------------------------------------------------------


def a1_course(p: People, title: str = "IDOR-支部专题课", **fields: Any) -> CoursePage:
    """A course only 第一党支部 may read, taught by 王讲师."""
    course = pages.course(title, access=AccessLevel.ORG_UNITS, org_units=[p.tree.branch_a1], **fields)
    course_instructor_add(course=course, user=p.instructor)
    return course


def course_only(p: People) -> Target:
    course = a1_course(p)
    return Target(marker=course.title, course=course)


def course_studied(p: People) -> Target:
    course = a1_course(p)
    lesson = pages.lesson(course, "IDOR-第一讲")
    enrollment = enrollment_create(member=p.member_a1.member, course=course)
    return Target(marker=course.title, course=course, lesson=lesson, enrollment=enrollment)


def course_completed(p: People) -> Target:
    target = course_studied(p)
    Enrollment.objects.filter(pk=target.enrollment.pk).update(status=Enrollment.Status.COMPLETED)
    return target


def lesson_studied(p: People) -> Target:
    target = course_studied(p)
    target.marker = target.lesson.title
    return target


def lesson_document(p: People) -> Target:
    target = course_studied(p)
    document = get_document_model()(title="IDOR-支部讲义", uploaded_by_user=p.instructor)
    document.file.save("jiangyi.txt", ContentFile("IDOR-讲义内容".encode()), save=False)
    document.save()
    LessonAttachment.objects.create(page=target.lesson, document=document)
    target.lesson.save_revision().publish()
    return Target(marker="IDOR-讲义内容", document=document)


def course_assignment(p: People) -> Target:
    assignment = course_assign(
        acting_user=p.organizer_a1,
        course=a1_course(p),
        title="IDOR-支部专题班",
        org_unit=p.tree.branch_a1,
        political_statuses=[],
        deadline=timezone.localdate() + datetime.timedelta(days=30),
    )
    return Target(marker=assignment.title, assignment=assignment)


def application(p: People) -> Target:
    course = a1_course(p, enrollment_mode=CoursePage.EnrollmentMode.APPROVAL)
    enrollment = enrollment_create(member=p.member_a1.member, course=course)
    assert enrollment.status == Enrollment.Status.PENDING
    return Target(marker=course.title, enrollment=enrollment)


def branch_board(p: People) -> Target:
    board = community_factories.board("IDOR-支部园地", org_unit=p.tree.branch_a1)
    return Target(marker=board.title, board=board)


def branch_thread(p: People) -> Target:
    board = community_factories.board("第一党支部园地", org_unit=p.tree.branch_a1)
    thread = community_factories.thread(board, p.member_a1, title="IDOR-支部讨论帖", body="IDOR-讨论帖正文")
    reply = community_factories.reply(thread, p.fellow_a1, body="同支部的回答")
    return Target(marker=thread.title, thread=thread, post=thread.posts.get(is_opening=True), reply=reply)


def branch_note(p: People, audience: str = NoteAudience.BRANCH) -> Target:
    note = community_factories.note(
        p.member_a1, title="IDOR-学习心得", body="IDOR-心得正文", audience=audience
    )
    return Target(marker=note.title, note=note)


def private_note(p: People) -> Target:
    return branch_note(p, NoteAudience.PRIVATE)


def homework_set(p: People) -> Target:
    target = course_studied(p)
    assignment = homework.assignment_create(
        course=target.course,
        acting_user=p.instructor,
        title="IDOR-支部作业",
        prompt="结合工作实际，谈谈学习体会。",
        due_at=timezone.now() + datetime.timedelta(days=7),
    )
    return Target(marker=assignment.title, course=target.course, assignment=assignment)


def homework_handed_in(p: People) -> Target:
    target = homework_set(p)
    submission = homework.submission_save(
        assignment=target.assignment,
        author=p.member_a1,
        text="IDOR-甲的作业正文",
        files=[SimpleUploadedFile("心得.pdf", PDF, content_type="application/pdf")],
    )
    return Target(
        marker="IDOR-甲的作业正文",
        assignment=target.assignment,
        submission=submission,
        file=submission.files.get(),
    )


def branch_letter(p: People) -> Target:
    letter = letters.letter_create(
        author=p.member_a1, org_unit=p.tree.branch_a1, title="IDOR-给支部的信", body="IDOR-信的正文"
    )
    return Target(marker=letter.title, letter=letter)


def publicly_answered_letter(p: People) -> Target:
    target = branch_letter(p)
    letters.letter_reply(letter=target.letter, acting_user=p.organizer_a1, body="公开答复", public=True)
    return target


def letter_notification(p: People) -> Target:
    target = branch_letter(p)
    notification = Notification.objects.get(recipient=p.organizer_a1, kind=Notification.Kind.LETTER_RECEIVED)
    return Target(marker=target.marker, notification=notification)


def branch_group(p: People) -> Target:
    """第一党支部's active group, started by its organizer; 甲学员 has joined; two readings."""
    group = groups.group_create(
        creator=p.organizer_a1, name="IDOR-支部学习小组", topic="学习党章", org_unit=p.tree.branch_a1
    )
    groups.group_join(group=group, user=p.member_a1)
    article = pages.article("IDOR-支部学习材料", access=AccessLevel.ORG_UNITS, org_units=[p.tree.branch_a1])
    first = groups.reading_add(group=group, page=article, acting_user=p.organizer_a1)
    second = groups.reading_add(group=group, page=a1_course(p), acting_user=p.organizer_a1)
    group.refresh_from_db()
    return Target(marker=group.name, group=group, reading=first, second=second)


def group_board(p: People) -> Target:
    target = branch_group(p)
    return Target(marker=target.group.name, board=target.group.board)


def pending_group(p: People) -> Target:
    group = groups.group_create(
        creator=p.member_a1, name="IDOR-待批小组", topic="学习党史", org_unit=p.tree.branch_a1
    )
    assert group.status == StudyGroup.Status.PENDING
    return Target(marker=group.name, group=group)


def instructor_call(p: People) -> Target:
    """A call for instructors opened by 一支书, with 王讲师's application."""
    proposal = proposals.proposal_create(author=p.member_a1, title="学习二十大精神专题")
    call = proposals.call_open(
        proposal=proposal, acting_user=p.organizer_a1, course=a1_course(p), title="讲师招募：二十大精神"
    )
    application = proposals.call_apply(
        call=call, applicant=p.instructor, statement="IDOR-申请陈述：我讲授党史课程已有十年。"
    )
    return Target(marker="IDOR-申请陈述", call=call, application=application)


def a1_exam(p: People, **fields: Any) -> Exam:
    """Open now for 第一党支部, made by 王讲师: a single choice, then an essay."""
    category = exam_factories.category("IDOR题库")
    questions = [exam_factories.single_choice(category), exam_factories.essay(category)]
    fields.setdefault("title", "IDOR-支部考试")
    return exam_factories.exam(p.tree.branch_a1, questions=questions, created_by=p.instructor, **fields)


def exam_only(p: People) -> Target:
    exam = a1_exam(p)
    return Target(marker=exam.title, exam=exam)


def draft_exam(p: People) -> Target:
    exam = a1_exam(p, status=Exam.Status.DRAFT)
    return Target(marker=exam.title, exam=exam)


def attempt_open(p: People) -> Target:
    exam = a1_exam(p)
    attempt = attempt_start(exam=exam, member=p.member_a1.member)
    writer = attempt_open_window(attempt=attempt)
    return Target(marker=exam.title, exam=exam, attempt=attempt, writer=writer)


def attempt_submitted(p: People) -> Target:
    target = attempt_open(p)
    answers = {"0": [0], "1": "IDOR-甲的作答"}
    attempt_submit(attempt=target.attempt, writer=target.writer, seq=1, answers=answers)
    target.answer = target.attempt.answers.get(position=1)
    return target


def essay_answer(p: People) -> Target:
    target = attempt_submitted(p)
    target.marker = "IDOR-甲的作答"
    return target


def certificate(p: People) -> Target:
    exam = a1_exam(
        p,
        title="IDOR-结业考试",
        class_name="2026年入党积极分子培训班",
        is_graduation=True,
        certificate_hours=Decimal("32"),
    )
    issued = certificate_issue(member=p.member_a1.member, exam=exam)
    return Target(marker=issued.number, certificate=issued)


def question_import(p: People) -> Target:
    data = "::IDOR导入题:: IDOR-导入的题干？ {=实现共产主义 ~全面建成小康社会}\n".encode()
    uploaded = question_import_upload(
        file=io.BytesIO(data),
        name="questions.gift",
        size=len(data),
        category=exam_factories.category("IDOR导入"),
        acting_user=p.instructor,
    )
    return Target(marker="IDOR-导入的题干", question_import=uploaded)


def member_of_a1(p: People) -> Target:
    member = p.member_a1.member
    return Target(marker=member.real_name, member=member)


def unit_a1(p: People) -> Target:
    return Target(marker=p.tree.branch_a1.name, unit=p.tree.branch_a1)


def unit_a1_members(p: People) -> Target:
    return Target(marker=p.member_a1.member.real_name, unit=p.tree.branch_a1)


def member_import(p: People) -> Target:
    workbook = Workbook()
    workbook.active.append(["姓名", "手机号", "所属支部", "政治面貌", "入党时间", "性别"])
    workbook.active.append(["欧阳秘密", "13800000001", "第一党支部", "中共党员", "2021-07-01", "男"])
    buffer = io.BytesIO()
    workbook.save(buffer)
    sheet = SimpleUploadedFile(
        "IDOR-一支部名单.xlsx", buffer.getvalue(), content_type="application/octet-stream"
    )
    return Target(
        marker="欧阳秘密", member_import=member_import_preview(acting_user=p.organizer_a1, file=sheet)
    )


def report_export(p: People) -> Target:
    export = report_export_request(
        acting_user=p.organizer_a1,
        params={"unit": str(p.tree.branch_a1.pk)},
        fmt="csv",
        description="IDOR-支部学习统计导出",
    )
    report_export_build(export=export)
    export.refresh_from_db()
    assert export.status == ReportExport.Status.READY
    return Target(marker=export.description, export=export)


def report_export_file(p: People) -> Target:
    target = report_export(p)
    target.marker = p.member_a1.member.real_name
    return target


def uploaded_video(p: People, **fields: Any) -> Target:
    video = VideoFactory(uploaded_by=p.instructor, title="IDOR-支部党课视频", **fields)
    return Target(marker=video.title, video=video)


def failed_video(p: People) -> Target:
    return uploaded_video(p, status=Video.Status.FAILED, failure_reason="视频无法解码")


def captioned_video(p: People) -> Target:
    target = uploaded_video(p)
    target.caption = VideoCaptionFactory(video=target.video)
    return target


def video_in_a1_lesson(p: People) -> Target:
    """A ready video shown in a lesson only 第一党支部 reads; the signed URL was minted for 甲学员."""
    video = VideoFactory(uploaded_by=p.instructor, title="IDOR-支部党课视频", status=Video.Status.READY)
    video.output_prefix = f"videos/hls/{video.pk}/idor"
    video.master_playlist = f"{video.output_prefix}/master.m3u8"
    video.save(update_fields=["output_prefix", "master_playlist"])
    default_storage.save(video.master_playlist, ContentFile(b"#EXTM3U\n# IDOR-playlist\n"))
    pages.video_lesson(video, access=AccessLevel.ORG_UNITS, org_units=[p.tree.branch_a1])
    token = playback_token_create(video=video, user=p.member_a1)
    return Target(
        marker=video.title, video=video, signed=media_url(token=token, video_id=video.pk, name="master.m3u8")
    )


def signed_playlist(p: People) -> Target:
    target = video_in_a1_lesson(p)
    target.marker = "IDOR-playlist"
    return target


def reported_post(p: People) -> Target:
    target = branch_thread(p)
    services.post_report(post=target.post, reporter=p.fellow_a1, reason="跑题")
    return target


def named_member_import(p: People) -> Target:
    target = member_import(p)
    target.marker = target.member_import.original_filename
    return target


def indexed(build: Callable[[People], Target]) -> Callable[[People], Target]:
    """``build``, then the search index rebuilt the way the workers keep it."""

    def build_and_index(p: People) -> Target:
        target = build(p)
        for search_type in all_types():
            search_rebuild(search_type=search_type)
        return target

    build_and_index.__name__ = f"indexed_{build.__name__}"
    return build_and_index


# --- The table -------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Row:
    id: str
    build: Callable[[People], Target]
    url: Callable[[Target], str]
    rightful: str  # the People attribute whose request must succeed
    method: str = "get"
    body: Callable[[Target], dict] | None = None
    json: bool = False
    ok: tuple[int, ...] = (200,)
    admin: bool = False  # a Wagtail admin screen: a redirect away also refuses
    instructor: bool = False  # also asked by an instructor who did not make the object
    state: Callable[[Target], Any] | None = None  # what a POST must leave alone
    shows_marker: bool = True  # the rightful user's 200 names the object

    def __str__(self) -> str:
        return self.id


def url(name: str, *attrs: str) -> Callable[[Target], str]:
    """reverse(name) with the pks of the target's attributes (``attr.field`` for another field)."""

    def build(target: Target) -> str:
        args = []
        for attr in attrs:
            obj, _, field = attr.partition(".")
            args.append(getattr(getattr(target, obj), field or "pk"))
        return reverse(name, args=args)

    return build


def with_query(build: Callable[[Target], str], query: Callable[[Target], str]) -> Callable[[Target], str]:
    return lambda target: f"{build(target)}?{query(target)}"


def post_count(t: Target) -> int:
    return Post.objects.filter(thread=t.thread).count()


ROWS = [
    # --- community: boards and threads ---
    Row("community:board", branch_board, url("community:board", "board"), "member_a1"),
    Row("community:thread_new", branch_board, url("community:thread_new", "board"), "member_a1"),
    Row(
        "community:thread_new POST",
        branch_board,
        url("community:thread_new", "board"),
        "member_a1",
        method="post",
        body=lambda t: {"title": "新帖子", "body": "正文内容"},
        ok=(302,),
        state=lambda t: Thread.objects.filter(board=t.board).count(),
    ),
    Row("community:board (study group)", group_board, url("community:board", "board"), "member_a1"),
    Row(
        "community:page_board (1支部 course)",
        course_only,
        url("community:page_board", "course"),
        "member_a1",
        ok=(302,),
        shows_marker=False,
    ),
    Row("community:thread", branch_thread, url("community:thread", "thread"), "member_a1"),
    Row(
        "community:thread reply POST",
        branch_thread,
        url("community:thread", "thread"),
        "fellow_a1",
        method="post",
        body=lambda t: {"body": "我也来说两句"},
        ok=(302,),
        state=post_count,
    ),
    Row(
        "community:thread_flags POST",
        branch_thread,
        url("community:thread_flags", "thread"),
        "organizer_a1",
        method="post",
        body=lambda t: {"flag": "pinned", "value": "1"},
        ok=(302,),
        state=lambda t: row_of(Thread, t.thread.pk, "is_pinned", "is_locked"),
    ),
    Row("community:post_edit", branch_thread, url("community:post_edit", "post"), "member_a1"),
    Row(
        "community:post_edit POST",
        branch_thread,
        url("community:post_edit", "post"),
        "member_a1",
        method="post",
        body=lambda t: {"body": "改写后的正文"},
        ok=(302,),
        state=lambda t: row_of(Post, t.post.pk, "body"),
    ),
    Row(
        "community:post_like POST",
        branch_thread,
        url("community:post_like", "post"),
        "fellow_a1",
        method="post",
        ok=(302,),
        state=lambda t: row_of(Post, t.post.pk, "like_count"),
    ),
    Row(
        "community:post_best POST",
        branch_thread,
        url("community:post_best", "reply"),
        "organizer_a1",
        method="post",
        ok=(302,),
        state=lambda t: row_of(Thread, t.thread.pk, "best_post"),
    ),
    Row("community:post_report", branch_thread, url("community:post_report", "post"), "fellow_a1"),
    Row("community:post_moderate", branch_thread, url("community:post_moderate", "post"), "organizer_a1"),
    Row(
        "community:post_moderate POST",
        branch_thread,
        url("community:post_moderate", "post"),
        "organizer_a1",
        method="post",
        body=lambda t: {"reason": "与主题无关"},
        ok=(302,),
        state=lambda t: row_of(Post, t.post.pk, "visibility"),
    ),
    # --- community: study notes ---
    Row("community:note (branch)", branch_note, url("community:note", "note"), "fellow_a1"),
    Row("community:note (private)", private_note, url("community:note", "note"), "member_a1"),
    Row(
        "community:note comment POST",
        branch_note,
        url("community:note", "note"),
        "fellow_a1",
        method="post",
        body=lambda t: {"body": "写得好"},
        ok=(302,),
        state=lambda t: row_of(StudyNote, t.note.pk, "comment_count"),
    ),
    Row("community:note_edit", branch_note, url("community:note_edit", "note"), "member_a1"),
    Row(
        "community:note_edit POST",
        branch_note,
        url("community:note_edit", "note"),
        "member_a1",
        method="post",
        body=lambda t: {"title": "改过的标题", "body": "改过的正文", "audience": NoteAudience.BRANCH},
        ok=(302,),
        state=lambda t: row_of(StudyNote, t.note.pk, "title", "body"),
    ),
    Row(
        "community:note_delete POST",
        branch_note,
        url("community:note_delete", "note"),
        "member_a1",
        method="post",
        ok=(302,),
        state=lambda t: StudyNote.objects.filter(pk=t.note.pk).exists(),
    ),
    Row(
        "community:note_like POST",
        branch_note,
        url("community:note_like", "note"),
        "fellow_a1",
        method="post",
        ok=(302,),
        state=lambda t: row_of(StudyNote, t.note.pk, "like_count"),
    ),
    Row(
        "community:note_feature POST",
        branch_note,
        url("community:note_feature", "note"),
        "organizer_a1",
        method="post",
        body=lambda t: {"value": "1"},
        ok=(302,),
        state=lambda t: row_of(StudyNote, t.note.pk, "is_featured"),
    ),
    Row("community:note_moderate", branch_note, url("community:note_moderate", "note"), "organizer_a1"),
    Row(
        "community:note_moderate POST",
        branch_note,
        url("community:note_moderate", "note"),
        "organizer_a1",
        method="post",
        body=lambda t: {"reason": "内容不当"},
        ok=(302,),
        state=lambda t: row_of(StudyNote, t.note.pk, "visibility"),
    ),
    Row("community:note_report", branch_note, url("community:note_report", "note"), "fellow_a1"),
    # --- community: homework ---
    Row(
        "community:assignment",
        homework_set,
        url("community:assignment", "assignment"),
        "member_a1",
        instructor=True,
    ),
    Row(
        "community:assignment hand-in POST",
        homework_set,
        url("community:assignment", "assignment"),
        "member_a1",
        method="post",
        body=lambda t: {"text": "我的学习体会"},
        ok=(302,),
        instructor=True,
        state=lambda t: Submission.objects.filter(assignment=t.assignment).count(),
    ),
    Row(
        "community:assignment_edit",
        homework_set,
        url("community:assignment_edit", "assignment"),
        "instructor",
        instructor=True,
    ),
    Row(
        "community:assignment_new",
        course_studied,
        url("community:assignment_new", "course"),
        "instructor",
        instructor=True,
    ),
    Row(
        "community:submission",
        homework_handed_in,
        url("community:submission", "submission"),
        "member_a1",
        instructor=True,
    ),
    Row(
        "community:submission review POST",
        homework_handed_in,
        url("community:submission", "submission"),
        "instructor",
        method="post",
        body=lambda t: {"score": 90, "comment": "认识深刻"},
        ok=(302,),
        instructor=True,
        state=lambda t: row_of(Submission, t.submission.pk, "status", "score", "review_comment"),
    ),
    Row(
        "community:submission_file",
        homework_handed_in,
        url("community:submission_file", "file"),
        "member_a1",
        instructor=True,
        shows_marker=False,
    ),
    # --- community: the message board ---
    Row("community:letter", branch_letter, url("community:letter", "letter"), "member_a1"),
    Row(
        "community:letter (answered in public)",
        publicly_answered_letter,
        url("community:letter", "letter"),
        "fellow_a1",
    ),
    Row(
        "community:letter_reply POST",
        branch_letter,
        url("community:letter_reply", "letter"),
        "organizer_a1",
        method="post",
        body=lambda t: {"body": "已收到，我们会尽快处理。", "audience": "private"},
        ok=(302,),
        state=lambda t: (
            LetterReply.objects.filter(letter=t.letter).count(),
            row_of(Letter, t.letter.pk, "status"),
        ),
    ),
    Row(
        "community:letter_close POST",
        branch_letter,
        url("community:letter_close", "letter"),
        "member_a1",
        method="post",
        ok=(302,),
        state=lambda t: row_of(Letter, t.letter.pk, "status"),
    ),
    Row(
        "community:letter_moderate", branch_letter, url("community:letter_moderate", "letter"), "organizer_a1"
    ),
    Row(
        "community:letter_moderate POST",
        branch_letter,
        url("community:letter_moderate", "letter"),
        "organizer_a1",
        method="post",
        body=lambda t: {"reason": "涉及个人隐私"},
        ok=(302,),
        state=lambda t: row_of(Letter, t.letter.pk, "visibility"),
    ),
    Row(
        "community:notification_open",
        letter_notification,
        url("community:notification_open", "notification"),
        "organizer_a1",
        ok=(302,),
        shows_marker=False,
    ),
    # --- community: topic study groups ---
    Row("community:group", branch_group, url("community:group", "group"), "member_a1"),
    Row("community:group (pending)", pending_group, url("community:group", "group"), "organizer_a1"),
    Row(
        "community:group_join POST",
        branch_group,
        url("community:group_join", "group"),
        "fellow_a1",
        method="post",
        ok=(302,),
        state=lambda t: GroupMembership.objects.filter(group=t.group).count(),
    ),
    Row(
        "community:group_leave POST",
        branch_group,
        url("community:group_leave", "group"),
        "member_a1",
        method="post",
        ok=(302,),
        state=lambda t: GroupMembership.objects.filter(group=t.group).count(),
    ),
    Row("community:group_progress", branch_group, url("community:group_progress", "group"), "member_a1"),
    Row("community:group_readings", branch_group, url("community:group_readings", "group"), "organizer_a1"),
    Row(
        "community:group_readings POST",
        branch_group,
        url("community:group_readings", "group"),
        "organizer_a1",
        method="post",
        body=lambda t: {"page": pages.article("IDOR-补充阅读", access=AccessLevel.MEMBERS).pk, "note": ""},
        ok=(302,),
        state=lambda t: GroupReading.objects.filter(group=t.group).count(),
    ),
    Row(
        "community:group_approve POST",
        pending_group,
        url("community:group_approve", "group"),
        "organizer_a1",
        method="post",
        ok=(302,),
        state=lambda t: row_of(StudyGroup, t.group.pk, "status"),
    ),
    Row(
        "community:group_decline POST",
        pending_group,
        url("community:group_decline", "group"),
        "organizer_a1",
        method="post",
        body=lambda t: {"reason": "与支部计划重复"},
        ok=(302,),
        state=lambda t: row_of(StudyGroup, t.group.pk, "status"),
    ),
    Row(
        "community:group_archive POST",
        branch_group,
        url("community:group_archive", "group"),
        "organizer_a1",
        method="post",
        body=lambda t: {"reason": "学习结束"},
        ok=(302,),
        state=lambda t: row_of(StudyGroup, t.group.pk, "status"),
    ),
    Row(
        "community:group_leader POST",
        branch_group,
        url("community:group_leader", "group"),
        "organizer_a1",
        method="post",
        body=lambda t: {"user": t.group.memberships.get(role=GroupMembership.Role.MEMBER).user_id},
        ok=(302,),
        state=lambda t: sorted(t.group.memberships.values_list("user", "role")),
    ),
    Row(
        "community:group_reading_done POST",
        branch_group,
        url("community:group_reading_done", "reading"),
        "member_a1",
        method="post",
        ok=(302,),
        state=lambda t: ReadingDone.objects.filter(reading=t.reading).count(),
    ),
    Row(
        "community:group_reading_move POST",
        branch_group,
        url("community:group_reading_move", "reading"),
        "organizer_a1",
        method="post",
        body=lambda t: {"direction": "down"},
        ok=(302,),
        state=lambda t: sorted(GroupReading.objects.filter(group=t.group).values_list("pk", "position")),
    ),
    Row(
        "community:group_reading_remove POST",
        branch_group,
        url("community:group_reading_remove", "reading"),
        "organizer_a1",
        method="post",
        ok=(302,),
        state=lambda t: GroupReading.objects.filter(pk=t.reading.pk).exists(),
    ),
    # --- community: calls for instructors (the call is 一支书's to decide) ---
    Row(
        "community:application_decide POST",
        instructor_call,
        url("community:application_decide", "application"),
        "organizer_a1",
        method="post",
        body=lambda t: {"action": "accept"},
        ok=(302,),
        state=lambda t: row_of(CallApplication, t.application.pk, "status"),
    ),
    Row(
        "community:call_close POST",
        instructor_call,
        url("community:call_close", "call"),
        "organizer_a1",
        method="post",
        ok=(302,),
        state=lambda t: row_of(InstructorCall, t.call.pk, "status"),
    ),
    # --- courses ---
    Row("course page (1支部 only)", course_only, lambda t: t.course.url, "member_a1"),
    Row("lesson page (1支部 only)", lesson_studied, lambda t: t.lesson.url, "member_a1"),
    Row(
        "courses:enrol POST",
        course_only,
        url("courses:enrol", "course"),
        "fellow_a1",
        method="post",
        ok=(302,),
        state=lambda t: Enrollment.objects.filter(course=t.course).count(),
    ),
    Row(
        "courses:rate POST",
        course_completed,
        url("courses:rate", "course"),
        "member_a1",
        method="post",
        body=lambda t: {"score": 5, "comment": "很好"},
        ok=(302,),
        state=lambda t: CourseRating.objects.filter(course=t.course).count(),
    ),
    Row(
        "courses:study_start POST",
        course_studied,
        url("courses:study_start", "lesson"),
        "member_a1",
        method="post",
        shows_marker=False,
        state=lambda t: StudySession.objects.filter(lesson=t.lesson).count(),
    ),
    Row("document download (lesson attachment)", lesson_document, lambda t: t.document.url, "member_a1"),
    Row(
        "wagtailadmin_pages:edit (1支部 course)",
        course_only,
        url("wagtailadmin_pages:edit", "course"),
        "editor",
        admin=True,
        instructor=True,
    ),
    Row(
        "course_assignments:detail",
        course_assignment,
        url("course_assignments:detail", "assignment"),
        "organizer_a1",
        admin=True,
    ),
    Row(
        "course_applications:decide POST",
        application,
        url("course_applications:decide", "enrollment"),
        "organizer_a1",
        method="post",
        body=lambda t: {"decision": "approve"},
        ok=(302,),
        admin=True,
        state=lambda t: row_of(Enrollment, t.enrollment.pk, "status"),
    ),
    # --- exams, as members take them ---
    Row("exams:detail", exam_only, url("exams:detail", "exam"), "member_a1"),
    Row(
        "exams:start POST",
        exam_only,
        url("exams:start", "exam"),
        "member_a1",
        method="post",
        ok=(302,),
        state=lambda t: Attempt.objects.filter(exam=t.exam).count(),
    ),
    Row("exams:attempt", attempt_open, url("exams:attempt", "attempt.public_id"), "member_a1"),
    Row(
        "exams:save POST (JSON)",
        attempt_open,
        url("exams:save", "attempt.public_id"),
        "member_a1",
        method="post",
        json=True,
        body=lambda t: {"writer": t.writer, "seq": 1, "answers": {"0": [0]}},
        shows_marker=False,
        state=lambda t: (row_of(Attempt, t.attempt.pk, "last_seq"), t.attempt.answers.count()),
    ),
    Row(
        "exams:submit POST (JSON)",
        attempt_open,
        url("exams:submit", "attempt.public_id"),
        "member_a1",
        method="post",
        json=True,
        body=lambda t: {"writer": t.writer, "seq": 1, "answers": {"0": [0]}},
        shows_marker=False,
        state=lambda t: row_of(Attempt, t.attempt.pk, "state"),
    ),
    Row("exams:result", attempt_submitted, url("exams:result", "attempt.public_id"), "member_a1"),
    Row(
        "exams:certificate_pdf",
        certificate,
        url("exams:certificate_pdf", "certificate.verification_id"),
        "member_a1",
        shows_marker=False,
    ),
    # --- exams in the admin ---
    Row(
        "exam_admin:edit",
        exam_only,
        url("exam_admin:edit", "exam"),
        "instructor",
        admin=True,
        instructor=True,
    ),
    Row(
        "exam_admin:publish POST",
        draft_exam,
        url("exam_admin:publish", "exam"),
        "instructor",
        method="post",
        ok=(302,),
        admin=True,
        instructor=True,
        state=lambda t: row_of(Exam, t.exam.pk, "status"),
    ),
    Row(
        "exam_admin:unpublish POST",
        exam_only,
        url("exam_admin:unpublish", "exam"),
        "instructor",
        method="post",
        ok=(302,),
        admin=True,
        instructor=True,
        state=lambda t: row_of(Exam, t.exam.pk, "status"),
    ),
    Row(
        "exam_admin:slots",
        exam_only,
        url("exam_admin:slots", "exam"),
        "instructor",
        admin=True,
        instructor=True,
    ),
    Row(
        "exam_admin:slot_move POST",
        draft_exam,
        lambda t: reverse(
            "exam_admin:slot_move", args=[t.exam.pk, t.exam.slots.order_by("sort_order")[0].pk]
        ),
        "instructor",
        method="post",
        body=lambda t: {"direction": "down"},
        ok=(302,),
        admin=True,
        instructor=True,
        state=lambda t: sorted(t.exam.slots.values_list("pk", "sort_order")),
    ),
    Row(
        "exam_admin:slot_remove POST",
        draft_exam,
        lambda t: reverse(
            "exam_admin:slot_remove", args=[t.exam.pk, t.exam.slots.order_by("sort_order")[0].pk]
        ),
        "instructor",
        method="post",
        ok=(302,),
        admin=True,
        instructor=True,
        state=lambda t: ExamSlot.objects.filter(exam=t.exam).count(),
    ),
    Row(
        "exam_admin:results",
        attempt_submitted,
        url("exam_admin:results", "exam"),
        "organizer_a1",
        admin=True,
        instructor=True,
    ),
    Row(
        "exam_admin:attempt",
        essay_answer,
        lambda t: reverse("exam_admin:attempt", args=[t.exam.pk, t.attempt.pk]),
        "organizer_a1",
        admin=True,
        instructor=True,
    ),
    Row(
        "exam_admin:statistics",
        attempt_submitted,
        url("exam_admin:statistics", "exam"),
        "instructor",
        admin=True,
        instructor=True,
    ),
    Row(
        "exam_admin:export",
        attempt_submitted,
        url("exam_admin:export", "exam"),
        "instructor",
        admin=True,
        instructor=True,
        shows_marker=False,
    ),
    Row(
        "exam_grading:grade",
        essay_answer,
        url("exam_grading:grade", "answer"),
        "instructor",
        admin=True,
        instructor=True,
    ),
    Row(
        "exam_grading:grade POST",
        essay_answer,
        url("exam_grading:grade", "answer"),
        "instructor",
        method="post",
        body=lambda t: {"mark": "8", "comment": "联系实际较好"},
        ok=(302,),
        admin=True,
        instructor=True,
        state=lambda t: row_of(AttemptAnswer, t.answer.pk, "mark", "comment"),
    ),
    Row(
        "exam_certificates:revoke",
        certificate,
        url("exam_certificates:revoke", "certificate"),
        "organizer_a1",
        admin=True,
        instructor=True,
    ),
    Row(
        "exam_certificates:revoke POST",
        certificate,
        url("exam_certificates:revoke", "certificate"),
        "organizer_a1",
        method="post",
        body=lambda t: {"reason": "误发"},
        ok=(302,),
        admin=True,
        instructor=True,
        state=lambda t: row_of(Certificate, t.certificate.pk, "revoked_at"),
    ),
    Row(
        "exam_bank:import_preview",
        question_import,
        url("exam_bank:import_preview", "question_import"),
        "instructor",
        admin=True,
        instructor=True,
    ),
    Row(
        "exam_bank:import_commit POST",
        question_import,
        url("exam_bank:import_commit", "question_import"),
        "instructor",
        method="post",
        ok=(302,),
        admin=True,
        instructor=True,
        state=lambda t: row_of(QuestionImport, t.question_import.pk, "status", "imported_count"),
    ),
    # --- members, org units, imports and reports in the admin ---
    Row("members:edit", member_of_a1, url("members:edit", "member"), "organizer_a1", admin=True),
    Row("members:inspect", member_of_a1, url("members:inspect", "member"), "organizer_a1", admin=True),
    Row("members:history", member_of_a1, url("members:history", "member"), "organizer_a1", admin=True),
    Row("members:delete", member_of_a1, url("members:delete", "member"), "system_admin", admin=True),
    Row(
        "members:delete POST",
        member_of_a1,
        url("members:delete", "member"),
        "system_admin",
        method="post",
        ok=(302,),
        admin=True,
        state=lambda t: Member.objects.filter(pk=t.member.pk).exists(),
    ),
    Row("org_units:edit", unit_a1, url("org_units:edit", "unit"), "organizer_a1", admin=True),
    Row("org_units:history", unit_a1, url("org_units:history", "unit"), "organizer_a1", admin=True),
    Row("org_units:delete", unit_a1, url("org_units:delete", "unit"), "system_admin", admin=True),
    Row("org_units:move", unit_a1, url("org_units:move", "unit"), "system_admin", admin=True),
    Row(
        "school_member_import_detail",
        member_import,
        url("school_member_import_detail", "member_import"),
        "organizer_a1",
        admin=True,
    ),
    Row(
        "school_member_import_commit POST",
        member_import,
        url("school_member_import_commit", "member_import"),
        "organizer_a1",
        method="post",
        admin=True,
        state=lambda t: (row_of(MemberImport, t.member_import.pk, "status"), Member.objects.count()),
    ),
    Row(
        "school_member_import_cancel POST",
        member_import,
        url("school_member_import_cancel", "member_import"),
        "organizer_a1",
        method="post",
        ok=(302,),
        admin=True,
        state=lambda t: row_of(MemberImport, t.member_import.pk, "status"),
    ),
    Row(
        "school_reports:dashboard ?unit=1支部",
        unit_a1,
        with_query(url("school_reports:dashboard"), lambda t: f"unit={t.unit.pk}"),
        "organizer_a1",
        admin=True,
    ),
    Row(
        "school_reports:members ?unit=1支部",
        unit_a1_members,
        with_query(url("school_reports:members"), lambda t: f"unit={t.unit.pk}"),
        "organizer_a1",
        admin=True,
    ),
    Row(
        "school_reports:member_export POST unit=1支部",
        unit_a1_members,
        url("school_reports:member_export"),
        "organizer_a1",
        method="post",
        body=lambda t: {"format": "csv", "unit": t.unit.pk},
        admin=True,
        shows_marker=False,
        state=lambda t: AuditLog.objects.filter(action="report.members_exported").count(),
    ),
    Row(
        "school_reports:export",
        report_export,
        url("school_reports:export", "export"),
        "organizer_a1",
        admin=True,
    ),
    Row(
        "school_reports:export ?format=json",
        report_export,
        with_query(url("school_reports:export", "export"), lambda t: "format=json"),
        "organizer_a1",
        admin=True,
        shows_marker=False,
    ),
    Row(
        "school_reports:download",
        report_export_file,
        url("school_reports:download", "export"),
        "organizer_a1",
        admin=True,
    ),
    # --- videos in the admin ---
    Row(
        "videos:edit", uploaded_video, url("videos:edit", "video"), "instructor", admin=True, instructor=True
    ),
    Row(
        "videos:delete",
        uploaded_video,
        url("videos:delete", "video"),
        "instructor",
        admin=True,
        instructor=True,
    ),
    Row(
        "videos:delete POST",
        uploaded_video,
        url("videos:delete", "video"),
        "instructor",
        method="post",
        ok=(302,),
        admin=True,
        instructor=True,
        state=lambda t: Video.objects.filter(pk=t.video.pk).exists(),
    ),
    Row(
        "videos:history",
        uploaded_video,
        url("videos:history", "video"),
        "instructor",
        admin=True,
        instructor=True,
    ),
    Row(
        "videos:status (JSON)",
        uploaded_video,
        url("videos:status", "video"),
        "instructor",
        admin=True,
        instructor=True,
        shows_marker=False,
    ),
    Row(
        "videos:retry POST",
        failed_video,
        url("videos:retry", "video"),
        "instructor",
        method="post",
        ok=(302,),
        admin=True,
        instructor=True,
        state=lambda t: row_of(Video, t.video.pk, "status"),
    ),
    Row(
        "videos:caption_add POST",
        uploaded_video,
        url("videos:caption_add", "video"),
        "instructor",
        method="post",
        body=lambda t: {
            "language": "en",
            "label": "English",
            "file": SimpleUploadedFile(
                "captions.vtt", webvtt(("00:00:01.000", "00:00:03.000", "Hello")), "text/vtt"
            ),
        },
        ok=(302,),
        admin=True,
        instructor=True,
        state=lambda t: VideoCaption.objects.filter(video=t.video).count(),
    ),
    Row(
        "videos:caption_delete POST",
        captioned_video,
        lambda t: reverse("videos:caption_delete", args=[t.video.pk, t.caption.pk]),
        "instructor",
        method="post",
        ok=(302,),
        admin=True,
        instructor=True,
        state=lambda t: VideoCaption.objects.filter(pk=t.caption.pk).exists(),
    ),
    # --- playback ---
    Row("media_pipeline:watch", video_in_a1_lesson, url("media_pipeline:watch", "video"), "member_a1"),
    Row(
        "media_pipeline:sources (JSON)",
        video_in_a1_lesson,
        url("media_pipeline:sources", "video"),
        "member_a1",
        shows_marker=False,
    ),
    Row("media_pipeline:file (甲's signed URL)", signed_playlist, lambda t: t.signed, "member_a1"),
    Row(
        "video_chooser:chosen (JSON)",
        video_in_a1_lesson,
        url("video_chooser:chosen", "video"),
        "editor",
        admin=True,
        instructor=True,
    ),
]


def text_of(response: HttpResponseBase) -> str:
    """The body as text; JSON is decoded first, so escaped Chinese (``\\u652f``) is read as written."""
    content = b"".join(response.streaming_content) if response.streaming else response.content
    text = content.decode("utf-8", errors="replace")
    if response.get("Content-Type", "").startswith("application/json"):
        return json.dumps(json.loads(text), ensure_ascii=False)
    return text


def send(user: User, row: Row, target: Target) -> tuple[Client, str, HttpResponseBase]:
    client = client_for(user)
    address = row.url(target)
    if row.method == "get":
        return client, address, client.get(address)
    data = row.body(target) if row.body else {}
    if row.json:
        return client, address, client.post(address, json.dumps(data), content_type="application/json")
    return client, address, client.post(address, data)


def assert_refused(people: People, row: Row, who: str) -> None:
    """``who`` asks for the row's object: refused, never shown, nothing changed."""
    target = row.build(people)
    before = row.state(target) if row.state else None
    client, address, response = send(getattr(people, who), row, target)
    shown = text_of(response)
    assert target.marker not in shown, f"{row} showed {target.marker!r} to {who} ({response.status_code})"
    if response.status_code not in REFUSED:
        assert row.admin and response.status_code == 302, f"{row} answered {response.status_code} to {who}"
        away = response["Location"]
        assert urlsplit(away).path != urlsplit(address).path
        landing = client.get(away, follow=True)
        assert target.marker not in text_of(landing), f"{row} led {who} to a page naming it"
    if row.state:
        assert row.state(target) == before, f"{row} changed the database for {who}"


@pytest.mark.parametrize("row", ROWS, ids=str)
def test_a_member_of_another_branch_cannot_reach(people, row):
    assert_refused(people, row, "member_b1")


@pytest.mark.parametrize("row", ROWS, ids=str)
def test_the_organizer_of_another_branch_cannot_reach(people, row):
    assert_refused(people, row, "organizer_b1")


@pytest.mark.parametrize("row", [row for row in ROWS if row.instructor], ids=str)
def test_an_instructor_who_did_not_make_it_cannot_reach(people, row):
    assert_refused(people, row, "other_instructor")


@pytest.mark.parametrize("row", ROWS, ids=str)
def test_the_rightful_user_reaches_it(people, row):
    target = row.build(people)
    before = row.state(target) if row.state else None
    _client, _address, response = send(getattr(people, row.rightful), row, target)
    assert response.status_code in row.ok, f"{row}: {response.status_code}"
    if response.status_code == 200 and row.shows_marker:
        assert target.marker in text_of(response)
    if row.state:
        assert row.state(target) != before, f"{row}: the rightful request changed nothing"


# --- Listings ----------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Listing:
    id: str
    build: Callable[[People], Target]
    url: Callable[[Target], str]
    rightful: str  # sees the object in the list
    intruders: tuple[str, ...] = ("member_b1", "organizer_b1")
    shown: Callable[[HttpResponseBase], str] = text_of  # the part of the page that lists objects

    def __str__(self) -> str:
        return self.id


def search_hits(response: HttpResponseBase) -> str:
    """The titles of the hits only: the page also repeats the query, which is the marker."""
    titles = re.findall(r'<h2 class="search-hit__title">(.*?)</h2>', text_of(response), re.S)
    return "\n".join(re.sub(r"<[^>]+>", "", title) for title in titles)


def searched(name: str) -> Callable[[Target], str]:
    return lambda target: f"{reverse(name)}?{urlencode({'q': target.marker})}"


BOTH_AND_INSTRUCTOR = ("member_b1", "organizer_b1", "other_instructor")
ADMIN_INTRUDERS = ("organizer_b1", "other_instructor")

LISTINGS = [
    Listing("community:index (latest threads)", branch_thread, url("community:index"), "fellow_a1"),
    Listing("community:notes", branch_note, url("community:notes"), "fellow_a1"),
    Listing("community:groups", branch_group, url("community:groups"), "fellow_a1"),
    Listing(
        "community:letters (public board)", publicly_answered_letter, url("community:letters"), "fellow_a1"
    ),
    Listing("community:letter_inbox", branch_letter, url("community:letter_inbox"), "organizer_a1"),
    Listing("community:moderation", reported_post, url("community:moderation"), "organizer_a1"),
    Listing("community:homework", homework_set, url("community:homework"), "member_a1", BOTH_AND_INSTRUCTOR),
    Listing("community:call (applications)", instructor_call, url("community:call", "call"), "organizer_a1"),
    Listing("exams:index", exam_only, url("exams:index"), "member_a1"),
    Listing(
        "search:index (1支部 course)",
        indexed(course_only),
        searched("search:index"),
        "member_a1",
        shown=search_hits,
    ),
    Listing(
        "search:index (branch note)",
        indexed(branch_note),
        searched("search:index"),
        "fellow_a1",
        shown=search_hits,
    ),
    Listing(
        "search:index (branch thread)",
        indexed(branch_thread),
        searched("search:index"),
        "fellow_a1",
        shown=search_hits,
    ),
    Listing("members:index", member_of_a1, url("members:index"), "organizer_a1"),
    Listing("org_units:index", unit_a1, url("org_units:index"), "organizer_a1"),
    Listing("school_reports:members", unit_a1_members, url("school_reports:members"), "organizer_a1"),
    Listing("school_member_import", named_member_import, url("school_member_import"), "organizer_a1"),
    Listing("course_assignments:index", course_assignment, url("course_assignments:index"), "organizer_a1"),
    Listing("course_applications:index", application, url("course_applications:index"), "organizer_a1"),
    Listing("exam_admin:index", exam_only, url("exam_admin:index"), "instructor", ADMIN_INTRUDERS),
    Listing(
        "exam_grading:index", attempt_submitted, url("exam_grading:index"), "instructor", ADMIN_INTRUDERS
    ),
    Listing("exam_certificates:index", certificate, url("exam_certificates:index"), "organizer_a1"),
    Listing("videos:index", uploaded_video, url("videos:index"), "instructor", ADMIN_INTRUDERS),
    Listing(
        "video_chooser:choose", video_in_a1_lesson, url("video_chooser:choose"), "editor", ADMIN_INTRUDERS
    ),
]


@pytest.mark.parametrize(
    ("listing", "who"),
    [
        pytest.param(listing, who, id=f"{listing} as {who}")
        for listing in LISTINGS
        for who in listing.intruders
    ],
)
def test_a_listing_does_not_name_another_branchs_object(people, listing, who):
    target = listing.build(people)
    response = client_for(getattr(people, who)).get(listing.url(target), follow=True)
    assert response.status_code in (200, *REFUSED)
    assert target.marker not in listing.shown(response), f"{listing} named {target.marker!r} to {who}"


@pytest.mark.parametrize("listing", LISTINGS, ids=str)
def test_a_listing_names_the_object_to_the_rightful_user(people, listing):
    target = listing.build(people)
    response = client_for(getattr(people, listing.rightful)).get(listing.url(target))
    assert response.status_code == 200
    assert target.marker in listing.shown(response)
