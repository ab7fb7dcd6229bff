"""Issuing, rendering, revoking and checking certificates.

A certificate freezes what it states (name, subject, hours, issuer, date) at issue time and
signs it, so later edits to a course or a member do not change a certificate already handed
out, and edits to the certificate row show up as a failed check. Numbers read ``DX2026-000123``:
the prefix, the year of issue and the row's primary key padded to six digits; the key makes
them unique without a counter to lock, so the sequence does not restart each year.

Issuing runs inside the caller's transaction (passing a graduation exam issues one while the
attempt is being graded); the PDF is drawn afterwards by a task, or on the first download.
"""

from __future__ import annotations

import hashlib
from decimal import Decimal
from typing import Any

from django.core.files.base import ContentFile
from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from courses.models import CoursePage
from exams.certificates import signing
from exams.certificates.pdf import render_certificate_pdf
from exams.exceptions import CertificateError
from exams.models import Certificate, Exam
from school.models import Member, OrgUnit
from school.queueing import enqueue_on_commit
from school.services.audit import audit_record

NUMBER_PREFIX = "DX"
VALID, REVOKED, TAMPERED = "valid", "revoked", "tampered"
REASON_MAX_LENGTH = Certificate._meta.get_field("revoked_reason").max_length


def certificate_number(certificate: Certificate) -> str:
    return f"{NUMBER_PREFIX}{certificate.issued_on.year}-{certificate.pk:06d}"


def _existing(*, member: Member, exam: Exam | None, course: CoursePage | None) -> Certificate | None:
    if exam is not None:
        return Certificate.objects.filter(member=member, exam=exam).first()
    return Certificate.objects.filter(member=member, course=course, exam__isnull=True).first()


def _credit_hours(exam: Exam | None, course: CoursePage | None) -> Decimal:
    if exam is not None and exam.certificate_hours is not None:
        return exam.certificate_hours
    if course is not None:
        return course.effective_credit_hours()
    return Decimal("0")


def _issuer(member: Member, exam: Exam | None) -> OrgUnit:
    """The exam's organising unit; for a course certificate, the root of the member's org tree."""
    if exam is not None:
        return exam.org_unit
    return member.org_unit.get_root()


def _new_certificate(*, member: Member, exam: Exam | None, course: CoursePage | None) -> Certificate:
    issuer = _issuer(member, exam)
    certificate = Certificate(
        member=member,
        exam=exam,
        course=course,
        holder_name=member.real_name,
        subject=exam.subject if exam is not None else course.title,
        credit_hours=_credit_hours(exam, course),
        issued_on=timezone.localdate(),
        issuer=issuer,
        issuer_name=issuer.name,
    )
    certificate.number = f"pending-{certificate.verification_id}"  # unique until the pk is known
    certificate.save()
    certificate.number = certificate_number(certificate)
    certificate.signature = signing.sign(certificate)
    certificate.save(update_fields=["number", "key_id", "signature"])
    return certificate


def certificate_issue(
    *,
    member: Member,
    exam: Exam | None = None,
    course: CoursePage | None = None,
    acting_user: Any = None,
) -> Certificate:
    """The member's certificate for the exam (or, without an exam, the course); issued once."""
    if exam is None and course is None:
        raise CertificateError(_("A certificate is for an exam or a course."))
    if exam is not None and course is None and exam.course_id:
        course = exam.course
    existing = _existing(member=member, exam=exam, course=course)
    if existing is not None:
        return existing
    try:
        with transaction.atomic():
            certificate = _new_certificate(member=member, exam=exam, course=course)
    except IntegrityError:
        existing = _existing(member=member, exam=exam, course=course)
        if existing is None:
            raise
        return existing  # issued at the same moment by another request
    audit_record(actor=acting_user, action="certificate.issued", target=certificate, member_id=member.pk)
    from exams.tasks import certificate_render_task

    enqueue_on_commit(certificate_render_task, certificate_id=certificate.pk)  # or rendered at download
    return certificate


def pdf_filename(certificate: Certificate) -> str:
    return f"{certificate.number}.pdf"


def certificate_render(*, certificate: Certificate) -> None:
    """Draw and store the PDF once; a certificate that has one keeps it (its checksum is published)."""
    if certificate.pdf_sha256:
        return
    data = render_certificate_pdf(certificate)  # seconds of work: not while holding the row
    with transaction.atomic():
        locked = Certificate.objects.select_for_update().get(pk=certificate.pk)
        if not locked.pdf_sha256:
            locked.pdf.save(pdf_filename(locked), ContentFile(data), save=False)
            locked.pdf_sha256 = hashlib.sha256(data).hexdigest()
            locked.save(update_fields=["pdf", "pdf_sha256"])
    certificate.pdf, certificate.pdf_sha256 = locked.pdf, locked.pdf_sha256


@transaction.atomic(durable=True)
def certificate_revoke(*, certificate: Certificate, reason: str, acting_user: Any) -> Certificate:
    """Withdraw a certificate; the public page then says so, with the reason and the date."""
    reason = (reason or "").strip()
    if not reason:
        raise CertificateError(_("Give the reason for revoking the certificate."))
    if len(reason) > REASON_MAX_LENGTH:
        raise CertificateError(
            _("The reason may be at most %(count)d characters long.") % {"count": REASON_MAX_LENGTH}
        )
    locked = Certificate.objects.select_for_update().get(pk=certificate.pk)
    if locked.is_revoked:
        raise CertificateError(
            _("Certificate %(number)s was already revoked on %(date)s.")
            % {"number": locked.number, "date": timezone.localdate(locked.revoked_at).isoformat()},
            code="already_revoked",
        )
    locked.revoked_at = timezone.now()
    locked.revoked_reason = reason
    locked.revoked_by = acting_user
    locked.save(update_fields=["revoked_at", "revoked_reason", "revoked_by"])
    audit_record(actor=acting_user, action="certificate.revoked", target=locked, reason=locked.revoked_reason)
    return locked


def certificate_check(*, certificate: Certificate) -> str:
    """``tampered`` if the stored facts no longer match the signature, else ``revoked`` or ``valid``."""
    if not signing.verify_signature(certificate):
        return TAMPERED
    return REVOKED if certificate.is_revoked else VALID


def pdf_matches(*, certificate: Certificate, data: bytes) -> bool:
    """Whether ``data`` is, byte for byte, the PDF we issued."""
    if not certificate.pdf_sha256:
        return False
    return hashlib.sha256(data).hexdigest() == certificate.pdf_sha256
