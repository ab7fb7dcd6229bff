from __future__ import annotations

from django import template

register = template.Library()


@register.filter
def percent(value: float | None) -> str:
    """A share (0.853) as a whole percentage (85%); — when there is nothing to divide."""
    return "—" if value is None else f"{value * 100:.0f}%"
