"""The mapping engine: a bureau is a TOML file; its mistakes are named by file, bureau and field."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from pathlib import Path

import pytest

from adapters.bureaus import BureauResponseError
from adapters.bureaus.mapping import load_mapping
from gateway.errors import ConfigError

FETCHED = dt.datetime(2026, 3, 2, 9, 0, tzinfo=dt.UTC)

MINI = '''
[search]
path = "/find"
results = "hits"
[search.fields]
bureau_id = "key"
name = "label"
[report]
[[report.requests]]
path = "/r/{id}"
[report.company]
name = { path = "who.name", required = true }
status = { path = "who.state", map = "states" }
[report.fields]
days_beyond_terms = { path = "pay.index", type = "decimal", scale = "lateness" }
credit_limit = { path = "limit.amount", type = "money", currency = "limit.ccy" }
[report.fields.score]
warn_if_missing = true
first = [
    { path = "risk.points", type = "decimal", scale = "points" },
    { path = "risk.grade", scale = "grades" },
]
[scales.points]
kind = "linear"
from = [0, 600]
to = [100, 0]  # a risk scale: 0 points is the safest
[scales.grades]
kind = "bands"
bands = { good = 80, bad = 20 }
[scales.lateness]
kind = "points"
points = [[0, 60], [50, 30], [100, 0]]
[maps.states]
trading = "active"
gone = "dissolved"
'''


@pytest.fixture
def mini(tmp_path: Path):
    (tmp_path / "mini.toml").write_text(MINI, encoding="utf-8")
    return load_mapping("mini", tmp_path)


def test_linear_scales_may_run_backwards_and_clamp(mini):
    report = mini.read_report({"who": {"name": "A"}, "risk": {"points": "150"}}, bureau_id="1", fetched_at=FETCHED)
    assert report.score == Decimal(75)
    report = mini.read_report({"who": {"name": "A"}, "risk": {"points": 900}}, bureau_id="1", fetched_at=FETCHED)
    assert report.score == Decimal(0)


def test_first_of_falls_back_to_a_band_table(mini):
    report = mini.read_report({"who": {"name": "A"}, "risk": {"grade": "Bad"}}, bureau_id="1", fetched_at=FETCHED)
    assert report.score == Decimal(20) and report.company.bureau_id == "1"


def test_point_tables_interpolate(mini):
    report = mini.read_report({"who": {"name": "A"}, "pay": {"index": 75}}, bureau_id="1", fetched_at=FETCHED)
    assert report.days_beyond_terms == Decimal(15)


def test_unknown_status_values_are_warned_about_not_guessed(mini):
    report = mini.read_report({"who": {"name": "A", "state": "hibernating"}}, bureau_id="1", fetched_at=FETCHED)
    assert report.company.status == "unknown"
    assert any("hibernating" in w for w in report.warnings)
    assert any(w.startswith("score: not given") for w in report.warnings)


def test_a_money_field_needs_its_currency(mini):
    with pytest.raises(BureauResponseError, match="limit.ccy") as caught:
        mini.read_report({"who": {"name": "A"}, "limit": {"amount": "10"}}, bureau_id="1", fetched_at=FETCHED)
    assert caught.value.bureau == "mini"


def test_a_required_field_that_is_missing_is_named(mini):
    with pytest.raises(BureauResponseError, match=r"mini: who.name: missing"):
        mini.read_report({"who": {}}, bureau_id="1", fetched_at=FETCHED)


def test_a_list_where_a_list_of_hits_should_be_is_named(mini):
    with pytest.raises(BureauResponseError, match=r"mini: hits: expected a list"):
        mini.read_matches({"hits": {"key": "1"}})


def test_a_mapping_with_an_unknown_field_is_a_config_error_naming_the_file(tmp_path):
    (tmp_path / "bad.toml").write_text(MINI.replace("days_beyond_terms", "days_late"), encoding="utf-8")
    with pytest.raises(ConfigError, match=r"bad.toml: \[report.fields\] unknown field 'days_late'"):
        load_mapping("bad", tmp_path)


def test_a_mapping_naming_a_missing_scale_is_a_config_error(tmp_path):
    (tmp_path / "bad.toml").write_text(MINI.replace('scale = "grades"', 'scale = "letters"'), encoding="utf-8")
    with pytest.raises(ConfigError, match=r"no \[scales.letters\]"):
        load_mapping("bad", tmp_path)


@pytest.mark.parametrize("bureau", ["creditsafe", "dnb", "companies_house"])
def test_the_shipped_mappings_load(bureau):
    assert load_mapping(bureau).bureau == bureau
