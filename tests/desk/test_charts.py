"""The desk's SVG charts: well-formed, accessible, exact labels, bars in proportion, and a clear empty state."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from decimal import Decimal

import pytest
from lxml import etree

from gateway.desk.charts import (
    BUCKET_COLOURS,
    BUCKET_ORDER,
    Scale,
    ageing_bars,
    ageing_strip,
    amount_text,
    nice_step,
    trend_chart,
)

SVG = "{http://www.w3.org/2000/svg}"
NS = {"s": "http://www.w3.org/2000/svg"}


@dataclass(frozen=True)
class Month:
    month: date
    invoiced: Decimal
    paid: Decimal
    avg_days_late: Decimal | None


def parse(markup: str) -> etree._Element:
    root = etree.fromstring(markup.encode())
    assert root.tag == f"{SVG}svg"
    return root


def accessible(root: etree._Element) -> str:
    assert root.get("role") == "img"
    label = root.get("aria-label")
    assert label
    assert root.find(f"{SVG}title").text == label
    assert root.find(f"{SVG}desc").text
    return label


def bars(root: etree._Element, css: str = "bar") -> list[etree._Element]:
    return [r for r in root.iter(f"{SVG}rect") if css in (r.get("class") or "").split()]


def test_ageing_bars_one_bar_per_bucket_with_exact_labels_and_proportional_heights() -> None:
    buckets = {
        "current": Decimal("1000.00"),
        "1-30": Decimal("250.125"),
        "31-60": Decimal("0"),
        "61-90": Decimal("500"),
        "90+": Decimal("2000.00"),
    }
    root = parse(ageing_bars(buckets, "EUR"))
    assert "EUR" in accessible(root)
    drawn = bars(root)
    assert [b.get("data-bucket") for b in drawn] == list(BUCKET_ORDER)
    assert [b.get("fill") for b in drawn] == [BUCKET_COLOURS[k] for k in BUCKET_ORDER]
    heights = {b.get("data-bucket"): float(b.get("height")) for b in drawn}
    unit = heights["current"] / 1000
    assert heights["90+"] == pytest.approx(unit * 2000, abs=0.02)
    assert heights["61-90"] == pytest.approx(unit * 500, abs=0.02)
    assert heights["1-30"] == pytest.approx(unit * 250.125, abs=0.02)
    assert heights["31-60"] == 0
    labels = {t.get("data-bucket"): t.text for t in root.iterfind(".//s:text[@class='value']", NS)}
    assert labels == {"current": "1,000.00", "1-30": "250.125", "31-60": "0.00", "61-90": "500.00", "90+": "2,000.00"}
    tooltips = [b.find(f"{SVG}title").text for b in drawn]
    assert tooltips[1] == "1–30 days: 250.125 EUR"


def test_a_negative_bucket_hangs_below_the_zero_line() -> None:
    root = parse(ageing_bars({"current": Decimal("300"), "1-30": Decimal("-100")}, "EUR"))
    current, late = bars(root)[:2]
    zero_line = next(
        line for line in root.iter(f"{SVG}line") if line.get("stroke") == "#5c6675"
    )  # the axis at zero is drawn darker than the grid
    zero_y = float(zero_line.get("y1"))
    assert float(current.get("y")) + float(current.get("height")) == pytest.approx(zero_y, abs=0.02)
    assert float(late.get("y")) == pytest.approx(zero_y, abs=0.02)
    assert float(late.get("height")) == pytest.approx(float(current.get("height")) / 3, abs=0.02)


def test_ageing_bars_with_nothing_open_say_so() -> None:
    for buckets in ({}, dict.fromkeys(BUCKET_ORDER, Decimal(0))):
        root = parse(ageing_bars(buckets, "CHF"))
        accessible(root)
        assert not bars(root)
        assert "chart-empty" in root.get("class")
        assert root.find(".//s:text[@class='no-data']", NS).text == "No open items in CHF."


def test_text_is_escaped() -> None:
    root = parse(ageing_bars({"current": Decimal(1)}, "EUR", title='Book <"&> ageing'))
    assert root.get("aria-label") == 'Book <"&> ageing'
    assert root.find(f"{SVG}title").text == 'Book <"&> ageing'
    root = parse(ageing_strip({"current": Decimal(1)}, "<b>"))
    assert "<b>" in root.get("aria-label")


def test_trend_chart_groups_invoiced_and_paid_and_draws_days_late_on_its_own_axis() -> None:
    months = [
        Month(date(2025, 11, 1), Decimal("1200.00"), Decimal("600.00"), Decimal("12")),
        Month(date(2025, 12, 1), Decimal("0"), Decimal("300.50"), None),
        Month(date(2026, 1, 1), Decimal("2400.00"), Decimal("1200.00"), Decimal("3.5")),
        Month(date(2026, 2, 1), Decimal("600.00"), Decimal("2400.00"), Decimal("7")),
    ]
    root = parse(trend_chart(months, "EUR"))
    label = accessible(root)
    assert "days late" in label
    invoiced = bars(root, "bar-invoiced")
    paid = bars(root, "bar-paid")
    assert [b.get("data-month") for b in invoiced] == ["2025-11", "2025-12", "2026-01", "2026-02"]
    assert [b.get("data-value") for b in paid] == ["600.00", "300.50", "1200.00", "2400.00"]
    unit = float(invoiced[0].get("height")) / 1200
    assert float(invoiced[2].get("height")) == pytest.approx(unit * 2400, abs=0.02)
    assert float(paid[1].get("height")) == pytest.approx(unit * 300.5, abs=0.02)
    assert float(invoiced[1].get("height")) == 0
    # Each month's two bars stand side by side.
    assert float(paid[0].get("x")) == pytest.approx(float(invoiced[0].get("x")) + float(invoiced[0].get("width")))
    assert paid[1].find(f"{SVG}title").text == "2025-12 paid: 300.50 EUR"
    dots = list(root.iterfind(".//s:circle[@class='dot-late']", NS))
    assert [d.get("data-month") for d in dots] == ["2025-11", "2026-01", "2026-02"]
    ys = {d.get("data-month"): float(d.get("cy")) for d in dots}
    assert ys["2025-11"] < ys["2026-02"] < ys["2026-01"]  # more days late = higher up
    assert dots[1].find(f"{SVG}title").text == "2026-01: paid 3.5 days late on average"
    # December had no paid invoice: the line breaks there instead of bridging it.
    lines = list(root.iterfind(".//s:polyline", NS))
    assert len(lines) == 1 and len(lines[0].get("points").split()) == 2
    assert {t.text for t in root.iterfind(".//s:text[@class='year']", NS)} == {"2025", "2026"}


def test_trend_chart_without_activity_says_so() -> None:
    assert "chart-empty" in parse(trend_chart([], "EUR")).get("class")
    quiet = [Month(date(2026, m, 1), Decimal(0), Decimal(0), None) for m in range(1, 4)]
    root = parse(trend_chart(quiet, "EUR"))
    accessible(root)
    assert root.find(".//s:text[@class='no-data']", NS).text == "No invoices or payments in these months."


def test_ageing_strip_segments_are_as_wide_as_their_share() -> None:
    root = parse(
        ageing_strip({"current": Decimal("100"), "1-30": Decimal("300"), "90+": Decimal("-20")}, "EUR", width=200)
    )
    accessible(root)
    segments = bars(root, "segment")
    assert [s.get("data-bucket") for s in segments] == ["current", "1-30"]  # nothing negative is stacked
    assert [float(s.get("width")) for s in segments] == [50, 150]
    assert float(segments[1].get("x")) == 50
    assert "over 90 days -20.00" in root.get("aria-label")
    empty = parse(ageing_strip({}, "EUR"))
    assert not bars(empty, "segment") and "Nothing owed" in empty.get("aria-label")


def test_scale_and_numbers() -> None:
    assert nice_step(Decimal(2000)) == 500
    assert nice_step(Decimal("0.9")) == Decimal("0.5")
    assert nice_step(Decimal(0)) == 1
    scale = Scale.covering([Decimal("1730"), Decimal("-20")], top=0, bottom=100)
    assert scale.low == -500 and scale.high == 2000
    assert scale.y(Decimal(-500)) == 100 and scale.y(Decimal(2000)) == 0
    assert amount_text(Decimal("1234567.5")) == "1,234,567.50"
    assert amount_text(Decimal("0.125")) == "0.125"
