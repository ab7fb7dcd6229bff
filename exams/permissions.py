"""Who may build, run, grade and see exams and certificates.

The question bank is the school's: every instructor and administrator with the bank
permissions works in it. Exams are scoped: a system administrator manages all of
them; anyone else with the exam permissions manages the exams they created and those
organised by a unit in the subtrees they manage. Results and certificates are seen by
their member, and by whoever manages the member's unit.
"""

from __future__ import annotations

from typing import Any

from django.db.models import Q, QuerySet

from exams.models import Certificate, Exam
from school.permissions import is_branch_organizer, is_system_admin, managed_roots, subtree_q


def can_use_bank(user: Any) -> bool:
    return user.is_authenticated and user.is_active and user.has_perm("exams.change_question")


def can_build_exams(user: Any) -> bool:
    return user.is_authenticated and user.is_active and user.has_perm("exams.change_exam")


def exams_managed_by(user: Any) -> QuerySet[Exam]:
    if is_system_admin(user):
        return Exam.objects.all()
    if not can_build_exams(user):
        return Exam.objects.none()
    return Exam.objects.filter(Q(created_by=user) | subtree_q(managed_roots(user), "org_unit__path"))


def can_manage_exam(user: Any, exam: Exam) -> bool:
    return exams_managed_by(user).filter(pk=exam.pk).exists()


def can_grade(user: Any, exam: Exam) -> bool:
    return user.has_perm("exams.grade_exam") and can_manage_exam(user, exam)


def member_scope(user: Any, field: str = "member__org_unit__path") -> Q:
    """Which members' rows ``user`` may see in an exam they manage: an organizer only their own subtrees
    (even in an exam they manage), a system administrator or an instructor without units everyone."""
    if is_system_admin(user):
        return Q()
    roots = managed_roots(user)
    return subtree_q(roots, field) if roots else Q()


def can_list_certificates(user: Any) -> bool:
    return is_system_admin(user) or is_branch_organizer(user)


def certificates_visible_to(user: Any) -> QuerySet[Certificate]:
    if is_system_admin(user):
        return Certificate.objects.all()
    return Certificate.objects.filter(subtree_q(managed_roots(user), "member__org_unit__path"))


def can_download_certificate(user: Any, certificate: Certificate) -> bool:
    if not user.is_authenticated:
        return False
    if certificate.member.user_id == user.pk:
        return not certificate.is_revoked  # a revoked certificate is not handed out again
    return certificates_visible_to(user).filter(pk=certificate.pk).exists()


def can_revoke_certificate(user: Any, certificate: Certificate) -> bool:
    """Revoking is for system administrators and the organizers of the issuing unit's subtree."""
    if is_system_admin(user):
        return True
    return certificate.issuer is not None and any(
        certificate.issuer.path.startswith(root.path) for root in managed_roots(user)
    )
