"""The question bank in the admin: permissions, versioned edits, regrading, imports with preview, export."""

from __future__ import annotations

from decimal import Decimal
from pathlib import Path

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from openpyxl import load_workbook

from exams.models import Attempt, Question, QuestionCategory, QuestionImport, QuestionVersion
from exams.services.attempts import attempt_open_window, attempt_start, attempt_submit
from exams.tests import factories
from school.tests.helpers import client_for

FIXTURES = Path(__file__).parent / "fixtures" / "imports"

SINGLE_FORM = {
    "stem": "党的根本宗旨是什么？",
    "mark": "2",
    "difficulty": "1",
    "tags": "宗旨，群众路线",
    "option_0": "全心全意为人民服务",
    "correct_0": "on",
    "option_1": "发展生产力",
}


def upload(client, category: QuestionCategory, name: str, data: bytes):
    file = SimpleUploadedFile(name, data)
    return client.post(reverse("exam_bank:import"), {"file": file, "category": category.pk})


def test_members_cannot_open_the_bank(learner, bank):
    response = client_for(learner).get(reverse("exam_bank:index"))
    assert response.status_code in (302, 403)


def test_instructor_adds_a_single_choice_question(instructor, bank):
    client = client_for(instructor)
    response = client.post(
        f"{reverse('exam_bank:add')}?kind=single", {**SINGLE_FORM, "category": bank.category.pk}
    )
    assert response.status_code == 302
    version = QuestionVersion.objects.get(stem="党的根本宗旨是什么？")
    assert version.options == [
        {"text": "全心全意为人民服务", "fraction": 1.0},
        {"text": "发展生产力", "fraction": 0.0},
    ]
    assert version.tags == ["宗旨", "群众路线"] and version.mark == Decimal("2")


def test_a_single_choice_question_without_a_correct_option_is_refused(instructor, bank):
    client = client_for(instructor)
    form = {**SINGLE_FORM, "category": bank.category.pk, "correct_0": ""}
    response = client.post(f"{reverse('exam_bank:add')}?kind=single", form)
    assert response.status_code == 200
    assert (
        "exactly one correct option" in response.content.decode() or "正确选项" in response.content.decode()
    )
    assert not QuestionVersion.objects.filter(stem="党的根本宗旨是什么？").exists()


def test_scripts_in_a_stem_are_removed(instructor, bank):
    client = client_for(instructor)
    stem = '<p onclick="steal()">问题<script>alert(1)</script><a href="javascript:alert(1)">链接</a></p>'
    client.post(
        f"{reverse('exam_bank:add')}?kind=single", {**SINGLE_FORM, "stem": stem, "category": bank.category.pk}
    )
    stored = Question.objects.latest("pk").current_version.stem
    assert "script" not in stored and "onclick" not in stored and "javascript:" not in stored
    assert "问题" in stored


def test_editing_writes_a_new_version_and_attempts_keep_the_old_one(
    instructor, objective_exam, member_a1, bank
):
    attempt = attempt_start(exam=objective_exam, member=member_a1)
    old_version = attempt.layout[0]["version"]
    client = client_for(instructor)
    form = {**SINGLE_FORM, "category": bank.category.pk, "stem": "修改后的题干"}
    client.post(reverse("exam_bank:edit", args=[bank.single.pk]), form)
    bank.single.refresh_from_db()
    assert bank.single.current_version.number == 2
    attempt.refresh_from_db()
    assert attempt.layout[0]["version"] == old_version
    assert QuestionVersion.objects.get(pk=old_version).stem != "修改后的题干"


def test_regrade_applies_a_corrected_key_to_submitted_attempts(instructor, objective_exam, member_a1, bank):
    attempt = attempt_start(exam=objective_exam, member=member_a1)
    writer = attempt_open_window(attempt=attempt)
    attempt = attempt_submit(
        attempt=attempt, writer=writer, seq=1, answers={"0": [1]}
    )  # option B, marked wrong
    assert attempt.score == Decimal("0.00")
    client = client_for(instructor)
    version = bank.single.current_version
    fixed = {**SINGLE_FORM, "category": bank.category.pk, "stem": version.stem, "mark": "1", "difficulty": ""}
    fixed.update({f"option_{i}": o["text"] for i, o in enumerate(version.options)})
    fixed.update({"correct_0": "", "correct_1": "on", "option_2": version.options[2]["text"]})
    client.post(reverse("exam_bank:edit", args=[bank.single.pk]), fixed)
    response = client.post(reverse("exam_bank:regrade", args=[bank.single.pk]))
    assert response.status_code == 302
    attempt.refresh_from_db()
    assert attempt.score == Decimal("1.00")
    assert attempt.layout[0]["version"] == Question.objects.get(pk=bank.single.pk).current_version_id


def test_gift_import_previews_then_writes_everything_with_subcategories(instructor, bank):
    client = client_for(instructor)
    data = (FIXTURES / "gift" / "full_syntax.gift").read_bytes()
    before = Question.objects.count()
    response = upload(client, bank.category, "题库.gift", data)
    assert response.status_code == 302
    assert Question.objects.count() == before  # preview writes nothing
    question_import = QuestionImport.objects.get()
    preview = client.get(reverse("exam_bank:import_preview", args=[question_import.pk]))
    assert preview.status_code == 200
    client.post(reverse("exam_bank:import_commit", args=[question_import.pk]))
    assert Question.objects.count() > before
    assert QuestionCategory.objects.get(pk=bank.category.pk).get_descendants().exists()
    again = client.post(reverse("exam_bank:import_commit", args=[question_import.pk]))  # a second click
    assert again.status_code == 302
    assert QuestionImport.objects.get().imported_count == Question.objects.count() - before


def test_a_file_with_errors_imports_nothing(instructor, bank):
    client = client_for(instructor)
    data = (FIXTURES / "gift" / "no_correct_answer.gift").read_bytes()
    upload(client, bank.category, "坏题.gift", data)
    question_import = QuestionImport.objects.get()
    before = Question.objects.count()
    response = client.post(reverse("exam_bank:import_commit", args=[question_import.pk]))
    assert response.status_code == 302
    assert Question.objects.count() == before
    assert QuestionImport.objects.get().status == QuestionImport.Status.PREVIEW


@pytest.mark.parametrize(
    ("name", "data"),
    [
        ("scan.pdf", b"%PDF-1.4 not questions"),
        ("bank.xlsx", b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1old excel"),
        ("broken.xml", (FIXTURES / "moodle" / "broken.xml").read_bytes()),
        ("bomb.xml", (FIXTURES / "moodle" / "billion_laughs.xml").read_bytes()),
    ],
)
def test_unreadable_files_are_refused_at_upload(instructor, bank, name, data):
    response = upload(client_for(instructor), bank.category, name, data)
    assert response.status_code == 200
    assert response.context["form"].errors["file"]
    assert not QuestionImport.objects.exists()


def test_oversized_files_are_refused(instructor, bank, settings):
    settings.QUESTION_IMPORT_MAX_BYTES = 1024
    response = upload(client_for(instructor), bank.category, "big.gift", b"// x\n" * 1000)
    assert response.context["form"].errors["file"]
    assert not QuestionImport.objects.exists()


def test_another_instructors_import_is_not_visible(instructor, bank, org_tree):
    upload(
        client_for(instructor), bank.category, "q.gift", (FIXTURES / "gift" / "full_syntax.gift").read_bytes()
    )
    question_import = QuestionImport.objects.get()
    from school.roles import Role
    from school.tests.factories import MemberFactory

    other = MemberFactory(user__roles=[Role.INSTRUCTOR], org_unit=org_tree.committee).user
    assert (
        client_for(other).get(reverse("exam_bank:import_preview", args=[question_import.pk])).status_code
        == 404
    )


def test_export_re_imports_to_the_same_questions(instructor, bank):
    client = client_for(instructor)
    response = client.get(f"{reverse('exam_bank:export')}?category={bank.category.pk}")
    assert response["Content-Type"].startswith("application/vnd.openxmlformats")
    target = factories.category("导入副本")
    upload(client, target, "导出.xlsx", response.content)
    client.post(reverse("exam_bank:import_commit", args=[QuestionImport.objects.get().pk]))
    copies = {q.current_version.stem: q.current_version for q in Question.objects.filter(category=target)}
    for question in [bank.single, bank.multiple, bank.truefalse, bank.fill, bank.essay]:
        original = question.current_version
        copy = copies[original.stem]
        assert (copy.kind, copy.options, copy.answer, copy.mark) == (
            original.kind,
            original.options,
            original.answer,
            original.mark,
        )


def test_the_template_downloads_as_a_workbook(instructor, tmp_path):
    response = client_for(instructor).get(reverse("exam_bank:template"))
    path = tmp_path / "t.xlsx"
    path.write_bytes(response.content)
    workbook = load_workbook(path)
    assert "题型" in [cell.value for cell in workbook.worksheets[0][1]]


def test_question_listing_filters_by_kind(instructor, bank):
    page = client_for(instructor).get(f"{reverse('exam_bank:index')}?kind=truefalse").content.decode()
    assert bank.truefalse.current_version.summary in page
    assert bank.single.current_version.summary not in page


def test_bad_filter_values_do_not_break_the_listing(instructor, bank):
    response = client_for(instructor).get(f"{reverse('exam_bank:index')}?category=abc&difficulty=x&p=zz")
    assert response.status_code == 200


def test_attempts_survive_archiving_a_question(instructor, objective_exam, member_a1, bank):
    attempt_start(exam=objective_exam, member=member_a1)
    client_for(instructor).post(reverse("exam_bank:archive", args=[bank.single.pk]))
    assert Question.objects.get(pk=bank.single.pk).archived
    assert Attempt.objects.get().layout


def test_scripts_in_imported_html_are_removed_before_anything_is_stored(instructor, bank):
    client = client_for(instructor)
    gift = '::危险题目::[html]<p onclick="x()">党的宗旨<script>alert(1)</script></p>{=为人民服务 ~发展经济}\n'
    upload(client, bank.category, "html.gift", gift.encode())
    client.post(reverse("exam_bank:import_commit", args=[QuestionImport.objects.get().pk]))
    stem = QuestionVersion.objects.get(title="危险题目").stem
    assert "党的宗旨" in stem and "script" not in stem and "onclick" not in stem
