"""Member import from Excel: preview, commit, cancel, every bad-file case, and the admin screens."""

from __future__ import annotations

import base64
import datetime
import io
import os
import re
import zipfile

import pytest
from django.conf import settings
from django.contrib.auth.hashers import check_password
from django.core.exceptions import PermissionDenied
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client
from django.urls import reverse
from django.utils import translation
from django.utils.translation import gettext
from openpyxl import Workbook, load_workbook

from school.imports import cells, members
from school.imports.errors import CellError, InvalidImportFile, RowError
from school.imports.initial_passwords import ITERATIONS, initial_password_hash
from school.models import AuditLog, Member, MemberImport, User
from school.roles import Role
from school.services.member_import import (
    ImportConflict,
    ImportNotCommittable,
    member_import_cancel,
    member_import_commit,
    member_import_preview,
)
from school.tests.factories import MemberFactory

HEADERS = ["姓名", "手机号", "所属支部", "政治面貌", "入党时间", "性别"]
PNG = (
    b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR\x00\x00\x00\x01\x00\x00\x00\x01\x08\x06\x00\x00\x00\x1f\x15\xc4\x89"
)
JPEG = b"\xff\xd8\xff\xe0\x00\x10JFIF\x00\x01\x01\x00\x00\x01\x00\x01\x00\x00\xff\xdb" + b"\x00" * 64


def xlsx(rows: list[list], headers: list[str] | None = HEADERS) -> bytes:
    workbook = Workbook()
    sheet = workbook.active
    if headers is not None:
        sheet.append(headers)
    for row in rows:
        sheet.append(row)
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()


def upload(content: bytes, name: str = "党员名单.xlsx") -> SimpleUploadedFile:
    return SimpleUploadedFile(name, content, content_type="application/octet-stream")


def preview(user, rows: list[list], headers: list[str] | None = HEADERS) -> MemberImport:
    return member_import_preview(acting_user=user, file=upload(xlsx(rows, headers)))


def error_codes(member_import: MemberImport) -> set[tuple[int, str]]:
    return {(error["row"], error["code"]) for error in member_import.errors}


def file_error(user, content: bytes, name: str = "党员名单.xlsx") -> str:
    with pytest.raises(InvalidImportFile) as caught:
        member_import_preview(acting_user=user, file=upload(content, name))
    return caught.value.code


def in_site_language(msgid: str, **params) -> str:
    """What the admin shows, in the language it renders in (English until the catalog is filled)."""
    with translation.override(settings.LANGUAGE_CODE):
        return gettext(msgid) % params


@pytest.fixture
def counts():
    """Snapshot of everything an import may write; call it again to compare."""
    return lambda: (User.objects.count(), Member.objects.count(), MemberImport.objects.count())


@pytest.fixture
def good_rows(org_tree) -> list[list]:
    return [
        ["王小明", "13800000001", "第一党支部", "中共党员", "2021-07-01", "男"],
        ["李  红", 13800000002, "第一党小组", "预备党员", "2024/3/15", "女"],
        ["赵强", "138 0000 0003", "第一党支部", "入党积极分子", None, None],
    ]


@pytest.fixture
def organizer_b1(org_tree):
    user = MemberFactory(
        user__roles=[Role.BRANCH_ORGANIZER], org_unit=org_tree.branch_b1, real_name="三支书"
    ).user
    org_tree.branch_b1.managers.add(user)
    return user


# --- Preview and commit -----------------------------------------------------------------------


def test_preview_of_a_clean_sheet_stores_normalized_rows_and_creates_no_member(
    organizer_a1, good_rows, counts
):
    users, members_before, _imports = counts()
    member_import = preview(organizer_a1, good_rows)
    assert member_import.status == MemberImport.Status.PREVIEWED
    assert member_import.errors == []
    assert member_import.can_commit
    assert [row["phone"] for row in member_import.rows] == ["13800000001", "13800000002", "13800000003"]
    assert member_import.rows[1]["real_name"] == "李红"
    assert member_import.rows[1]["joined_party_on"] == "2024-03-15"
    assert member_import.rows[2]["political_status"] == Member.PoliticalStatus.ACTIVIST
    assert counts()[:2] == (users, members_before)


def test_commit_creates_learner_accounts_that_must_change_password(organizer_a1, org_tree, good_rows):
    member_import = preview(organizer_a1, good_rows)
    result = member_import_commit(acting_user=organizer_a1, member_import=member_import)
    assert result.created == 3
    member = Member.objects.select_related("user").get(phone="13800000002")
    assert member.real_name == "李红"
    assert member.org_unit == org_tree.group_a1
    assert member.political_status == Member.PoliticalStatus.PROBATIONARY
    assert member.joined_party_on == datetime.date(2024, 3, 15)
    assert member.gender == Member.Gender.FEMALE
    assert member.user.username == "13800000002"
    assert member.user.must_change_password
    assert list(member.user.groups.values_list("name", flat=True)) == [Role.LEARNER.value]
    assert member_import.status == MemberImport.Status.COMMITTED
    assert member_import.created_count == 3


def test_each_imported_member_gets_an_own_password_that_is_not_stored_in_clear(organizer_a1, good_rows):
    member_import = preview(organizer_a1, good_rows)
    result = member_import_commit(acting_user=organizer_a1, member_import=member_import)
    passwords = [credential.password for credential in result.credentials]
    assert len(set(passwords)) == 3
    for credential in result.credentials:
        user = User.objects.get(username=credential.login)
        assert user.check_password(credential.password)
        assert credential.password not in user.password
    assert not any(password in str(member_import.rows) for password in passwords)


def test_commit_writes_one_audit_row_for_the_import(organizer_a1, good_rows):
    member_import = preview(organizer_a1, good_rows)
    member_import_commit(acting_user=organizer_a1, member_import=member_import)
    entries = AuditLog.objects.filter(target_type="school.memberimport")
    assert [(e.action, e.actor, e.data["created"]) for e in entries] == [
        ("member_import.committed", organizer_a1, 3)
    ]
    assert not AuditLog.objects.filter(action="member.created").exists()


def test_committing_twice_creates_the_members_only_once(organizer_a1, good_rows, counts):
    member_import = preview(organizer_a1, good_rows)
    member_import_commit(acting_user=organizer_a1, member_import=member_import)
    after_first = counts()
    second = member_import_commit(acting_user=organizer_a1, member_import=member_import)
    stale_copy = MemberImport.objects.get(pk=member_import.pk)
    stale_copy.status = (
        MemberImport.Status.PREVIEWED
    )  # a second request that loaded the row before the first commit
    third = member_import_commit(acting_user=organizer_a1, member_import=stale_copy)
    assert (second.created, third.created) == (0, 0)
    assert counts() == after_first


def test_cancelled_import_writes_nothing_and_cannot_be_committed(organizer_a1, good_rows, counts):
    member_import = preview(organizer_a1, good_rows)
    before = counts()
    member_import_cancel(acting_user=organizer_a1, member_import=member_import)
    assert member_import.status == MemberImport.Status.CANCELLED
    assert member_import.rows == []
    with pytest.raises(ImportNotCommittable):
        member_import_commit(acting_user=organizer_a1, member_import=member_import)
    assert counts() == before


def test_one_invalid_row_blocks_the_whole_import(organizer_a1, good_rows, counts):
    member_import = preview(organizer_a1, [*good_rows, ["钱多", "12345", "第一党支部", "群众", None, None]])
    assert error_codes(member_import) == {(5, "phone_invalid")}
    assert len(member_import.rows) == 3
    assert not member_import.can_commit
    before = counts()
    with pytest.raises(ImportNotCommittable):
        member_import_commit(acting_user=organizer_a1, member_import=member_import)
    assert counts() == before


def test_phone_registered_between_preview_and_commit_fails_the_import_and_writes_nothing(
    organizer_a1, org_tree, good_rows, counts
):
    member_import = preview(organizer_a1, good_rows)
    MemberFactory(org_unit=org_tree.branch_a2, phone="13800000003")
    before = counts()
    result = member_import_commit(acting_user=organizer_a1, member_import=member_import)
    assert result.created == 0
    assert member_import.status == MemberImport.Status.FAILED
    assert error_codes(member_import) == {(4, "phone_taken")}
    assert counts() == before
    assert not Member.objects.filter(phone="13800000001").exists()


def test_a_phone_registered_during_the_commit_itself_rolls_everything_back(
    organizer_a1, org_tree, good_rows, monkeypatch, counts
):
    member_import = preview(organizer_a1, good_rows)
    MemberFactory(org_unit=org_tree.branch_a2, phone="13800000003")
    monkeypatch.setattr("school.services.member_import.check_identities", lambda rows: [])  # lose the race
    before = counts()
    with pytest.raises(ImportConflict):
        member_import_commit(acting_user=organizer_a1, member_import=member_import)
    assert counts() == before
    assert member_import.status == MemberImport.Status.PREVIEWED


def test_org_unit_deleted_between_preview_and_commit_fails_the_import(organizer_a1, org_tree, good_rows):
    member_import = preview(organizer_a1, good_rows)
    org_tree.group_a1.delete()
    member_import_commit(acting_user=organizer_a1, member_import=member_import)
    assert member_import.status == MemberImport.Status.FAILED
    assert error_codes(member_import) == {(3, "org_unit_gone")}
    assert not Member.objects.filter(phone="13800000001").exists()


def test_another_organizer_cannot_commit_or_cancel_someone_elses_import(
    organizer_a1, organizer_b1, good_rows
):
    member_import = preview(organizer_a1, good_rows)
    with pytest.raises(PermissionDenied):
        member_import_commit(acting_user=organizer_b1, member_import=member_import)
    with pytest.raises(PermissionDenied):
        member_import_cancel(acting_user=organizer_b1, member_import=member_import)
    member_import.refresh_from_db()
    assert member_import.status == MemberImport.Status.PREVIEWED
    assert not Member.objects.filter(phone="13800000001").exists()


def test_a_system_admin_may_commit_an_organizers_import(organizer_a1, system_admin, good_rows):
    member_import = preview(organizer_a1, good_rows)
    result = member_import_commit(acting_user=system_admin, member_import=member_import)
    assert result.created == 3


def test_a_learner_may_not_import(learner, good_rows):
    with pytest.raises(PermissionDenied):
        preview(learner, good_rows)
    assert not MemberImport.objects.exists()


# --- Row errors ---------------------------------------------------------------------------------


def test_duplicate_phones_in_the_file_name_each_others_rows(organizer_a1):
    member_import = preview(
        organizer_a1,
        [
            ["甲", "13800000001", "第一党支部", "群众"],
            ["乙", "13800000002", "第一党支部", "群众"],
            ["丙", "138-0000-0001", "第一党支部", "群众"],
        ],
    )
    errors = {error["row"]: error for error in member_import.errors}
    assert set(errors) == {2, 4}
    assert errors[2]["code"] == errors[4]["code"] == "phone_duplicate"
    assert errors[2]["params"]["rows"] == "4"
    assert errors[4]["params"]["rows"] == "2"
    assert [row["row"] for row in member_import.rows] == [3]


def test_phone_of_an_existing_member_is_a_row_error(organizer_a1, member_a2):
    member_import = preview(organizer_a1, [["甲", member_a2.phone, "第一党支部", "群众"]])
    assert error_codes(member_import) == {(2, "phone_taken")}


def test_phone_that_is_an_existing_account_name_is_a_row_error(organizer_a1, org_tree):
    MemberFactory(org_unit=org_tree.branch_a2, user__username="13800000009", phone=None)
    member_import = preview(organizer_a1, [["甲", "13800000009", "第一党支部", "群众"]])
    assert error_codes(member_import) == {(2, "phone_taken")}


def test_unknown_branch_is_a_row_error(organizer_a1):
    member_import = preview(organizer_a1, [["甲", "13800000001", "不存在的支部", "群众"]])
    assert error_codes(member_import) == {(2, "org_unit_unknown")}


def test_branch_outside_the_organizers_subtree_is_a_row_error(organizer_a1):
    member_import = preview(
        organizer_a1,
        [["甲", "13800000001", "第二党支部", "群众"], ["乙", "13800000002", "第一党支部", "群众"]],
    )
    assert error_codes(member_import) == {(2, "org_unit_forbidden")}
    assert not member_import.can_commit


def test_system_admin_may_import_into_any_branch(system_admin):
    member_import = preview(system_admin, [["甲", "13800000001", "第三党支部", "群众"]])
    assert member_import.errors == []


def test_ambiguous_branch_name_asks_for_the_code_and_the_code_resolves_it(system_admin, org_tree):
    twin = org_tree.general_b.add_child(name="第一党支部", kind="branch", code="B-02")
    member_import = preview(
        system_admin,
        [["甲", "13800000001", "第一党支部", "群众"], ["乙", "13800000002", "B-02", "群众"]],
    )
    assert error_codes(member_import) == {(2, "org_unit_ambiguous")}
    assert member_import.rows[0]["org_unit_id"] == twin.pk


def test_missing_required_values_are_reported_per_column(organizer_a1):
    member_import = preview(organizer_a1, [["", "", "", "", "2020-01-01", "男"]])
    assert {(e["column"], e["code"]) for e in member_import.errors} == {
        ("姓名", "required"),
        ("手机号", "required"),
        ("所属支部", "required"),
        ("政治面貌", "required"),
    }


def test_bad_status_gender_and_date_are_each_reported(organizer_a1):
    member_import = preview(organizer_a1, [["甲", "13800000001", "第一党支部", "共青团员", "去年", "未知"]])
    assert error_codes(member_import) == {(2, "status_invalid"), (2, "date_invalid"), (2, "gender_invalid")}


def test_future_date_joined_is_rejected(organizer_a1):
    tomorrow = datetime.date.today() + datetime.timedelta(days=2)
    member_import = preview(organizer_a1, [["甲", "13800000001", "第一党支部", "中共党员", tomorrow]])
    assert error_codes(member_import) == {(2, "date_future")}


def test_date_joined_is_only_accepted_for_party_members(organizer_a1):
    member_import = preview(
        organizer_a1,
        [
            ["甲", "13800000001", "第一党支部", "群众", "2020-01-01"],
            ["乙", "13800000002", "第一党支部", "发展对象", "2020-01-01"],
            ["丙", "13800000003", "第一党支部", "预备党员", "2020-01-01"],
        ],
    )
    assert error_codes(member_import) == {(2, "date_not_member"), (3, "date_not_member")}


def test_the_example_row_of_the_template_is_not_imported(organizer_a1):
    member_import = preview(organizer_a1, [["张三", "13800138000", "第一党支部", "中共党员"]])
    assert error_codes(member_import) == {(2, "example_row")}


def test_account_names_must_be_valid_unique_and_not_look_like_someone_elses_phone(organizer_a1, member_a2):
    member_import = preview(
        organizer_a1,
        [
            ["甲", "13800000001", "第一党支部", "群众", None, None, "wang xm"],
            ["乙", "13800000002", "第一党支部", "群众", None, None, "13900000000"],
            ["丙", "13800000003", "第一党支部", "群众", None, None, "Zhao"],
            ["丁", "13800000004", "第一党支部", "群众", None, None, "zhao"],
            ["戊", "13800000005", "第一党支部", "群众", None, None, member_a2.user.username],
            ["己", "13800000006", "第一党支部", "群众", None, None, "13800000006"],
        ],
        headers=[*HEADERS, "用户名"],
    )
    assert error_codes(member_import) == {
        (2, "username_invalid"),
        (3, "username_phone_like"),
        (4, "username_duplicate"),
        (5, "username_duplicate"),
        (6, "username_taken"),
    }


def test_error_messages_name_the_row_and_read_as_sentences(organizer_a1):
    member_import = preview(organizer_a1, [["甲", "12345", "第一党支部", "群众"]])
    error = RowError.from_json(member_import.errors[0])
    with translation.override("en"):
        assert error.message == gettext("“%(value)s” is not an 11-digit mainland mobile number.") % {
            "value": "12345"
        }


# --- Bad files: a clear reason, and nothing written ---------------------------------------------


@pytest.fixture
def nothing_written(counts):
    before = counts()
    yield
    assert counts() == before


def test_png_named_xlsx_is_rejected_as_the_wrong_type(organizer_a1, nothing_written):
    assert file_error(organizer_a1, PNG) == "wrong_type"


def test_jpeg_named_xlsx_is_rejected_as_the_wrong_type(organizer_a1, nothing_written):
    assert file_error(organizer_a1, JPEG) == "wrong_type"


def test_csv_file_is_rejected_with_a_hint_to_save_it_as_xlsx(organizer_a1, nothing_written):
    content = "姓名,手机号,所属支部,政治面貌\n甲,13800000001,第一党支部,群众\n".encode()
    assert file_error(organizer_a1, content, name="名单.csv") == "save_as_xlsx"


def test_old_xls_workbook_is_rejected_with_a_hint_to_save_it_as_xlsx(organizer_a1, nothing_written):
    assert (
        file_error(organizer_a1, b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\x00" * 512, "名单.xls")
        == "save_as_xlsx"
    )


def test_password_protected_workbook_is_rejected_with_a_hint_to_remove_the_password(
    organizer_a1, nothing_written
):
    encrypted = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\x00" * 512  # what Excel writes for a protected .xlsx
    assert file_error(organizer_a1, encrypted) == "protected_or_xls"


def test_zip_that_is_not_a_workbook_is_rejected_as_unreadable(organizer_a1, nothing_written):
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        archive.writestr("readme.txt", "hello")
    assert file_error(organizer_a1, buffer.getvalue()) == "unreadable"


def test_truncated_workbook_is_rejected_as_unreadable(organizer_a1, good_rows, nothing_written):
    content = xlsx(good_rows)
    assert file_error(organizer_a1, content[: len(content) // 2]) == "unreadable"


def test_workbook_with_a_damaged_sheet_is_rejected_as_unreadable(organizer_a1, good_rows, nothing_written):
    source = zipfile.ZipFile(io.BytesIO(xlsx(good_rows)))
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as damaged:
        for item in source.infolist():
            data = source.read(item)
            damaged.writestr(
                item, b"<worksheet><sheetData><row" if "worksheets/sheet" in item.filename else data
            )
    assert file_error(organizer_a1, buffer.getvalue()) == "unreadable"


def test_ten_megabytes_of_garbage_is_rejected_by_size_before_parsing(
    organizer_a1, monkeypatch, nothing_written
):
    def must_not_parse(data):
        raise AssertionError("the size check comes first")

    monkeypatch.setattr("school.imports.members.open_workbook", must_not_parse)
    garbage = b"PK\x03\x04" + os.urandom(10 * 1024 * 1024)
    with pytest.raises(InvalidImportFile) as caught:
        member_import_preview(acting_user=organizer_a1, file=upload(garbage))
    assert caught.value.code == "too_big"
    with translation.override("en"):
        assert caught.value.message == "The file is 10.0\xa0MB; files up to 5.0\xa0MB can be imported."


def test_garbage_under_the_size_limit_is_rejected_as_unreadable(organizer_a1, nothing_written):
    assert file_error(organizer_a1, b"PK\x03\x04" + os.urandom(100_000)) == "unreadable"


def test_zip_bomb_is_rejected_before_it_is_inflated(organizer_a1, good_rows, nothing_written):
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as bomb:
        for item in zipfile.ZipFile(io.BytesIO(xlsx(good_rows))).infolist():
            bomb.writestr(item.filename, b"<x/>")
        with bomb.open("xl/worksheets/padding.xml", "w") as padding:
            for _chunk in range(70):
                padding.write(b"\0" * 1024 * 1024)
    assert len(buffer.getvalue()) < 1024 * 1024
    assert file_error(organizer_a1, buffer.getvalue()) == "unpacks_too_big"


def test_empty_upload_is_rejected(organizer_a1, nothing_written):
    assert file_error(organizer_a1, b"") == "empty_upload"


def test_sheet_with_wrong_headers_names_the_missing_columns(organizer_a1, nothing_written):
    content = xlsx([["甲", "13800000001"]], headers=["名字", "电话", "单位", "备注"])
    with pytest.raises(InvalidImportFile) as caught:
        member_import_preview(acting_user=organizer_a1, file=upload(content))
    assert caught.value.code == "missing_columns"
    assert caught.value.params == {"columns": "所属支部、政治面貌"}


def test_sheet_without_any_header_row_names_every_required_column(organizer_a1, nothing_written):
    content = xlsx([["甲", "13800000001", "第一党支部", "群众"]], headers=None)
    with pytest.raises(InvalidImportFile) as caught:
        member_import_preview(acting_user=organizer_a1, file=upload(content))
    assert caught.value.params == {"columns": "姓名、手机号、所属支部、政治面貌"}


def test_two_columns_with_the_same_meaning_are_rejected(organizer_a1, nothing_written):
    headers = ["姓名", "手机", "联系电话", "所属支部", "政治面貌"]
    content = xlsx([["甲", "13800000001", "13800000002", "第一党支部", "群众"]], headers=headers)
    assert file_error(organizer_a1, content) == "duplicate_column"


def test_empty_sheet_is_rejected(organizer_a1, nothing_written):
    assert file_error(organizer_a1, xlsx([], headers=None)) == "sheet_empty"


def test_header_only_sheet_is_rejected(organizer_a1, nothing_written):
    assert file_error(organizer_a1, xlsx([["", "", "", ""]])) == "no_rows"


def test_sheet_with_more_rows_than_the_limit_is_rejected(organizer_a1, monkeypatch, nothing_written):
    monkeypatch.setattr(members, "MAX_ROWS", 2)
    rows = [[f"学员{i}", f"1380000000{i}", "第一党支部", "群众"] for i in range(3)]
    assert file_error(organizer_a1, xlsx(rows)) == "too_many_rows"


# --- Reading cells and headers --------------------------------------------------------------------


@pytest.mark.parametrize(
    "value",
    [
        "13800138001",
        13800138001,
        13800138001.0,
        "138 0013 8001",
        "138-0013-8001",
        "１３８００１３８００１",
        "+86 13800138001",
    ],
)
def test_phone_reader_accepts_the_ways_people_write_numbers(value):
    assert cells.phone(value) == "13800138001"


@pytest.mark.parametrize("value", ["1380013800", "23800138001", "138001380011", "电话", 1.5])
def test_phone_reader_rejects_what_is_not_a_mobile_number(value):
    with pytest.raises(CellError):
        cells.phone(value)


@pytest.mark.parametrize(
    "value",
    [
        datetime.datetime(2021, 7, 1),
        datetime.date(2021, 7, 1),
        "2021-07-01",
        "2021/7/1",
        "2021年7月1日",
        "2021.07.01",
        "20210701",
        20210701,
        "2021.07",
        "2021年7月",
    ],
)
def test_date_reader_accepts_the_usual_chinese_spellings(value):
    assert cells.date(value) == datetime.date(2021, 7, 1)


@pytest.mark.parametrize("value", [2021.1, "2021-13-01", "2021-02-30", "去年七月", 44378])
def test_date_reader_rejects_ambiguous_or_impossible_dates(value):
    with pytest.raises(CellError):
        cells.date(value)


@pytest.mark.parametrize(
    ("label", "status"),
    [
        ("中共党员", "full"),
        ("正式党员", "full"),
        ("预备党员", "probationary"),
        ("发展对象", "candidate"),
        ("入党积极分子", "activist"),
        ("积极分子", "activist"),
        (" 群众 ", "masses"),
    ],
)
def test_political_status_labels_map_to_the_model_choices(label, status):
    assert cells.political_status(label) == status


def test_header_aliases_markers_and_a_title_row_are_understood(organizer_a1):
    workbook = Workbook()
    sheet = workbook.active
    sheet.append(["第一党支部党员花名册"])
    sheet.append(["序号", "名字*", "手机号码（必填）", "党组织", " 政治 面貌 ", "入党日期", "备注", "籍贯"])
    sheet.append(
        [1, "甲", "13800000001", "第一党支部", "中共党员", datetime.datetime(2019, 6, 30), "无", "山东"]
    )
    buffer = io.BytesIO()
    workbook.save(buffer)
    member_import = member_import_preview(acting_user=organizer_a1, file=upload(buffer.getvalue()))
    assert member_import.errors == []
    assert member_import.rows[0]["row"] == 3
    assert member_import.rows[0]["joined_party_on"] == "2019-06-30"
    assert member_import.ignored_columns == ["籍贯"]


def test_initial_password_hash_is_pbkdf2_and_upgraded_at_the_first_login(settings):
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.PBKDF2PasswordHasher"]
    encoded = initial_password_hash("Kx7mPq3zRt")
    assert encoded.startswith(f"pbkdf2_sha256${ITERATIONS}$")
    upgraded = []
    assert check_password("Kx7mPq3zRt", encoded, setter=upgraded.append)
    assert upgraded == ["Kx7mPq3zRt"]


# --- Admin screens ----------------------------------------------------------------------------------


@pytest.fixture
def organizer_client(organizer_a1) -> Client:
    client = Client()
    client.force_login(organizer_a1)
    return client


def upload_via_admin(client: Client, content: bytes, name: str = "党员名单.xlsx"):
    return client.post(reverse("school_member_import"), {"file": upload(content, name)})


def test_upload_page_renders_for_an_organizer_with_the_template_link(organizer_client):
    response = organizer_client.get(reverse("school_member_import"))
    assert response.status_code == 200
    assert reverse("school_member_import_template").encode() in response.content
    assert b'enctype="multipart/form-data"' in response.content


def test_import_menu_item_is_shown_to_organizers_but_not_to_instructors(organizer_client, org_tree):
    assert b"import-members" in organizer_client.get(reverse("wagtailadmin_home")).content
    instructor = MemberFactory(user__roles=[Role.INSTRUCTOR], org_unit=org_tree.branch_a1).user
    client = Client()
    client.force_login(instructor)
    assert b"import-members" not in client.get(reverse("wagtailadmin_home")).content
    assert client.get(reverse("school_member_import")).status_code == 302  # Wagtail: "no permission", to home


def test_uploading_a_sheet_with_errors_shows_each_problem_with_its_row_number(organizer_client, good_rows):
    rows = [
        *good_rows,
        ["钱多", "12345", "第一党支部", "群众"],
        ["孙少", "13800000009", "第二党支部", "群众"],
    ]
    response = upload_via_admin(organizer_client, xlsx(rows))
    assert response.status_code == 302
    page = organizer_client.get(response.url)
    content = page.content.decode()
    assert page.status_code == 200
    assert in_site_language("Row %(row)s", row=5) in content
    assert in_site_language("Row %(row)s", row=6) in content
    assert in_site_language("You may not import members into “%(value)s”.", value="第二党支部") in content
    assert re.search(r"<button[^>]*type=\"submit\"[^>]*disabled", content)


def test_uploading_a_bad_file_redisplays_the_form_with_the_reason(organizer_client, counts):
    before = counts()
    response = upload_via_admin(organizer_client, PNG, "照片.xlsx")
    assert response.status_code == 400
    message = in_site_language(
        "Only Excel workbooks (.xlsx) can be imported; “%(name)s” is not one.", name="照片.xlsx"
    )
    assert message in response.content.decode()
    assert counts() == before


def test_committing_in_the_admin_shows_the_passwords_once_and_offers_them_as_a_workbook(
    organizer_client, good_rows
):
    detail_url = upload_via_admin(organizer_client, xlsx(good_rows)).url
    member_import = MemberImport.objects.get()
    response = organizer_client.post(reverse("school_member_import_commit", args=[member_import.pk]))
    assert response.status_code == 200
    assert "no-store" in response["Cache-Control"]
    content = response.content.decode()
    encoded = re.search(r'href="data:[^;]+;base64,([^"]+)"', content).group(1)
    sheet = load_workbook(io.BytesIO(base64.b64decode(encoded))).active
    listed = {row[2]: row[4] for row in sheet.iter_rows(min_row=2, max_row=4, values_only=True)}
    assert set(listed) == {"13800000001", "13800000002", "13800000003"}
    for login, password in listed.items():
        assert User.objects.get(username=login).check_password(password)
        assert password in content
    later = organizer_client.get(detail_url).content.decode()
    assert not any(password in later for password in listed.values())


def test_committing_again_in_the_admin_only_redirects(organizer_client, good_rows, counts):
    upload_via_admin(organizer_client, xlsx(good_rows))
    commit_url = reverse("school_member_import_commit", args=[MemberImport.objects.get().pk])
    organizer_client.post(commit_url)
    before = counts()
    response = organizer_client.post(commit_url)
    assert response.status_code == 302
    assert counts() == before


def test_cancelling_in_the_admin_writes_no_member(organizer_client, good_rows, counts):
    upload_via_admin(organizer_client, xlsx(good_rows))
    member_import = MemberImport.objects.get()
    before = counts()
    response = organizer_client.post(reverse("school_member_import_cancel", args=[member_import.pk]))
    assert response.status_code == 302
    member_import.refresh_from_db()
    assert member_import.status == MemberImport.Status.CANCELLED
    assert counts() == before


def test_another_organizer_cannot_see_or_commit_the_import_in_the_admin(
    organizer_a1, organizer_b1, good_rows
):
    member_import = preview(organizer_a1, good_rows)
    client = Client()
    client.force_login(organizer_b1)
    assert client.get(reverse("school_member_import_detail", args=[member_import.pk])).status_code == 404
    assert client.post(reverse("school_member_import_commit", args=[member_import.pk])).status_code == 404
    assert not Member.objects.filter(phone="13800000001").exists()


def test_commit_without_a_csrf_token_is_refused(organizer_a1, good_rows):
    member_import = preview(organizer_a1, good_rows)
    client = Client(enforce_csrf_checks=True)
    client.force_login(organizer_a1)
    response = client.post(reverse("school_member_import_commit", args=[member_import.pk]))
    assert response.status_code == 403
    assert not Member.objects.filter(phone="13800000001").exists()


def test_downloaded_template_imports_once_its_example_row_is_replaced(organizer_client, organizer_a1):
    response = organizer_client.get(reverse("school_member_import_template"))
    assert response.status_code == 200
    assert response["Content-Type"].startswith("application/vnd.openxmlformats")
    workbook = load_workbook(io.BytesIO(response.content))
    data_sheet, instructions = workbook.worksheets
    headers = [cell.value for cell in data_sheet[1]]
    assert headers[:4] == ["姓名", "手机号", "所属支部", "政治面貌"]
    assert data_sheet["C2"].value == "第一党支部"
    assert instructions.max_row > 8
    template_import = member_import_preview(acting_user=organizer_a1, file=upload(response.content))
    assert error_codes(template_import) == {(2, "example_row")}
    data_sheet["A2"], data_sheet["B2"] = "周到", "13800000001"
    buffer = io.BytesIO()
    workbook.save(buffer)
    assert member_import_preview(acting_user=organizer_a1, file=upload(buffer.getvalue())).errors == []
