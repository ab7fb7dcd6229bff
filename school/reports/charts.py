"""Charts drawn on the server as SVG: no script to load, printable, readable without JavaScript.

A column chart scales to its box (``viewBox``), drawn 480 units wide so that on a phone its text
shrinks by a third at most; axis labels are short and at most eight are shown. Each column
carries a ``<title>`` (the browser's tooltip) and the chart an ``aria-label``; the numbers are
also in the tables next to it.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass

from django.utils.html import escape
from django.utils.safestring import SafeString, mark_safe

WIDTH, HEIGHT = 480, 220
LEFT, RIGHT, TOP, BOTTOM = 40, 8, 12, 30
MAX_LABELS = 8


@dataclass(frozen=True)
class Column:
    label: str
    value: float
    tooltip: str = ""


def nice_ticks(top: float, count: int = 4) -> list[float]:
    """Round steps (1, 2 or 5 × 10ⁿ) from 0 up to at least ``top``."""
    if top <= 0:
        return [0, 1]
    raw = top / count
    magnitude = 10 ** math.floor(math.log10(raw))
    step = next(m * magnitude for m in (1, 2, 5, 10) if m * magnitude >= raw)
    return [step * i for i in range(math.ceil(top / step - 1e-9) + 1)]


def _number(value: float) -> str:
    return f"{value:g}" if value < 10_000 else f"{value:,.0f}"


def column_chart(columns: Sequence[Column], *, label: str, color: str = "#c8161d") -> SafeString:
    ticks = nice_ticks(max((c.value for c in columns), default=0))
    top = ticks[-1] or 1
    inner_w, inner_h = WIDTH - LEFT - RIGHT, HEIGHT - TOP - BOTTOM
    parts = [
        f'<svg class="report-chart__svg" viewBox="0 0 {WIDTH} {HEIGHT}" role="img"'
        f' aria-label="{escape(label)}" xmlns="http://www.w3.org/2000/svg">'
    ]
    for tick in ticks:
        y = TOP + inner_h - tick / top * inner_h
        parts.append(
            f'<line x1="{LEFT}" x2="{WIDTH - RIGHT}" y1="{y:.1f}" y2="{y:.1f}" class="report-chart__grid"/>'
            f'<text x="{LEFT - 6}" y="{y + 4:.1f}" text-anchor="end" class="report-chart__tick">'
            f"{_number(tick)}</text>"
        )
    if columns:
        slot = inner_w / len(columns)
        bar = max(1.0, slot * 0.7)
        every = max(1, math.ceil(len(columns) / MAX_LABELS))
        for i, column in enumerate(columns):
            x = LEFT + i * slot + (slot - bar) / 2
            h = column.value / top * inner_h
            tooltip = escape(column.tooltip or f"{column.label}: {_number(column.value)}")
            parts.append(
                f'<rect x="{x:.1f}" y="{TOP + inner_h - h:.1f}" width="{bar:.1f}" height="{h:.1f}"'
                f' fill="{escape(color)}"><title>{tooltip}</title></rect>'
            )
            if i % every == 0:
                cx = LEFT + i * slot + slot / 2
                parts.append(
                    f'<text x="{cx:.1f}" y="{HEIGHT - BOTTOM + 16}" text-anchor="middle"'
                    f' class="report-chart__label">{escape(column.label)}</text>'
                )
    base = TOP + inner_h
    parts.append(
        f'<line x1="{LEFT}" x2="{WIDTH - RIGHT}" y1="{base}" y2="{base}" class="report-chart__axis"/>'
    )
    parts.append("</svg>")
    return mark_safe("".join(parts))  # noqa: S308 - every text above is escaped


@dataclass(frozen=True)
class Bar:
    label: str
    value: float | None
    text: str  # what the bar says, e.g. "85%" or "12.5"

    def width(self, top: float) -> float:
        return 0.0 if not self.value or not top else round(self.value / top * 100, 1)
