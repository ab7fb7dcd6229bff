"""Homework: setting it, handing in text and files (and every way a file is refused, storing nothing),
late work, reviews with their audit rows and notifications, who may open what, S3 storage."""

from __future__ import annotations

import datetime
import io
import zipfile
from pathlib import Path

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from community import homework
from community.exceptions import InvalidPost, NotAllowed
from community.models import Assignment, Notification, Submission, SubmissionFile
from community.uploads import InvalidUpload
from courses.services.enrollment import enrollment_create
from courses.services.instructors import course_instructor_add
from courses.tests import factories as pages
from media_pipeline.tests.conftest import moto_endpoint, s3_outage, s3_storage  # noqa: F401 - fixtures
from school.models import AuditLog
from school.roles import Role
from school.tests.factories import MemberFactory

pytestmark = pytest.mark.django_db

PDF = b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"


def client_for(user) -> Client:
    client = Client(HTTP_ACCEPT_LANGUAGE="zh-hans")
    client.force_login(user)
    return client


def upload(name: str, data: bytes) -> SimpleUploadedFile:
    return SimpleUploadedFile(name, data, content_type="application/pdf")


def office_file(part: str = "word/document.xml", *extra: str) -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        archive.writestr("[Content_Types].xml", "<Types/>")
        archive.writestr(part, "<document/>")
        for name in extra:
            archive.writestr(name, b"\0\1")
    return buffer.getvalue()


def stored_files(media: Path) -> list[Path]:
    return [path for path in (media / "homework").rglob("*") if path.is_file()] if media.exists() else []


@pytest.fixture
def media(settings, tmp_path) -> Path:
    settings.MEDIA_ROOT = str(tmp_path / "media")
    return tmp_path / "media"


@pytest.fixture
def course(instructor):
    course = pages.course("新时代党的建设")
    course_instructor_add(course=course, user=instructor)
    return course


@pytest.fixture
def student(course, member_a1):
    enrollment_create(member=member_a1, course=course)
    return member_a1.user


@pytest.fixture
def assignment(course, instructor, student):
    return homework.assignment_create(
        course=course,
        acting_user=instructor,
        title="学习心得一篇",
        prompt="结合工作实际，谈谈学习体会，不少于800字。",
        due_at=timezone.now() + datetime.timedelta(days=7),
    )


def hand_in(assignment, user, text: str = "我的学习体会……", files=()) -> Submission:
    return homework.submission_save(assignment=assignment, author=user, text=text, files=list(files))


# ---------- setting homework ----------


def test_an_instructor_sets_homework_and_the_students_are_told(assignment, student):
    notification = Notification.objects.get(recipient=student)
    assert notification.kind == Notification.Kind.HOMEWORK_SET and notification.subject == "学习心得一篇"
    assert AuditLog.objects.filter(action="community.homework.set", target_id=str(assignment.pk)).exists()


def test_a_member_cannot_set_homework_on_a_course(course, student):
    with pytest.raises(NotAllowed):
        homework.assignment_create(
            course=course,
            acting_user=student,
            title="作业",
            prompt="内容",
            due_at=timezone.now() + datetime.timedelta(days=1),
        )
    response = client_for(student).get(reverse("community:assignment_new", args=[course.pk]))
    assert response.status_code == 403 and not Assignment.objects.exists()


def test_homework_due_in_the_past_is_refused(course, instructor):
    response = client_for(instructor).post(
        reverse("community:assignment_new", args=[course.pk]),
        {"title": "作业", "prompt": "内容", "due_at": "2020-01-01T08:00", "max_score": 100},
    )
    assert response.status_code == 400 and "截止时间已经过了" in response.content.decode()
    assert not Assignment.objects.exists()


def test_a_script_in_the_prompt_is_refused(course, instructor):
    with pytest.raises(InvalidPost):
        homework.assignment_create(
            course=course,
            acting_user=instructor,
            title="作业",
            prompt='<script>alert("x")</script>',
            due_at=timezone.now() + datetime.timedelta(days=1),
        )
    assert not Assignment.objects.exists()


def test_full_marks_cannot_drop_below_a_score_already_given(assignment, instructor, student):
    submission = hand_in(assignment, student)
    homework.submission_review(submission=submission, acting_user=instructor, score=90)
    with pytest.raises(InvalidPost, match="90"):
        homework.assignment_update(
            assignment=assignment,
            acting_user=instructor,
            title=assignment.title,
            prompt="新的要求",
            due_at=assignment.due_at,
            allow_files=True,
            accept_late=True,
            max_score=50,
            is_open=True,
        )
    assignment.refresh_from_db()
    assert assignment.max_score == 100 and "新的要求" not in assignment.prompt


# ---------- handing in ----------


def test_a_student_hands_in_text_and_a_pdf(assignment, student, media):
    submission = hand_in(assignment, student, files=[upload("心得.pdf", PDF)])
    row = SubmissionFile.objects.get(submission=submission)
    assert row.name == "心得.pdf" and row.kind == "pdf" and row.size == len(PDF)
    assert "心得" not in row.file.name and row.file.name.endswith(".pdf")  # stored under a random name
    assert (media / row.file.name).read_bytes() == PDF
    assert submission.status == Submission.Status.SUBMITTED and not submission.is_late
    assert submission.text == "<p>我的学习体会……</p>"


def test_a_docx_and_an_xlsx_with_printer_settings_are_accepted(assignment, student, media):
    files = [
        upload("心得.docx", office_file()),
        upload("统计.xlsx", office_file("xl/workbook.xml", "xl/printerSettings/printerSettings1.bin")),
    ]
    submission = hand_in(assignment, student, files=files)
    assert sorted(submission.files.values_list("kind", flat=True)) == ["docx", "xlsx"]


@pytest.mark.parametrize(
    ("name", "data", "message"),
    [
        ("作业.pdf", b"MZ\x90\x00" + b"\0" * 200, "程序"),
        ("作业.txt", b"\x7fELF\x02\x01\x01" + b"\0" * 200, "程序"),
        ("作业.txt", b"#!/bin/sh\nrm -rf /\n", "程序"),
        ("setup.exe", b"just text", "程序"),
        ("宏.docx", office_file("word/document.xml", "word/vbaProject.bin"), "宏"),
        ("内含程序.docx", office_file("word/document.xml", "word/embeddings/tool.exe"), "程序"),
        ("资料.zip", office_file("other/file.xml"), "压缩"),
        ("伪装.docx", PDF, "扩展名"),
        ("图片.png", b"GIF89a" + b"\0" * 20, "扩展名"),
        ("乱码.txt", b"\0\1\2\3binary", "类型"),
        ("未知.xyz", b"hello", "类型"),
        ("空.pdf", b"", "空"),
    ],
)
def test_a_refused_file_stores_nothing(assignment, student, media, name, data, message):
    response = client_for(student).post(
        reverse("community:assignment", args=[assignment.pk]),
        {"text": "见附件", "files": [upload(name, data)]},
    )
    assert response.status_code == 400
    assert message in response.content.decode()
    assert not Submission.objects.exists() and not SubmissionFile.objects.exists()
    assert stored_files(media) == []


def test_one_bad_file_among_good_ones_stores_none_of_them(assignment, student, media):
    with pytest.raises(InvalidUpload):
        hand_in(assignment, student, files=[upload("好.pdf", PDF), upload("坏.pdf", b"MZ" + b"\0" * 64)])
    assert not Submission.objects.exists() and stored_files(media) == []


def test_an_oversized_file_is_refused(assignment, student, media, settings):
    settings.HOMEWORK_FILE_MAX_BYTES = 1024
    with pytest.raises(InvalidUpload, match="大于"):
        hand_in(assignment, student, files=[upload("大.pdf", PDF + b"\0" * 2048)])
    assert not Submission.objects.exists() and stored_files(media) == []


def test_more_files_than_allowed_are_refused(assignment, student, media, settings):
    settings.HOMEWORK_FILES_MAX = 2
    hand_in(assignment, student, files=[upload("一.pdf", PDF), upload("二.pdf", PDF)])
    with pytest.raises(InvalidUpload, match="最多"):
        hand_in(assignment, student, files=[upload("三.pdf", PDF)])
    assert SubmissionFile.objects.count() == 2 and len(stored_files(media)) == 2


def test_an_empty_hand_in_is_refused(assignment, student):
    response = client_for(student).post(reverse("community:assignment", args=[assignment.pk]), {"text": "  "})
    assert response.status_code == 400 and not Submission.objects.exists()


def test_a_script_in_the_answer_is_refused(assignment, student):
    with pytest.raises(InvalidPost):
        hand_in(assignment, student, text='<iframe src="javascript:alert(1)"></iframe>')
    assert not Submission.objects.exists()


def test_files_are_refused_when_the_homework_takes_text_only(assignment, student, media):
    Assignment.objects.filter(pk=assignment.pk).update(allow_files=False)
    assignment.refresh_from_db()
    with pytest.raises(InvalidUpload):
        hand_in(assignment, student, files=[upload("a.pdf", PDF)])
    assert stored_files(media) == []


def test_handing_in_again_replaces_the_text_and_removes_chosen_files(
    assignment, student, media, django_capture_on_commit_callbacks
):
    first = hand_in(assignment, student, text="初稿", files=[upload("初稿.pdf", PDF)])
    old = first.files.get()
    with django_capture_on_commit_callbacks(execute=True):
        second = homework.submission_save(
            assignment=assignment,
            author=student,
            text="定稿",
            files=[upload("定稿.pdf", PDF)],
            remove_file_ids=[old.pk],
        )
    assert second.pk == first.pk and "定稿" in second.text
    assert list(second.files.values_list("name", flat=True)) == ["定稿.pdf"]
    assert not (media / old.file.name).exists() and len(stored_files(media)) == 1


def test_late_work_is_accepted_and_flagged(assignment, student):
    Assignment.objects.filter(pk=assignment.pk).update(due_at=timezone.now() - datetime.timedelta(hours=1))
    assignment.refresh_from_db()
    assert hand_in(assignment, student).is_late


def test_late_work_is_refused_when_the_homework_says_so(assignment, student):
    Assignment.objects.filter(pk=assignment.pk).update(
        due_at=timezone.now() - datetime.timedelta(hours=1), accept_late=False
    )
    assignment.refresh_from_db()
    with pytest.raises(NotAllowed, match="截止"):
        hand_in(assignment, student)
    assert not Submission.objects.exists()


def test_a_member_not_studying_the_course_cannot_open_or_hand_in(assignment, member_a2):
    client = client_for(member_a2.user)
    url = reverse("community:assignment", args=[assignment.pk])
    assert client.get(url).status_code == 404
    assert client.post(url, {"text": "我也交"}).status_code == 404
    with pytest.raises(NotAllowed):
        hand_in(assignment, member_a2.user)
    assert not Submission.objects.exists()


def test_a_closed_homework_takes_no_hand_ins(assignment, student):
    Assignment.objects.filter(pk=assignment.pk).update(is_open=False)
    response = client_for(student).post(reverse("community:assignment", args=[assignment.pk]), {"text": "答"})
    assert response.status_code == 403 and not Submission.objects.exists()


# ---------- reviews ----------


def test_a_review_scores_notifies_and_is_audited(assignment, instructor, student):
    submission = hand_in(assignment, student)
    client = client_for(instructor)
    response = client.post(
        reverse("community:submission", args=[submission.pk]), {"score": "88", "comment": "联系实际较好。"}
    )
    assert response.status_code == 302
    submission.refresh_from_db()
    assert submission.status == Submission.Status.REVIEWED and submission.score == 88
    assert "联系实际较好" in submission.review_comment and submission.reviewed_by == instructor
    assert Notification.objects.filter(recipient=student, kind=Notification.Kind.HOMEWORK_REVIEWED).exists()
    audit = AuditLog.objects.get(action="community.homework.reviewed")
    assert audit.data["score"] == 88 and audit.data["previous_score"] is None


def test_changing_a_review_keeps_the_previous_score_in_the_audit_log(assignment, instructor, student):
    submission = hand_in(assignment, student)
    homework.submission_review(submission=submission, acting_user=instructor, score=70)
    homework.submission_review(submission=submission, acting_user=instructor, score=75)
    scores = list(
        AuditLog.objects.filter(action="community.homework.reviewed")
        .order_by("id")
        .values_list("data__score", "data__previous_score")
    )
    assert scores == [(70, None), (75, 70)]


def test_a_score_above_full_marks_is_refused(assignment, instructor, student):
    submission = hand_in(assignment, student)
    response = client_for(instructor).post(
        reverse("community:submission", args=[submission.pk]), {"score": "101"}
    )
    assert response.status_code == 400
    submission.refresh_from_db()
    assert submission.score is None and submission.status == Submission.Status.SUBMITTED


def test_a_member_cannot_review_their_own_homework(assignment, student):
    submission = hand_in(assignment, student)
    response = client_for(student).post(
        reverse("community:submission", args=[submission.pk]), {"score": "100"}
    )
    assert response.status_code == 403
    submission.refresh_from_db()
    assert submission.score is None


def test_reviewed_homework_can_no_longer_be_changed(assignment, instructor, student):
    submission = hand_in(assignment, student, text="原文")
    homework.submission_review(submission=submission, acting_user=instructor, score=80)
    with pytest.raises(NotAllowed, match="已批改"):
        hand_in(assignment, student, text="偷偷改")
    submission.refresh_from_db()
    assert "原文" in submission.text


# ---------- who sees what ----------


def test_files_download_for_their_author_teacher_and_organizer_only(
    assignment, instructor, student, organizer_a1, member_a2, media
):
    submission = hand_in(assignment, student, files=[upload("心得.pdf", PDF)])
    url = reverse("community:submission_file", args=[submission.files.get().pk])
    response = client_for(student).get(url)
    assert response.status_code == 200 and b"".join(response.streaming_content) == PDF
    assert response["Content-Disposition"].startswith("attachment")
    assert response["X-Content-Type-Options"] == "nosniff"
    assert client_for(instructor).get(url).status_code == 200
    assert client_for(organizer_a1).get(url).status_code == 200  # manages the student's 支部
    assert client_for(member_a2.user).get(url).status_code == 404
    assert (
        client_for(member_a2.user).get(reverse("community:submission", args=[submission.pk])).status_code
        == 404
    )


def test_another_students_submission_is_not_found(assignment, student, course, org_tree):
    classmate = MemberFactory(user__roles=[Role.LEARNER], org_unit=org_tree.branch_a1, real_name="同学")
    enrollment_create(member=classmate, course=course)
    submission = hand_in(assignment, student)
    response = client_for(classmate.user).get(reverse("community:submission", args=[submission.pk]))
    assert response.status_code == 404


def test_the_teacher_sees_counts_and_filters_late_work(assignment, instructor, student, course, org_tree):
    late = MemberFactory(user__roles=[Role.LEARNER], org_unit=org_tree.branch_a1, real_name="迟交者")
    enrollment_create(member=late, course=course)
    hand_in(assignment, student)
    Assignment.objects.filter(pk=assignment.pk).update(due_at=timezone.now() - datetime.timedelta(minutes=1))
    assignment.refresh_from_db()
    hand_in(assignment, late.user)
    page = client_for(instructor).get(reverse("community:assignment", args=[assignment.pk]), {"show": "late"})
    assert page.context["counts"] == {"total": 2, "review": 2, "reviewed": 0, "late": 1}
    assert [row.author for row in page.context["submissions"].object_list] == [late.user]


def test_the_course_page_shows_the_homework_card_to_students(assignment, student, course):
    html = client_for(student).get(course.url).content.decode()
    assert reverse("community:assignment", args=[assignment.pk]) in html and "学习心得一篇" in html


def test_my_homework_lists_the_status(assignment, student):
    hand_in(assignment, student)
    page = client_for(student).get(reverse("community:homework"))
    [row] = page.context["page"].object_list
    assert row.mine is not None and not row.overdue


# ---------- object storage ----------


def test_hand_in_and_download_through_s3(assignment, student, s3_storage):  # noqa: F811
    submission = hand_in(assignment, student, files=[upload("心得.pdf", PDF)])
    key = submission.files.get().file.name
    assert {key} <= s3_storage.keys()
    response = client_for(student).get(reverse("community:submission_file", args=[submission.files.get().pk]))
    assert b"".join(response.streaming_content) == PDF


def test_storage_outage_leaves_no_rows_and_says_so(assignment, student, s3_outage):  # noqa: F811
    s3_outage()
    response = client_for(student).post(
        reverse("community:assignment", args=[assignment.pk]),
        {"text": "见附件", "files": [upload("a.pdf", PDF)]},
    )
    assert response.status_code == 400 and "稍后再试" in response.content.decode()
    assert not Submission.objects.exists() and not SubmissionFile.objects.exists()


# ---------- review findings ----------


def crafted_zip_version(data: bytes) -> bytes:
    """The archive with its central directory claiming a zip version Python cannot read."""
    at = data.index(b"PK\x01\x02")
    return data[: at + 6] + b"\xff\x00" + data[at + 8 :]


@pytest.mark.parametrize(
    ("name", "data", "message"),
    [
        ("坏压缩.docx", crafted_zip_version(office_file()), "压缩"),
        (
            "宏.doc",
            b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\0" * 600 + "_VBA_PROJECT".encode("utf-16-le"),
            "宏",
        ),
    ],
)
def test_crafted_office_files_are_refused_not_crashing(assignment, student, media, name, data, message):
    response = client_for(student).post(
        reverse("community:assignment", args=[assignment.pk]),
        {"text": "见附件", "files": [upload(name, data)]},
    )
    assert response.status_code == 400 and message in response.content.decode()
    assert not Submission.objects.exists() and stored_files(media) == []


def test_an_old_word_file_without_macros_is_accepted(assignment, student, media):
    submission = hand_in(
        assignment, student, files=[upload("旧版.doc", b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\0" * 600)]
    )
    assert submission.files.get().kind == "ole"


def test_too_many_files_are_refused_before_anything_is_stored(
    assignment, student, media, settings, monkeypatch
):
    from django.core.files.storage import default_storage

    saved = []
    monkeypatch.setattr(default_storage, "save", lambda *args, **kwargs: saved.append(args))
    settings.HOMEWORK_FILES_MAX = 2
    with pytest.raises(InvalidUpload, match="最多"):
        hand_in(assignment, student, files=[upload(f"{n}.pdf", PDF) for n in range(3)])
    assert saved == [] and not Submission.objects.exists()


def test_a_hidden_direction_character_cannot_disguise_a_file_name(assignment, student, media):
    submission = hand_in(assignment, student, files=[upload("心得\u202efdp.txt", "正文".encode())])
    assert submission.files.get().name == "心得fdp.txt"


def test_an_absurd_due_date_is_refused_on_change(assignment, instructor):
    response = client_for(instructor).post(
        reverse("community:assignment_edit", args=[assignment.pk]),
        {"title": "改期", "prompt": "内容", "due_at": "0001-01-01T00:00", "max_score": 100, "is_open": "on"},
    )
    assert response.status_code == 400
    assignment.refresh_from_db()
    assert assignment.title == "学习心得一篇" and assignment.due_at.year > 2000


def test_homework_without_a_title_is_refused_with_its_own_message(course, instructor):
    with pytest.raises(InvalidPost, match="作业标题"):
        homework.assignment_create(
            course=course,
            acting_user=instructor,
            title="  ",
            prompt="内容",
            due_at=timezone.now() + datetime.timedelta(days=1),
        )
    assert not Assignment.objects.exists()
