"""Certificates: issuing once, signatures that catch edits, the public verification page, the PDF,
downloads and the admin listing with revoking."""

from __future__ import annotations

import base64
import datetime
import io
import re
import subprocess
from decimal import Decimal

import pytest
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import connection
from django.http import HttpResponse
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone
from pypdf import PdfReader, PdfWriter

from courses.tests import factories as course_factories
from exams.certificates import signing
from exams.certificates.names import mask_name
from exams.exceptions import CertificateError
from exams.models import Certificate, Exam, SigningKey
from exams.models.certificates import new_verification_id
from exams.services import certificates as service
from exams.services.certificates import (
    certificate_check,
    certificate_issue,
    certificate_render,
    certificate_revoke,
    pdf_matches,
)
from exams.tests import factories
from school.models import AuditLog, Member, User
from school.roles import Role
from school.tests.factories import MemberFactory
from school.tests.helpers import client_for, in_site_language

pytestmark = pytest.mark.django_db


def new_key() -> str:
    raw = Ed25519PrivateKey.generate().private_bytes_raw()
    return base64.b64encode(raw).decode()


@pytest.fixture
def holder(member_a1) -> Member:
    member_a1.real_name = "张小明"
    member_a1.save(update_fields=["real_name"])
    return member_a1


@pytest.fixture
def graduation_exam(org_tree) -> Exam:
    """Organised (and so certified) by 第一党支部, whose organizer is organizer_a1."""
    return factories.exam(
        org_tree.branch_a1,
        title="党章党规结业考试",
        class_name="2026年入党积极分子培训班",
        is_graduation=True,
        certificate_hours=Decimal("32"),
    )


@pytest.fixture
def certificate(holder, graduation_exam) -> Certificate:
    return certificate_issue(member=holder, exam=graduation_exam)


@pytest.fixture
def rendered(certificate) -> Certificate:
    certificate_render(certificate=certificate)
    return certificate


@pytest.fixture
def organizer_b1(org_tree) -> User:
    user = MemberFactory(user__roles=[Role.BRANCH_ORGANIZER], org_unit=org_tree.branch_b1).user
    org_tree.branch_b1.managers.add(user)
    return user


def verify_url(certificate: Certificate) -> str:
    return reverse("certificate_verify", args=[certificate.verification_id])


def download_url(certificate: Certificate) -> str:
    return reverse("exams:certificate_pdf", args=[certificate.verification_id])


def pdf_bytes(certificate: Certificate) -> bytes:
    with certificate.pdf.open("rb") as handle:
        return handle.read()


# --- issuing -----------------------------------------------------------------------------------


def test_issuing_twice_returns_the_same_certificate(holder, graduation_exam):
    first = certificate_issue(member=holder, exam=graduation_exam)
    second = certificate_issue(member=holder, exam=graduation_exam)
    assert first.pk == second.pk
    assert Certificate.objects.count() == 1


def test_a_certificate_issued_concurrently_is_returned_not_duplicated(certificate, monkeypatch):
    real = service._existing
    calls = []

    def miss_once(**kwargs) -> Certificate | None:
        calls.append(kwargs)
        return None if len(calls) == 1 else real(**kwargs)  # the other request had not committed yet

    monkeypatch.setattr(service, "_existing", miss_once)
    again = certificate_issue(member=certificate.member, exam=certificate.exam)
    assert again.pk == certificate.pk
    assert Certificate.objects.count() == 1


def test_the_number_is_the_prefix_the_year_and_the_padded_sequence(certificate):
    year = timezone.localdate().year
    assert re.fullmatch(rf"DX{year}-\d{{6}}", certificate.number)
    assert certificate.number.endswith(f"{certificate.pk:06d}")


def test_a_certificate_states_the_holder_class_hours_and_the_exams_organiser(certificate, org_tree):
    assert certificate.holder_name == "张小明"
    assert certificate.subject == "2026年入党积极分子培训班"
    assert certificate.credit_hours == Decimal("32")
    assert certificate.issuer == org_tree.branch_a1
    assert certificate.issuer_name == "第一党支部"
    assert certificate.issued_on == timezone.localdate()


def test_an_exam_without_its_own_hours_certifies_the_courses_hours(holder, org_tree):
    course = course_factories.course("学习党章", credit_hours=Decimal("8.5"))
    exam = factories.exam(org_tree.branch_a1, course=course, is_graduation=True)
    certificate = certificate_issue(member=holder, exam=exam)
    assert certificate.credit_hours == Decimal("8.5")
    assert certificate.subject == "学习党章"
    assert certificate.course_id == course.pk


def test_a_course_certificate_is_issued_by_the_root_of_the_members_tree(holder, org_tree):
    course = course_factories.course("学习党章", credit_hours=Decimal("8"))
    certificate = certificate_issue(member=holder, course=course)
    assert certificate.issuer == org_tree.committee
    assert certificate.credit_hours == Decimal("8")
    assert certificate_issue(member=holder, course=course).pk == certificate.pk


def test_issuing_is_audited(certificate):
    assert AuditLog.objects.filter(action="certificate.issued", target_id=str(certificate.pk)).exists()


def test_issuing_renders_the_pdf_after_commit(
    holder, graduation_exam, monkeypatch, django_capture_on_commit_callbacks
):
    queued = []
    monkeypatch.setattr("exams.tasks.certificate_render_task.delay", lambda **kwargs: queued.append(kwargs))
    with django_capture_on_commit_callbacks(execute=True):
        certificate = certificate_issue(member=holder, exam=graduation_exam)
    assert queued == [{"certificate_id": certificate.pk}]


def test_verification_ids_are_long_url_safe_random_and_distinct():
    ids = {new_verification_id() for _ in range(200)}
    assert len(ids) == 200
    assert all(re.fullmatch(r"[A-Za-z0-9_-]{24,}", vid) for vid in ids)


def test_two_certificates_get_different_verification_ids(certificate, member_a2, graduation_exam):
    other = certificate_issue(member=member_a2, exam=graduation_exam)
    assert other.verification_id != certificate.verification_id
    assert len(other.verification_id) >= 24


# --- signatures --------------------------------------------------------------------------------


def test_a_new_certificate_verifies(certificate):
    assert signing.verify_signature(certificate)
    assert certificate_check(certificate=certificate) == "valid"


@pytest.mark.parametrize(
    "change",
    [
        {"number": "DX2026-999999"},
        {"holder_name": "张大明"},
        {"credit_hours": Decimal("64")},
        {"issued_on": datetime.date(2025, 12, 31)},
    ],
    ids=["number", "holder_name", "credit_hours", "issued_on"],
)
def test_a_fact_changed_in_the_database_is_caught(certificate, change):
    Certificate.objects.filter(pk=certificate.pk).update(**change)
    certificate.refresh_from_db()
    assert certificate_check(certificate=certificate) == "tampered"


def test_a_signature_made_with_another_key_fails(certificate):
    stranger = Ed25519PrivateKey.generate()
    forged = stranger.sign(signing.canonical_payload(certificate))
    certificate.signature = base64.urlsafe_b64encode(forged).decode().rstrip("=")
    assert certificate_check(certificate=certificate) == "tampered"


def test_an_unknown_key_id_fails(certificate):
    Certificate.objects.filter(pk=certificate.pk).update(key_id="0000000000000000")
    certificate.refresh_from_db()
    assert not signing.verify_signature(certificate)


def test_certificates_signed_before_a_key_rotation_verify_once_the_old_key_is_trusted(
    certificate, member_a2, graduation_exam, settings
):
    old_public = SigningKey.objects.get(key_id=certificate.key_id).public_key
    settings.CERTIFICATE_SIGNING_KEY = new_key()
    later = certificate_issue(member=member_a2, exam=graduation_exam)
    assert later.key_id != certificate.key_id
    assert SigningKey.objects.count() == 2
    assert certificate_check(certificate=certificate) == "tampered"  # the old key is not trusted yet
    settings.CERTIFICATE_TRUSTED_PUBLIC_KEYS = [old_public]
    assert certificate_check(certificate=certificate) == "valid"
    assert certificate_check(certificate=later) == "valid"


def test_a_key_added_to_the_database_is_not_trusted(certificate):
    """Someone who can edit rows cannot add a key of their own and re-sign a certificate with it."""
    intruder = Ed25519PrivateKey.generate()
    public_raw = signing.raw_public_key(intruder)
    key_id = signing.key_id_for(public_raw)
    SigningKey.objects.create(key_id=key_id, public_key=base64.b64encode(public_raw).decode())
    Certificate.objects.filter(pk=certificate.pk).update(holder_name="李四", key_id=key_id)
    certificate.refresh_from_db()
    forged = intruder.sign(signing.canonical_payload(certificate))
    certificate.signature = base64.urlsafe_b64encode(forged).decode().rstrip("=")
    assert certificate_check(certificate=certificate) == "tampered"


def test_the_key_id_is_the_start_of_the_public_keys_sha256(certificate):
    stored = SigningKey.objects.get(key_id=certificate.key_id)
    public_raw = base64.b64decode(stored.public_key)
    assert certificate.key_id == signing.key_id_for(public_raw)
    assert len(certificate.key_id) == 16


# --- masked names ------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("name", "masked"),
    [
        ("张三", "张*"),
        ("张小明", "张*明"),
        ("欧阳小明", "欧**明"),
        ("张", "*"),
        ("张 小明", "张*明"),
        ("买买提·艾力", "买**·艾*"),
        ("John Smith", "J*** S****"),
        ("Madonna", "M******"),
        ("", ""),
    ],
)
def test_names_are_masked_for_the_public_page(name, masked):
    assert mask_name(name) == masked


# --- revoking ----------------------------------------------------------------------------------


def test_revoking_without_a_reason_is_refused(certificate, organizer_a1):
    with pytest.raises(CertificateError):
        certificate_revoke(certificate=certificate, reason="  ", acting_user=organizer_a1)
    certificate.refresh_from_db()
    assert not certificate.is_revoked


def test_revoking_twice_is_refused(certificate, organizer_a1):
    certificate_revoke(certificate=certificate, reason="重复发放", acting_user=organizer_a1)
    with pytest.raises(CertificateError) as refused:
        certificate_revoke(certificate=certificate, reason="再次撤销", acting_user=organizer_a1)
    assert refused.value.code == "already_revoked"
    certificate.refresh_from_db()
    assert certificate.revoked_reason == "重复发放"


def test_a_revoked_certificate_checks_as_revoked_and_is_audited(certificate, organizer_a1):
    revoked = certificate_revoke(certificate=certificate, reason="重复发放", acting_user=organizer_a1)
    assert certificate_check(certificate=revoked) == "revoked"
    assert revoked.revoked_by == organizer_a1
    assert AuditLog.objects.filter(action="certificate.revoked", target_id=str(certificate.pk)).exists()


# --- the public verification page ----------------------------------------------------------------


def test_the_verify_page_of_a_valid_certificate_says_valid_and_is_not_indexed(client, certificate):
    response = client.get(verify_url(certificate))
    assert response.status_code == 200
    assert response.context["status"] == "valid"
    assert in_site_language("Valid") in response.content.decode()
    assert "noindex" in response["X-Robots-Tag"]


def test_the_verify_page_shows_the_masked_name_and_not_the_full_name_or_member_data(client, certificate):
    html = client.get(verify_url(certificate)).content.decode()
    assert "张*明" in html
    assert "张小明" not in html
    assert certificate.member.phone not in html
    assert "第一党小组" not in html  # the member's own unit
    assert certificate.number in html and "2026年入党积极分子培训班" in html


def test_the_verify_page_of_a_revoked_certificate_shows_revoked_and_the_reason(
    client, certificate, organizer_a1
):
    certificate_revoke(certificate=certificate, reason="考试成绩录入错误", acting_user=organizer_a1)
    response = client.get(verify_url(certificate))
    html = response.content.decode()
    assert response.context["status"] == "revoked"
    assert in_site_language("Revoked") in html
    assert "考试成绩录入错误" in html


def test_the_verify_page_of_an_edited_certificate_says_verification_failed(client, certificate):
    Certificate.objects.filter(pk=certificate.pk).update(holder_name="张大明")
    response = client.get(verify_url(certificate))
    assert response.context["status"] == "tampered"
    failed = in_site_language("Verification failed: the certificate details do not match its signature")
    assert failed in response.content.decode()


def test_an_unknown_or_nearly_right_verification_id_is_404(client, certificate):
    near = certificate.verification_id[:-1] + ("A" if certificate.verification_id[-1] != "A" else "B")
    assert client.get(reverse("certificate_verify", args=["x" * 24])).status_code == 404
    assert client.get(reverse("certificate_verify", args=[near])).status_code == 404
    assert (
        client.get(reverse("certificate_verify", args=[certificate.verification_id[:12]])).status_code == 404
    )


def test_the_verify_page_is_rate_limited_per_address(client, certificate, settings):
    settings.CERTIFICATE_VERIFY_RATE_LIMIT = 3
    for _ in range(2):
        assert client.get(verify_url(certificate)).status_code == 200
    assert client.get(reverse("certificate_verify", args=["y" * 24])).status_code == 404  # counts too
    response = client.get(verify_url(certificate))
    assert response.status_code == 429
    assert int(response["Retry-After"]) <= 600


def test_pdf_checks_count_against_the_same_limit(client, certificate, settings):
    settings.CERTIFICATE_VERIFY_RATE_LIMIT = 1
    assert client.get(verify_url(certificate)).status_code == 200
    upload = SimpleUploadedFile("c.pdf", b"%PDF-1.7 x", content_type="application/pdf")
    assert client.post(verify_url(certificate), {"file": upload}).status_code == 429


def test_the_limit_is_per_client_address(client, certificate, settings):
    settings.CERTIFICATE_VERIFY_RATE_LIMIT = 1
    client.get(verify_url(certificate))
    assert client.get(verify_url(certificate)).status_code == 429
    other = client_for(None)
    other.defaults["REMOTE_ADDR"] = "10.9.8.7"
    assert other.get(verify_url(certificate)).status_code == 200


# --- the PDF -----------------------------------------------------------------------------------


def run(command: list[str], data: bytes) -> str:
    return subprocess.run(command, input=data, capture_output=True, check=True, timeout=60).stdout.decode()


def test_the_pdf_shows_the_holders_name_and_the_number(rendered):
    text = run(["/usr/bin/pdftotext", "-", "-"], pdf_bytes(rendered))
    assert "张小明" in text
    assert rendered.number in text
    assert rendered.verification_id in text  # the printed verification address


def test_every_font_in_the_pdf_is_embedded(rendered, tmp_path):
    path = tmp_path / "certificate.pdf"
    path.write_bytes(pdf_bytes(rendered))
    rows = subprocess.run(["/usr/bin/pdffonts", str(path)], capture_output=True, check=True, text=True).stdout
    fonts = rows.splitlines()[2:]
    assert fonts and any("CJK" in row for row in fonts)
    for row in fonts:
        emb = row.split()[-5]  # name type encoding emb sub uni object ID
        assert emb == "yes", row


def test_the_pdf_metadata_carries_the_number_verification_id_and_signature(rendered):
    info = PdfReader(io.BytesIO(pdf_bytes(rendered))).metadata
    assert info["/CertificateNumber"] == rendered.number
    assert info["/VerificationId"] == rendered.verification_id
    assert info["/Signature"] == rendered.signature


def test_the_pdf_is_rendered_once_and_its_checksum_kept(rendered):
    name, checksum = rendered.pdf.name, rendered.pdf_sha256
    fresh = Certificate.objects.get(pk=rendered.pk)
    certificate_render(certificate=fresh)
    fresh.refresh_from_db()
    assert (fresh.pdf.name, fresh.pdf_sha256) == (name, checksum)
    assert pdf_matches(certificate=fresh, data=pdf_bytes(fresh))


def test_the_render_task_skips_a_rendered_certificate(rendered, monkeypatch):
    from exams.tasks import certificate_render_task

    monkeypatch.setattr(service, "render_certificate_pdf", lambda certificate: pytest.fail("rendered twice"))
    certificate_render_task(certificate_id=rendered.pk)
    certificate_render_task(certificate_id=0)


# --- checking an uploaded PDF ------------------------------------------------------------------


def post_pdf(client: Client, certificate: Certificate, data: bytes) -> HttpResponse:
    upload = SimpleUploadedFile("证书.pdf", data, content_type="application/pdf")
    return client.post(verify_url(certificate), {"file": upload})


def test_the_issued_pdf_is_recognised(client, rendered):
    response = post_pdf(client, rendered, pdf_bytes(rendered))
    assert response.context["pdf_check"] is True
    assert in_site_language("This file is the certificate we issued, unchanged.") in response.content.decode()


def test_a_pdf_with_one_byte_changed_differs(client, rendered):
    data = bytearray(pdf_bytes(rendered))
    data[len(data) // 2] ^= 0x01
    response = post_pdf(client, rendered, bytes(data))
    assert response.context["pdf_check"] is False
    differs = in_site_language("This file differs from the certificate we issued. It may have been altered.")
    assert differs in response.content.decode()


def test_a_pdf_saved_again_with_pypdf_differs(client, rendered):
    writer = PdfWriter(clone_from=PdfReader(io.BytesIO(pdf_bytes(rendered))))
    writer.add_metadata({"/Author": "某某单位"})
    output = io.BytesIO()
    writer.write(output)
    assert post_pdf(client, rendered, output.getvalue()).context["pdf_check"] is False


def test_a_pdf_check_needs_the_csrf_token(rendered):
    client = Client(enforce_csrf_checks=True)
    assert post_pdf(client, rendered, pdf_bytes(rendered)).status_code == 403


def test_a_file_over_5_mb_is_refused_unread(client, certificate):
    response = post_pdf(client, certificate, b"%PDF-" + b"0" * (5 * 1024 * 1024 + 100 * 1024))
    assert response.status_code == 413
    assert response.context["pdf_check"] is None
    assert response.context["upload_error"]


# --- downloads ---------------------------------------------------------------------------------


def test_the_holder_downloads_the_pdf(certificate, holder):
    response = client_for(holder.user).get(download_url(certificate))
    assert response.status_code == 200
    assert response["Content-Type"] == "application/pdf"
    assert response["Content-Disposition"].startswith("attachment;")
    assert certificate.number in response["Content-Disposition"]
    assert b"".join(response.streaming_content).startswith(b"%PDF-")
    assert AuditLog.objects.filter(action="certificate.downloaded", actor=holder.user).exists()


def test_another_member_gets_404(certificate, member_a2):
    assert client_for(member_a2.user).get(download_url(certificate)).status_code == 404


def test_the_organizer_of_the_members_unit_downloads_it(certificate, organizer_a1):
    response = client_for(organizer_a1).get(download_url(certificate))
    assert response.status_code == 200
    assert response["Content-Type"] == "application/pdf"


def test_an_organizer_of_another_branch_gets_404(certificate, organizer_b1):
    assert client_for(organizer_b1).get(download_url(certificate)).status_code == 404


def test_an_anonymous_visitor_is_sent_to_log_in(client, certificate):
    response = client.get(download_url(certificate))
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("accounts:login"))


# --- the admin listing and revoking --------------------------------------------------------------

INDEX = "exam_certificates:index"


def test_an_organizer_lists_only_certificates_of_their_subtree(
    certificate, member_a2, graduation_exam, organizer_a1
):
    elsewhere = certificate_issue(member=member_a2, exam=graduation_exam)
    response = client_for(organizer_a1).get(reverse(INDEX))
    assert response.status_code == 200
    assert [item.pk for item in response.context["page"]] == [certificate.pk]
    assert elsewhere.number not in response.content.decode()


def test_a_system_admin_lists_every_certificate(certificate, member_a2, graduation_exam, system_admin):
    certificate_issue(member=member_a2, exam=graduation_exam)
    response = client_for(system_admin).get(reverse(INDEX))
    assert len(response.context["page"]) == 2


def test_the_listing_is_searchable_by_number_and_name(certificate, member_a2, graduation_exam, system_admin):
    other = certificate_issue(member=member_a2, exam=graduation_exam)
    client = client_for(system_admin)
    by_number = client.get(reverse(INDEX), {"q": other.number}).context["page"]
    by_name = client.get(reverse(INDEX), {"q": "小明"}).context["page"]
    assert [item.pk for item in by_number] == [other.pk]
    assert [item.pk for item in by_name] == [certificate.pk]


def test_a_learner_cannot_open_the_listing(certificate, holder):
    assert client_for(holder.user).get(reverse(INDEX)).status_code in (302, 403)


def test_the_organizer_of_the_issuing_unit_revokes_with_a_reason(certificate, organizer_a1):
    url = reverse("exam_certificates:revoke", args=[certificate.pk])
    response = client_for(organizer_a1).post(url, {"reason": "重复发放"})
    assert response.status_code == 302
    certificate.refresh_from_db()
    assert certificate.revoked_reason == "重复发放" and certificate.revoked_by == organizer_a1


def test_the_revoke_form_requires_a_reason(certificate, organizer_a1):
    url = reverse("exam_certificates:revoke", args=[certificate.pk])
    response = client_for(organizer_a1).post(url, {"reason": ""})
    assert response.status_code == 200
    assert response.context["form"].errors["reason"]
    certificate.refresh_from_db()
    assert not certificate.is_revoked


def test_an_organizer_of_another_subtree_cannot_revoke(certificate, organizer_b1):
    url = reverse("exam_certificates:revoke", args=[certificate.pk])
    assert client_for(organizer_b1).post(url, {"reason": "越权"}).status_code == 404
    certificate.refresh_from_db()
    assert not certificate.is_revoked


def test_an_organizer_who_sees_but_did_not_issue_a_certificate_cannot_revoke_it(
    holder, org_tree, organizer_a1
):
    exam = factories.exam(org_tree.committee, is_graduation=True, certificate_hours=Decimal("4"))
    certificate = certificate_issue(member=holder, exam=exam)
    url = reverse("exam_certificates:revoke", args=[certificate.pk])
    response = client_for(organizer_a1).post(url, {"reason": "越权"})
    assert response.status_code in (302, 403)  # Wagtail turns PermissionDenied into a redirect home
    assert response.status_code == 403 or response["Location"] == reverse("wagtailadmin_home")
    certificate.refresh_from_db()
    assert not certificate.is_revoked


def test_the_revoke_form_shows_what_is_being_revoked(certificate, organizer_a1):
    response = client_for(organizer_a1).get(reverse("exam_certificates:revoke", args=[certificate.pk]))
    assert response.status_code == 200
    html = response.content.decode()
    assert certificate.number in html and "张小明" in html


def test_the_listing_offers_revoking_only_where_allowed(holder, org_tree, graduation_exam, organizer_a1):
    own = certificate_issue(member=holder, exam=graduation_exam)
    committee_exam = factories.exam(org_tree.committee, is_graduation=True, certificate_hours=Decimal("4"))
    foreign = certificate_issue(member=holder, exam=committee_exam)
    page = client_for(organizer_a1).get(reverse(INDEX)).context["page"]
    assert {item.pk: item.can_revoke for item in page} == {own.pk: True, foreign.pk: False}


# --- query counts ------------------------------------------------------------------------------


def test_the_verify_page_needs_two_queries(client, certificate, django_assert_max_num_queries):
    with django_assert_max_num_queries(2):
        assert client.get(verify_url(certificate)).status_code == 200


def listing_queries(client) -> int:
    with CaptureQueriesContext(connection) as queries:
        assert client.get(reverse(INDEX)).status_code == 200
    return len(queries)


def issue_to_a_new_member(exam) -> Certificate:
    return certificate_issue(member=MemberFactory(org_unit=exam.org_unit), exam=exam)


def test_the_listing_does_not_query_per_row(graduation_exam, system_admin):
    client = client_for(system_admin)
    issue_to_a_new_member(graduation_exam)
    client.get(reverse(INDEX))  # warm the session and the admin's menus
    with_one = listing_queries(client)
    for _ in range(7):
        issue_to_a_new_member(graduation_exam)
    assert listing_queries(client) == with_one


def test_the_certificates_menu_item_is_shown_to_organizers_only(organizer_a1, org_tree):
    instructor = MemberFactory(user__roles=[Role.INSTRUCTOR], org_unit=org_tree.committee).user
    assert reverse(INDEX) in client_for(organizer_a1).get(reverse("wagtailadmin_home")).content.decode()
    response = client_for(instructor).get(reverse("wagtailadmin_home"))
    assert response.status_code == 200
    assert reverse(INDEX) not in response.content.decode()
