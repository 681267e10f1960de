"""Charts of the desk as inline SVG, drawn on the server: no script, no web font, nothing loaded from elsewhere.

Every function is pure: it takes figures and returns markup (``markupsafe.Markup``) to put into a page as it
is. Values are exact decimals; they are scaled to pixels only for drawing, and every label and tooltip shows
the exact amount. Every chart carries ``role="img"``, an ``aria-label`` that says what it shows, a ``<title>``
and a ``<desc>``; with nothing to show it says so instead of drawing empty axes.

- ``ageing_bars``: one bar per ageing bucket, green (current) to red (over 90 days), each labelled.
- ``trend_chart``: invoiced and paid per month as grouped bars, average days late as dots on a second axis.
- ``ageing_strip``: a small horizontal stacked bar of one customer's buckets, for tables.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from typing import Protocol

from markupsafe import Markup, escape

BUCKET_ORDER = ("current", "1-30", "31-60", "61-90", "90+")
BUCKET_LABELS = {
    "current": "Not yet due",
    "1-30": "1–30 days",
    "31-60": "31–60 days",
    "61-90": "61–90 days",
    "90+": "over 90 days",
}
# Green to red: the longer overdue, the warmer.
BUCKET_COLOURS = {
    "current": "#2f8f5b",
    "1-30": "#9bbf3a",
    "31-60": "#e8b828",
    "61-90": "#e07b28",
    "90+": "#c0392b",
}
INVOICED_COLOUR = "#1f5fbf"
PAID_COLOUR = "#8fb3e8"
LATE_COLOUR = "#b42318"
AXIS_COLOUR = "#5c6675"
GRID_COLOUR = "#d9dee6"
FONT = "system-ui, -apple-system, Segoe UI, Roboto, sans-serif"
ZERO = Decimal(0)


class TrendPoint(Protocol):
    """One month of the payment trend (``gateway.desk.behaviour.MonthPoint`` has these fields)."""

    @property
    def month(self) -> date: ...
    @property
    def invoiced(self) -> Decimal: ...
    @property
    def paid(self) -> Decimal: ...
    @property
    def avg_days_late(self) -> Decimal | None: ...


# ---- numbers --------------------------------------------------------------------------------------------


def amount_text(value: Decimal) -> str:
    """1234.5 -> "1,234.50": grouped, at least two decimals, never rounded away."""
    exponent = value.as_tuple().exponent
    places = max(2, -exponent) if isinstance(exponent, int) else 2
    return f"{value:,.{places}f}"


def _days_text(value: Decimal) -> str:
    return f"{value.normalize():f}" if value == value.to_integral_value() else f"{value:.1f}"


def nice_step(span: Decimal, ticks: int = 4) -> Decimal:
    """A round step (1, 2 or 5 times a power of ten) that covers ``span`` in about ``ticks`` steps."""
    if span <= 0:
        return Decimal(1)
    rough = span / ticks
    power = Decimal(10) ** (rough.adjusted())
    for factor in (1, 2, 5, 10):
        step = power * factor
        if step >= rough:
            return step
    return power * 10  # pragma: no cover - the loop always returns


@dataclass(frozen=True, slots=True)
class Scale:
    """Maps exact values in [low, high] onto pixels [bottom, top] (y grows downwards in SVG)."""

    low: Decimal
    high: Decimal
    top: float
    bottom: float
    step: Decimal

    @classmethod
    def covering(cls, values: Sequence[Decimal], top: float, bottom: float, ticks: int = 4) -> Scale:
        low = min([ZERO, *values])
        high = max([ZERO, *values])
        step = nice_step(high - low, ticks)
        # Round outwards to whole steps so the gridlines fall on round numbers.
        low = (low / step).to_integral_value(rounding="ROUND_FLOOR") * step
        high = (high / step).to_integral_value(rounding="ROUND_CEILING") * step
        if high == low:
            high = low + step
        return cls(low, high, top, bottom, step)

    def y(self, value: Decimal) -> float:
        share = (value - self.low) / (self.high - self.low)
        return self.bottom - float(share) * (self.bottom - self.top)

    def ticks(self) -> list[Decimal]:
        out, value = [], self.low
        while value <= self.high:
            out.append(value)
            value += self.step
        return out


def _px(value: float) -> str:
    return f"{value:.2f}".rstrip("0").rstrip(".")


def _tick_text(value: Decimal) -> str:
    """Axis ticks: round numbers, so no decimals unless the step has them."""
    if value == value.to_integral_value():
        return f"{int(value):,}"
    return f"{value.normalize():,f}"


# ---- markup ---------------------------------------------------------------------------------------------


def _open(width: int, height: int, label: str, description: str, css: str) -> list[str]:
    return [
        f'<svg xmlns="http://www.w3.org/2000/svg" class="chart {escape(css)}" role="img" '
        f'viewBox="0 0 {width} {height}" width="{width}" height="{height}" '
        f'aria-label="{escape(label)}" font-family="{escape(FONT)}" font-size="12">',
        f"<title>{escape(label)}</title>",
        f"<desc>{escape(description)}</desc>",
    ]


def _text(x: float, y: float, content: str, *, anchor: str = "middle", css: str = "", **attrs: str) -> str:
    extra = "".join(f' {k.replace("_", "-")}="{escape(v)}"' for k, v in attrs.items())
    klass = f' class="{escape(css)}"' if css else ""
    return f'<text x="{_px(x)}" y="{_px(y)}" text-anchor="{anchor}"{klass}{extra}>{escape(content)}</text>'


def _no_data(width: int, height: int, label: str, message: str, css: str) -> Markup:
    parts = _open(width, height, label, message, f"{css} chart-empty")
    parts.append(
        f'<rect x="0.5" y="0.5" width="{width - 1}" height="{height - 1}" fill="#f8fafc" '
        f'stroke="{GRID_COLOUR}" stroke-dasharray="4 3"/>'
    )
    parts.append(_text(width / 2, height / 2 + 4, message, css="no-data", fill=AXIS_COLOUR))
    parts.append("</svg>")
    return Markup("".join(parts))


def _grid(
    scale: Scale, left: float, right: float, *, side: str = "left", fmt: Callable[[Decimal], str] = _tick_text
) -> list[str]:
    out = []
    for value in scale.ticks():
        y = scale.y(value)
        if side == "left":
            stroke = AXIS_COLOUR if value == 0 else GRID_COLOUR
            out.append(f'<line x1="{_px(left)}" x2="{_px(right)}" y1="{_px(y)}" y2="{_px(y)}" stroke="{stroke}"/>')
            out.append(_text(left - 6, y + 4, fmt(value), anchor="end", css="tick", fill=AXIS_COLOUR))
        else:
            out.append(_text(right + 6, y + 4, fmt(value), anchor="start", css="tick tick-right", fill=LATE_COLOUR))
    return out


# ---- the charts -----------------------------------------------------------------------------------------


def ageing_bars(
    buckets: Mapping[str, Decimal],
    currency: str,
    *,
    title: str | None = None,
    width: int = 560,
    height: int = 260,
) -> Markup:
    """One bar per ageing bucket (in the order of ``BUCKET_ORDER``), each labelled with its exact amount."""
    label = title or f"Ageing of open items in {currency}"
    values = [(key, buckets.get(key, ZERO)) for key in BUCKET_ORDER]
    if all(v == 0 for _, v in values):
        return _no_data(width, height, label, f"No open items in {currency}.", "chart-ageing")
    summary = "; ".join(f"{BUCKET_LABELS[k]}: {amount_text(v)} {currency}" for k, v in values)
    left, right, top, bottom = 64.0, width - 12.0, 22.0, height - 40.0
    scale = Scale.covering([v for _, v in values], top, bottom)
    parts = _open(width, height, label, summary, "chart-ageing")
    parts += _grid(scale, left, right)
    slot = (right - left) / len(values)
    bar = slot * 0.62
    zero_y = scale.y(ZERO)
    for i, (key, value) in enumerate(values):
        x = left + slot * i + (slot - bar) / 2
        y = scale.y(value)
        y_top, h = min(y, zero_y), abs(zero_y - y)
        text = f"{amount_text(value)} {currency}"
        parts.append(
            f'<rect class="bar" data-bucket="{escape(key)}" data-value="{escape(str(value))}" x="{_px(x)}" '
            f'y="{_px(y_top)}" width="{_px(bar)}" height="{_px(h)}" fill="{BUCKET_COLOURS[key]}">'
            f"<title>{escape(BUCKET_LABELS[key])}: {escape(text)}</title></rect>"
        )
        label_y = y_top - 5 if value >= 0 else y_top + h + 13
        parts.append(_text(x + bar / 2, label_y, amount_text(value), css="value", data_bucket=key))
        parts.append(_text(x + bar / 2, bottom + 18, BUCKET_LABELS[key], css="category", fill=AXIS_COLOUR))
    parts.append(_text(left - 6, 12, currency, anchor="end", css="unit", fill=AXIS_COLOUR))
    parts.append("</svg>")
    return Markup("".join(parts))


def trend_chart(
    points: Sequence[TrendPoint],
    currency: str,
    *,
    title: str | None = None,
    width: int = 720,
    height: int = 280,
) -> Markup:
    """Invoiced and paid per month (grouped bars, left axis) and average days late (dots, right axis)."""
    label = title or f"Invoiced and paid per month in {currency}, with average days late"
    if not points or all(p.invoiced == 0 and p.paid == 0 and p.avg_days_late is None for p in points):
        return _no_data(width, height, label, "No invoices or payments in these months.", "chart-trend")
    summary = "; ".join(
        f"{p.month:%Y-%m}: invoiced {amount_text(p.invoiced)}, paid {amount_text(p.paid)} {currency}"
        + (f", {_days_text(p.avg_days_late)} days late on average" if p.avg_days_late is not None else "")
        for p in points
    )
    left, right, top, bottom = 64.0, width - 52.0, 30.0, height - 40.0
    money = Scale.covering([v for p in points for v in (p.invoiced, p.paid)], top, bottom)
    lates = [p.avg_days_late for p in points if p.avg_days_late is not None]
    days = Scale.covering([max(lates, default=ZERO), Decimal(10)], top, bottom)
    parts = _open(width, height, label, summary, "chart-trend")
    parts += _grid(money, left, right)
    parts += _grid(days, left, right, side="right")
    slot = (right - left) / len(points)
    bar = slot * 0.34
    zero_y = money.y(ZERO)
    dots: list[tuple[float, float, TrendPoint]] = []
    for i, p in enumerate(points):
        x0 = left + slot * i + slot / 2 - bar
        for kind, value, colour, x in (
            ("invoiced", p.invoiced, INVOICED_COLOUR, x0),
            ("paid", p.paid, PAID_COLOUR, x0 + bar),
        ):
            y = money.y(value)
            parts.append(
                f'<rect class="bar bar-{kind}" data-month="{p.month:%Y-%m}" data-value="{escape(str(value))}" '
                f'x="{_px(x)}" y="{_px(min(y, zero_y))}" width="{_px(bar)}" height="{_px(abs(zero_y - y))}" '
                f'fill="{colour}"><title>{p.month:%Y-%m} {kind}: {escape(amount_text(value))} '
                f"{escape(currency)}</title></rect>"
            )
        parts.append(_text(left + slot * i + slot / 2, bottom + 16, f"{p.month:%b}", css="category", fill=AXIS_COLOUR))
        if i == 0 or p.month.month == 1:
            parts.append(_text(left + slot * i + slot / 2, bottom + 30, f"{p.month:%Y}", css="year", fill=AXIS_COLOUR))
        if p.avg_days_late is not None:
            dots.append((left + slot * i + slot / 2, days.y(p.avg_days_late), p))
    # The line joins neighbouring months only: a month without paid invoices leaves a gap.
    run: list[str] = []
    for i, p in enumerate(points):
        found = next((d for d in dots if d[2] is p), None)
        if found is not None:
            run.append(f"{_px(found[0])},{_px(found[1])}")
        if found is None or i == len(points) - 1:
            if len(run) > 1:
                parts.append(
                    f'<polyline class="line-late" points="{" ".join(run)}" fill="none" '
                    f'stroke="{LATE_COLOUR}" stroke-width="1.5"/>'
                )
            run = []
    for x, y, p in dots:
        late = p.avg_days_late
        assert late is not None
        parts.append(
            f'<circle class="dot-late" data-month="{p.month:%Y-%m}" data-value="{escape(str(late))}" '
            f'cx="{_px(x)}" cy="{_px(y)}" r="4" fill="#fff" stroke="{LATE_COLOUR}" stroke-width="2">'
            f"<title>{p.month:%Y-%m}: paid {escape(_days_text(late))} days late on average</title></circle>"
        )
    parts.append(_text(left - 6, 14, currency, anchor="end", css="unit", fill=AXIS_COLOUR))
    parts.append(_text(width - 2, 14, "days late", anchor="end", css="unit", fill=LATE_COLOUR))
    legend = [("invoiced", INVOICED_COLOUR, "Invoiced"), ("paid", PAID_COLOUR, "Paid")]
    lx = left + 4
    for kind, colour, name in legend:
        parts.append(f'<rect class="legend legend-{kind}" x="{_px(lx)}" y="8" width="10" height="10" fill="{colour}"/>')
        parts.append(_text(lx + 14, 17, name, anchor="start", css="legend-text"))
        lx += 80
    parts.append(
        f'<circle class="legend legend-late" cx="{_px(lx + 5)}" cy="13" r="4" fill="#fff" '
        f'stroke="{LATE_COLOUR}" stroke-width="2"/>'
    )
    parts.append(_text(lx + 14, 17, "Average days late", anchor="start", css="legend-text"))
    parts.append("</svg>")
    return Markup("".join(parts))


def ageing_strip(
    buckets: Mapping[str, Decimal],
    currency: str,
    *,
    width: int = 140,
    height: int = 14,
) -> Markup:
    """A small horizontal stacked bar of the positive buckets, each segment as wide as its share."""
    parts_of = [(key, buckets.get(key, ZERO)) for key in BUCKET_ORDER]
    shown = [(k, v) for k, v in parts_of if v > 0]
    total = sum((v for _, v in shown), ZERO)
    label = f"Ageing in {currency}: " + ", ".join(f"{BUCKET_LABELS[k]} {amount_text(v)}" for k, v in parts_of)
    if total <= 0:
        out = _open(width, height, f"Nothing owed in {currency}", "No positive open amount.", "chart-strip")
        out.append(
            f'<rect x="0.5" y="0.5" width="{width - 1}" height="{height - 1}" fill="none" '
            f'stroke="{GRID_COLOUR}" stroke-dasharray="3 2"/></svg>'
        )
        return Markup("".join(out))
    out = _open(width, height, label, label, "chart-strip")
    x = 0.0
    for key, value in shown:
        w = float(value / total) * width
        out.append(
            f'<rect class="segment" data-bucket="{escape(key)}" data-value="{escape(str(value))}" x="{_px(x)}" '
            f'y="0" width="{_px(w)}" height="{height}" fill="{BUCKET_COLOURS[key]}">'
            f"<title>{escape(BUCKET_LABELS[key])}: {escape(amount_text(value))} {escape(currency)}</title></rect>"
        )
        x += w
    out.append("</svg>")
    return Markup("".join(out))
