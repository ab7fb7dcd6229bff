"""Document downloads follow the pages that show them; every download is audited; restricted PDFs
carry the reader's name and member number; originals' text is extracted for reading online."""

from __future__ import annotations

import io

import pytest
from django.core.files.base import ContentFile
from django.test import Client
from pypdf import PdfReader
from wagtail.documents import get_document_model

from courses.documents import member_number, watermarked_pdf
from courses.models import AccessLevel, LessonAttachment, PolicyDocumentPage
from courses.services.documents import policy_document_extract_text
from courses.tests import factories
from school.models import AuditLog
from school.tests.helpers import client_for

pytestmark = pytest.mark.django_db


def pdf_bytes(text: str = "中国共产党章程 总纲") -> bytes:
    from weasyprint import HTML

    return HTML(
        string=f"<html><body style='font-family: Noto Sans CJK SC'><p>{text}</p></body></html>"
    ).write_pdf()


def docx_bytes(*paragraphs: str) -> bytes:
    import docx

    document = docx.Document()
    for paragraph in paragraphs:
        document.add_paragraph(paragraph)
    output = io.BytesIO()
    document.save(output)
    return output.getvalue()


def stored_document(name: str, data: bytes, title: str = "原件"):
    Document = get_document_model()
    document = Document(title=title)
    document.file.save(name, ContentFile(data), save=False)
    document.save()
    return document


@pytest.fixture(autouse=True)
def media_root(settings, tmp_path):
    settings.MEDIA_ROOT = str(tmp_path / "media")


@pytest.fixture
def original():
    return stored_document("zhangcheng.pdf", pdf_bytes())


def policy_with(document, access=AccessLevel.MEMBERS, org_units=None) -> PolicyDocumentPage:
    page = factories.policy_document("中国共产党章程", access=access, original=document)
    if org_units:
        page.access_org_units.set(org_units)
        page.save_revision().publish()
    return page


def text_of(pdf: bytes) -> str:
    return "\n".join(page.extract_text() for page in PdfReader(io.BytesIO(pdf)).pages)


def download(client: Client, document):
    response = client.get(document.url)
    body = b"".join(response.streaming_content) if response.streaming else response.content
    return response, body


def test_a_members_only_pdf_is_stamped_with_the_members_name_and_number(learner, member_a1, original):
    policy_with(original)
    response, body = download(client_for(learner), original)
    assert response.status_code == 200 and response["Content-Type"] == "application/pdf"
    text = text_of(body)
    assert member_number(member_a1) in text and "甲学员" in text
    assert "中国共产党章程" in text  # the document itself is still there
    assert "no-store" in response["Cache-Control"]


def test_a_public_pdf_is_served_as_it_is_and_audited(original):
    policy_with(original, access=AccessLevel.PUBLIC)
    response, body = download(Client(), original)
    assert response.status_code == 200
    with original.file.open("rb") as handle:
        assert body == handle.read()
    entry = AuditLog.objects.get(action="document.downloaded")
    assert (entry.actor, entry.target_id, entry.data["watermarked"]) == (None, str(original.pk), False)


def test_every_download_is_audited_with_who_and_which_page(learner, original):
    page = policy_with(original)
    download(client_for(learner), original)
    download(client_for(learner), original)
    entries = AuditLog.objects.filter(action="document.downloaded", actor=learner)
    assert entries.count() == 2
    assert entries.first().data["pages"] == [page.pk] and entries.first().data["watermarked"] is True


def test_visitors_are_sent_to_log_in_for_a_members_document(original):
    policy_with(original)
    response, _body = download(Client(), original)
    assert response.status_code == 302 and "/accounts/login/" in response["Location"]
    assert not AuditLog.objects.filter(action="document.downloaded").exists()


def test_a_document_of_another_branch_is_refused_even_by_its_url(member_a2, org_tree, original):
    policy_with(original, access=AccessLevel.ORG_UNITS, org_units=[org_tree.branch_a1])
    response, _body = download(client_for(member_a2.user), original)
    assert response.status_code == 403


def test_a_document_no_page_shows_is_for_those_who_manage_documents(learner, editor):
    document = stored_document("draft.pdf", pdf_bytes("草稿"))
    assert download(client_for(learner), document)[0].status_code == 403
    response, body = download(client_for(editor), document)
    assert response.status_code == 200
    assert "张编辑" in text_of(body)  # not shown on any public page: stamped for the editor too


def test_a_lesson_attachment_is_as_closed_as_the_lesson_s_course(member_a2, learner, org_tree):
    course = factories.course("一支部课程", access=AccessLevel.ORG_UNITS, org_units=[org_tree.branch_a1])
    lesson = factories.lesson(course)
    document = stored_document("handout.pdf", pdf_bytes("讲义"))
    LessonAttachment.objects.create(page=lesson, document=document)
    lesson.save_revision().publish()
    assert download(client_for(member_a2.user), document)[0].status_code == 403
    assert download(client_for(learner), document)[0].status_code == 200


def test_an_unpublished_page_no_longer_opens_its_document(learner, original):
    page = policy_with(original)
    page.unpublish()
    assert download(client_for(learner), original)[0].status_code == 403


def test_a_docx_is_served_without_a_stamp(learner):
    document = stored_document("notice.docx", docx_bytes("关于开展主题教育的通知"))
    policy_with(document)
    response, body = download(client_for(learner), document)
    assert response.status_code == 200 and body.startswith(b"PK")


def test_every_page_of_a_long_pdf_is_stamped():
    source = pdf_bytes("<br>".join(["第一章"] * 80) + "<div style='page-break-before: always'>第二页</div>")
    stamped = watermarked_pdf(source, "王五 · 学员编号 000042")
    pages = PdfReader(io.BytesIO(stamped)).pages
    assert len(pages) >= 2
    assert all("000042" in page.extract_text() for page in pages)


def test_the_text_of_a_pdf_original_is_extracted(original):
    page = policy_with(original)
    assert "总纲" in policy_document_extract_text(page_id=page.pk)
    page.refresh_from_db()
    assert "中国共产党章程" in page.extracted_text


def test_the_text_of_a_docx_original_is_extracted():
    page = policy_with(
        stored_document("notice.docx", docx_bytes("第一条 为了加强党的建设", "第二条 本条例适用于"))
    )
    policy_document_extract_text(page_id=page.pk)
    page.refresh_from_db()
    assert page.extracted_text == "第一条 为了加强党的建设\n\n第二条 本条例适用于"


def test_a_broken_pdf_leaves_the_text_empty():
    page = policy_with(stored_document("broken.pdf", b"%PDF-1.7\nnot really a pdf"))
    assert policy_document_extract_text(page_id=page.pk) == ""


def test_publishing_a_policy_document_queues_the_extraction(
    monkeypatch, original, django_capture_on_commit_callbacks
):
    from courses import tasks

    queued = []
    monkeypatch.setattr(
        tasks.policy_document_extract_text_task, "delay", lambda **kwargs: queued.append(kwargs)
    )
    with django_capture_on_commit_callbacks(execute=True):
        page = policy_with(original)
    assert {"page_id": page.pk} in queued


def test_an_instructor_reads_only_what_pages_allow_and_their_own_uploads(org_tree, original):
    from school.roles import Role
    from school.tests.factories import MemberFactory

    instructor = MemberFactory(user__roles=[Role.INSTRUCTOR], org_unit=org_tree.branch_b1).user
    policy_with(original, access=AccessLevel.ORG_UNITS, org_units=[org_tree.branch_a1])
    assert download(client_for(instructor), original)[0].status_code == 403
    own = stored_document("mine.pdf", pdf_bytes("讲稿"))
    own.uploaded_by_user = instructor
    own.save()
    assert download(client_for(instructor), own)[0].status_code == 200
