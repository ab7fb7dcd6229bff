from __future__ import annotations

from typing import Any

from django.db import models

from school.models import AuditLog


def audit_record(*, actor, action: str, target: models.Model | None = None, **data: Any) -> AuditLog:
    """Write one audit row; called inside the caller's transaction so it commits or rolls back with it."""
    return AuditLog.objects.create(
        actor=actor if getattr(actor, "is_authenticated", False) else None,
        action=action,
        target_type=target._meta.label_lower if target is not None else "",
        target_id=str(target.pk) if target is not None else "",
        target_repr=str(target)[:200] if target is not None else "",
        data=data,
    )
