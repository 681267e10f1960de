"""The declarative mapping engine: ``mappings/<bureau>.toml`` turns a bureau's JSON into the normalized model.

A mapping says, per field of ``CompanyMatch`` / ``CreditReport``, where the value is and how to read it, so a new
bureau or a renamed field is a change to a TOML file. A field is either a JSON path (``a.b[0].c``) or a table:

    path = "a.b"                      where the value is (relative to the document, or to the list item)
    first = ["a.b", {path = ...}]     alternatives: the first that yields a value wins
    value = "GB"                      a constant
    type = "str" | "decimal" | "int" | "date" | "money" | "lines"
    currency = "a.currency"           money: where the currency code is (same base as ``path``)
    lines = ["street", "city"]        lines: the non-empty values of these paths (lists are flattened)
    map = "status"                    translate through ``[maps.status]``; match = "exact" (default) | "contains"
    scale = "common_bands"            convert through ``[scales.common_bands]`` (linear, bands or points)
    required = true                   missing -> BureauResponseError naming the bureau and the path
    warn_if_missing = true            missing or given as text ("Not Rated") -> None plus a report warning
    default = "today"                 value when nothing is found ("today" for dates)

Numbers arrive as numbers or as strings; texts listed in ``[conversions] none_text`` ("Not Rated", "Credit Limit
not applicable") mean "no value" in numeric, date and money fields and are kept as text in ``str`` fields.
Anything else that does not fit (an object where a value should be, "abc" as an amount) is a
``BureauResponseError`` naming the bureau and the field path: never a half-filled report.
"""

from __future__ import annotations

import datetime as dt
import logging
import re
import tomllib
from collections.abc import Mapping as AnyMapping
from dataclasses import dataclass, field
from decimal import Decimal, InvalidOperation
from pathlib import Path
from typing import Any

import httpx

from gateway.bureau_errors import BureauResponseError
from gateway.errors import ConfigError
from gateway.model.credit_report import (
    Address,
    CompanyIdentity,
    CompanyMatch,
    CompanyQuery,
    CompanyStatus,
    CreditReport,
    NegativeEvent,
    NegativeEventKind,
)
from gateway.model.money import Money

log = logging.getLogger(__name__)


class _Missing:
    def __repr__(self) -> str:
        return "MISSING"


MISSING: Any = _Missing()

_SEGMENT = re.compile(r"([^.\[\]]+)|\[(\d+)\]")
_TYPES = {"str", "decimal", "int", "date", "money", "lines"}


def parse_path(path: str) -> tuple[str | int, ...]:
    steps: list[str | int] = []
    for part in path.split("."):
        pos = 0
        for m in _SEGMENT.finditer(part):
            if m.start() != pos:
                raise ValueError(f"bad JSON path {path!r}")
            steps.append(m.group(1) if m.group(1) is not None else int(m.group(2)))
            pos = m.end()
        if pos != len(part) or not part:
            raise ValueError(f"bad JSON path {path!r}")
    return tuple(steps)


def get_path(bureau: str, doc: Any, path: str, *, base: str = "") -> Any:
    """The value at ``path``; MISSING when a key or index is absent; BureauResponseError when the document has
    the wrong shape on the way (an object expected, text found)."""
    cur = doc
    walked = base
    for step in parse_path(path):
        if cur is None:
            return MISSING
        if isinstance(step, int):
            if not isinstance(cur, list):
                raise BureauResponseError(bureau, _join(base, path), f"expected a list at {walked or '(root)'!r}, "
                                          f"got {_kind(cur)}")
            if step >= len(cur):
                return MISSING
            cur = cur[step]
            walked = f"{walked}[{step}]"
        else:
            if not isinstance(cur, dict):
                raise BureauResponseError(bureau, _join(base, path), f"expected an object at {walked or '(root)'!r}, "
                                          f"got {_kind(cur)}")
            if step not in cur:
                return MISSING
            cur = cur[step]
            walked = _join(walked, step)
    return cur


def _join(base: str, path: str) -> str:
    if not base:
        return path
    return f"{base}{path}" if path.startswith("[") else f"{base}.{path}"


def _kind(value: Any) -> str:
    return {dict: "an object", list: "a list", str: "text", bool: "a boolean"}.get(type(value), type(value).__name__)


# -- specs ---------------------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Source:
    path: str | None = None
    const: Any = MISSING
    type: str = "str"
    currency: str | None = None
    lines: tuple[str, ...] = ()
    map: str | None = None
    match: str = "exact"
    scale: str | None = None


@dataclass(frozen=True)
class FieldSpec:
    sources: tuple[Source, ...]
    required: bool = False
    warn_if_missing: bool = False
    default: Any = None

    @property
    def where(self) -> str:
        for s in self.sources:
            if s.path:
                return s.path
            if s.lines:
                return s.lines[0]
        return "(constant)"


@dataclass(frozen=True)
class Scale:
    kind: str  # linear | bands | points
    from_range: tuple[Decimal, Decimal] | None = None
    from_paths: tuple[str, str] | None = None
    to_range: tuple[Decimal, Decimal] = (Decimal(0), Decimal(100))
    bands: dict[str, Decimal] = field(default_factory=dict)
    points: tuple[tuple[Decimal, Decimal], ...] = ()
    places: int = 2


@dataclass(frozen=True)
class EventSpec:
    list_path: str
    kind: FieldSpec
    date: FieldSpec | None
    amount: FieldSpec | None
    description: FieldSpec | None


@dataclass(frozen=True)
class RequestSpec:
    path: str
    name: str | None = None
    params: dict[str, str] = field(default_factory=dict)
    optional: bool = False  # a 404 means "nothing of this kind" (Companies House insolvency), not "no company"


@dataclass(frozen=True)
class SearchSpec:
    path: str
    results: str
    params: tuple[dict[str, str], ...]  # alternatives: the first whose required placeholders are all known
    fixed_params: dict[str, str]
    fields: dict[str, FieldSpec]


@dataclass(frozen=True)
class ReportSpec:
    requests: tuple[RequestSpec, ...]
    country_from_id: re.Pattern[str] | None
    company: dict[str, FieldSpec]
    address: dict[str, FieldSpec]
    fields: dict[str, FieldSpec]
    events: tuple[EventSpec, ...]


@dataclass(frozen=True)
class AuthSpec:
    path: str | None = None
    token: str = "token"
    expires_in: str | None = None
    default_lifetime_seconds: float = 3600.0


@dataclass(frozen=True)
class ErrorFormat:
    """Where a bureau puts its error code and message in an error body (D&B: ``error.errorCode``)."""

    code: FieldSpec | None = None
    message: FieldSpec | None = None

    def read(self, bureau: str, resp: httpx.Response) -> tuple[str | None, str | None]:
        try:
            doc = resp.json()
        except ValueError:
            return None, None
        out: list[str | None] = []
        for spec in (self.code, self.message):
            value = None
            if spec is not None:
                for src in spec.sources:
                    try:
                        raw = get_path(bureau, doc, src.path) if src.path else MISSING
                    except BureauResponseError:
                        raw = MISSING
                    if raw not in (MISSING, None, "") and not isinstance(raw, dict | list):
                        value = " ".join(str(raw).split())[:200]
                        break
            out.append(value)
        return out[0], out[1]


# -- loading -------------------------------------------------------------------------------------------------------


class _Loader:
    def __init__(self, file: Path) -> None:
        self.file = file

    def fail(self, where: str, message: str) -> ConfigError:
        return ConfigError(f"{self.file}: [{where}] {message}")

    def source(self, where: str, raw: Any) -> Source:
        if isinstance(raw, str):
            self.check_path(where, raw)
            return Source(path=raw)
        if not isinstance(raw, dict):
            raise self.fail(where, f"expected a path or a table, got {raw!r}")
        unknown = set(raw) - {"path", "value", "type", "currency", "lines", "map", "match", "scale"}
        if unknown:
            raise self.fail(where, f"unknown keys {sorted(unknown)}")
        kind = raw.get("type", "lines" if "lines" in raw else "str")
        if kind not in _TYPES:
            raise self.fail(where, f"unknown type {kind!r}")
        if kind == "money" and "currency" not in raw:
            raise self.fail(where, "money needs a currency path")
        for key in ("path", "currency"):
            if key in raw:
                self.check_path(where, raw[key])
        for p in raw.get("lines", ()):
            self.check_path(where, p)
        if "path" not in raw and "value" not in raw and "lines" not in raw:
            raise self.fail(where, "needs path, value or lines")
        if raw.get("match", "exact") not in ("exact", "contains"):
            raise self.fail(where, "match is exact or contains")
        return Source(
            path=raw.get("path"),
            const=raw.get("value", MISSING),
            type=kind,
            currency=raw.get("currency"),
            lines=tuple(raw.get("lines", ())),
            map=raw.get("map"),
            match=raw.get("match", "exact"),
            scale=raw.get("scale"),
        )

    def check_path(self, where: str, path: Any) -> None:
        if not isinstance(path, str):
            raise self.fail(where, f"a path must be text, got {path!r}")
        try:
            parse_path(path)
        except ValueError as exc:
            raise self.fail(where, str(exc)) from None

    def field(self, where: str, raw: Any) -> FieldSpec:
        if isinstance(raw, dict) and "first" in raw:
            alts = raw["first"]
            if not isinstance(alts, list) or not alts:
                raise self.fail(where, "first needs a non-empty list")
            common = {k: v for k, v in raw.items() if k not in ("first", "required", "warn_if_missing", "default")}
            sources = tuple(
                self.source(f"{where}.first[{i}]", {"path": a, **common} if isinstance(a, str) else {**common, **a})
                for i, a in enumerate(alts)
            )
        else:
            sub = {k: v for k, v in raw.items() if k not in ("required", "warn_if_missing", "default")} \
                if isinstance(raw, dict) else raw
            sources = (self.source(where, sub),)
        opts = raw if isinstance(raw, dict) else {}
        return FieldSpec(
            sources, bool(opts.get("required", False)), bool(opts.get("warn_if_missing", False)), opts.get("default")
        )

    def fields(self, where: str, raw: Any, allowed: set[str]) -> dict[str, FieldSpec]:
        if not isinstance(raw, dict):
            raise self.fail(where, "expected a table")
        out = {}
        for name, spec in raw.items():
            if name not in allowed:
                raise self.fail(where, f"unknown field {name!r} (known: {', '.join(sorted(allowed))})")
            out[name] = self.field(f"{where}.{name}", spec)
        return out

    def scale(self, name: str, raw: Any) -> Scale:
        where = f"scales.{name}"
        if not isinstance(raw, dict) or raw.get("kind") not in ("linear", "bands", "points"):
            raise self.fail(where, "kind is linear, bands or points")
        try:
            to = tuple(Decimal(str(x)) for x in raw.get("to", (0, 100)))
            frm = tuple(Decimal(str(x)) for x in raw["from"]) if "from" in raw else None
            bands = {str(k).casefold(): Decimal(str(v)) for k, v in raw.get("bands", {}).items()}
            points = tuple(sorted((Decimal(str(a)), Decimal(str(b))) for a, b in raw.get("points", ())))
        except (InvalidOperation, TypeError, ValueError) as exc:
            raise self.fail(where, f"not a number: {exc}") from None
        from_paths = raw.get("from_paths")
        if raw["kind"] == "linear" and (frm is None or len(frm) != 2 or frm[0] == frm[1]):
            raise self.fail(where, "linear needs from = [low, high] (a fallback when from_paths are absent)")
        if raw["kind"] == "bands" and not bands:
            raise self.fail(where, "bands needs a bands table")
        if raw["kind"] == "points" and len(points) < 2:
            raise self.fail(where, "points needs at least two [from, to] points")
        return Scale(
            kind=raw["kind"],
            from_range=(frm[0], frm[1]) if frm else None,
            from_paths=(from_paths[0], from_paths[1]) if from_paths else None,
            to_range=(to[0], to[1]),
            bands=bands,
            points=points,
            places=int(raw.get("places", 2)),
        )


SEARCH_FIELDS = {"bureau_id", "name", "country", "registration_number", "vat_number", "status", "confidence"}
COMPANY_FIELDS = {"bureau_id", "name", "registration_number", "vat_number", "country", "status"}
ADDRESS_FIELDS = {"lines", "postal_code", "city", "country"}
REPORT_FIELDS = {
    "score", "bureau_score", "bureau_band", "probability_of_default", "credit_limit", "days_beyond_terms",
    "report_date",
}
EVENT_KEYS = {"list", "kind", "date", "amount", "description"}


@dataclass(frozen=True)
class BureauMapping:
    bureau: str
    file: Path
    auth: AuthSpec
    errors: ErrorFormat
    none_text: frozenset[str]
    search: SearchSpec
    report: ReportSpec
    scales: dict[str, Scale]
    maps: dict[str, dict[str, str]]
    poll_interval_seconds: float = 1.0

    # -- requests --------------------------------------------------------------------------------------------------

    def search_params(self, query: CompanyQuery) -> dict[str, str] | None:
        """Query parameters of the first alternative the query can fill; None when it can fill none."""
        known = {k: v for k, v in query.model_dump().items() if v}
        for alt in self.search.params:
            filled = fill_params(alt, known)
            if filled is not None:
                return {**self.search.fixed_params, **filled}
        return None

    def report_country(self, bureau_id: str) -> str | None:
        """The company's country when the bureau id carries it (Creditsafe connectIds start with it)."""
        pattern = self.report.country_from_id
        m = pattern.match(bureau_id) if pattern else None
        return m.group(1).upper() if m else None

    # -- reading ---------------------------------------------------------------------------------------------------

    def read_matches(self, doc: Any) -> list[CompanyMatch]:
        items = get_path(self.bureau, doc, self.search.results)
        if items is MISSING or items is None:
            return []
        if not isinstance(items, list):
            raise BureauResponseError(self.bureau, self.search.results, f"expected a list, got {_kind(items)}")
        matches = []
        for i, item in enumerate(items):
            reader = _Reader(self, item, base=f"{self.search.results}[{i}]")
            values = {name: reader.field(name, spec) for name, spec in self.search.fields.items()}
            for key in ("bureau_id", "name"):
                if values.get(key) is None:
                    raise BureauResponseError(self.bureau, reader.at(self.search.fields[key].where), "missing")
            values["status"] = values.get("status") or CompanyStatus.UNKNOWN
            matches.append(CompanyMatch(bureau=self.bureau, **values))
        return matches

    def read_report(self, doc: Any, *, bureau_id: str, fetched_at: dt.datetime) -> CreditReport:
        reader = _Reader(self, doc, today=fetched_at.date())
        company = {name: reader.field(f"company.{name}", spec) for name, spec in self.report.company.items()}
        company["bureau_id"] = company.get("bureau_id") or bureau_id
        if not company.get("name"):
            raise BureauResponseError(self.bureau, self.report.company["name"].where, "company name missing")
        company["status"] = company.get("status") or CompanyStatus.UNKNOWN
        if self.report.address:
            addr = {name: reader.field(f"address.{name}", spec) for name, spec in self.report.address.items()}
            addr["lines"] = tuple(addr.get("lines") or ())
            if any(addr.values()):
                company["address"] = Address(**addr)
        values = {name: reader.field(name, spec) for name, spec in self.report.fields.items()}
        values["report_date"] = values.get("report_date") or fetched_at.date()
        pd = values.get("probability_of_default")
        if pd is not None and not Decimal(0) <= pd <= Decimal(1):
            raise BureauResponseError(self.bureau, self.report.fields["probability_of_default"].where,
                                      f"probability {pd} outside 0..1")
        events = tuple(e for spec in self.report.events for e in reader.events(spec))
        if reader.warnings:
            log.warning("%s report %s: %s", self.bureau, company["bureau_id"], "; ".join(reader.warnings))
        return CreditReport(
            bureau=self.bureau,
            company=CompanyIdentity(**company),
            negative_events=events,
            fetched_at=fetched_at,
            warnings=tuple(reader.warnings),
            raw=doc if isinstance(doc, dict) else {"body": doc},
            **values,
        )


def fill_params(template: AnyMapping[str, str], known: AnyMapping[str, Any]) -> dict[str, str] | None:
    """``{"regNo": "{registration_number}", "reason": "{reason?}"}`` filled from ``known``: optional
    placeholders (``?``) drop their parameter when unknown; a missing required one gives None."""
    out: dict[str, str] = {}
    for key, value in template.items():
        m = re.fullmatch(r"\{(\w+)(\??)\}", value)
        if not m:
            out[key] = value
            continue
        filled = known.get(m.group(1))
        if filled in (None, ""):
            if m.group(2):
                continue
            return None
        out[key] = str(filled)
    return out


class _Reader:
    """Reads fields from one document (or one list item), collecting warnings."""

    def __init__(self, mapping: BureauMapping, doc: Any, *, base: str = "", today: dt.date | None = None) -> None:
        self.m = mapping
        self.bureau = mapping.bureau
        self.doc = doc
        self.base = base
        self.today = today
        self.warnings: list[str] = []

    def at(self, path: str) -> str:
        return _join(self.base, path)

    def get(self, path: str) -> Any:
        return get_path(self.bureau, self.doc, path, base=self.base)

    def field(self, name: str, spec: FieldSpec) -> Any:
        as_text: str | None = None
        shape_error: BureauResponseError | None = None
        for src in spec.sources:
            raw = src.const if src.path is None and src.const is not MISSING else None
            try:
                if src.type == "lines":
                    lines = self._lines(src)
                    if lines:
                        return lines
                    continue
                if raw is None:
                    raw = self.get(src.path) if src.path else MISSING
            except BureauResponseError as exc:
                # an alternative whose shape does not fit yields nothing; if no alternative yields, it is the error
                shape_error = shape_error or exc
                continue
            if raw is MISSING or raw is None or (isinstance(raw, str) and not raw.strip()):
                continue
            numeric = src.type != "str" or src.scale is not None or src.map is not None
            if numeric and isinstance(raw, str) and " ".join(raw.split()).casefold() in self.m.none_text:
                as_text = as_text or f"{name}: {raw.strip()!r} at {self.at(src.path or '')}"
                continue
            value = self._convert(name, src, raw)
            if value is not None:
                return value
        if shape_error is not None:
            raise shape_error
        if spec.required:
            raise BureauResponseError(self.bureau, self.at(spec.where), "missing")
        if as_text is not None:
            self.warnings.append(f"{as_text} read as no value")
        elif spec.warn_if_missing:
            self.warnings.append(f"{name}: not given (empty at {self.at(spec.where)})")
        if spec.default == "today":
            return self.today
        return spec.default

    def _lines(self, src: Source) -> tuple[str, ...]:
        out: list[str] = []
        for path in src.lines:
            raw = self.get(path)
            for item in raw if isinstance(raw, list) else [raw]:
                if item is MISSING or item is None:
                    continue
                if isinstance(item, dict | list | bool):
                    raise BureauResponseError(self.bureau, self.at(path), f"expected text, got {_kind(item)}")
                text = " ".join(str(item).split())
                if text:
                    out.append(text)
        return tuple(out)

    def _convert(self, name: str, src: Source, raw: Any) -> Any:
        where = self.at(src.path or "")
        if isinstance(raw, dict | list):
            raise BureauResponseError(self.bureau, where, f"expected a value, got {_kind(raw)}")
        if src.type == "str":
            value: Any = raw if isinstance(raw, str) else str(raw).lower() if isinstance(raw, bool) else str(raw)
            value = " ".join(value.split())
        elif src.type in ("decimal", "int"):
            value = self._decimal(where, raw)
            if src.type == "int" and value != value.to_integral_value():
                raise BureauResponseError(self.bureau, where, f"expected a whole number, got {raw!r}")
        elif src.type == "date":
            value = self._date(where, raw)
        elif src.type == "money":
            amount = self._decimal(where, raw)
            cur_path = src.currency or ""
            currency = self.get(cur_path)
            if not isinstance(currency, str) or not re.fullmatch(r"[A-Za-z]{3}", currency.strip()):
                raise BureauResponseError(self.bureau, self.at(cur_path), f"expected a currency code, got {currency!r}")
            return Money(amount, currency.strip().upper())
        else:  # pragma: no cover - the loader allows only the types above
            raise AssertionError(src.type)
        if src.map is not None:
            value = self._map(name, src, where, value)
            if value is None:
                return None
        if src.scale is not None:
            value = self._scale(name, src.scale, where, value)
        return value

    def _decimal(self, where: str, raw: Any) -> Decimal:
        if isinstance(raw, bool):
            raise BureauResponseError(self.bureau, where, f"expected a number, got {raw!r}")
        text = str(raw).strip().replace(",", "") if isinstance(raw, str) else str(raw)
        try:
            value = Decimal(text)
        except InvalidOperation:
            raise BureauResponseError(self.bureau, where, f"expected a number, got {raw!r}") from None
        if not value.is_finite():
            raise BureauResponseError(self.bureau, where, f"expected a number, got {raw!r}")
        return value

    def _date(self, where: str, raw: Any) -> dt.date:
        if not isinstance(raw, str):
            raise BureauResponseError(self.bureau, where, f"expected a date, got {raw!r}")
        text = raw.strip()
        try:
            if len(text) > 10:
                return dt.datetime.fromisoformat(text.replace("Z", "+00:00")).date()
            return dt.date.fromisoformat(text)
        except ValueError:
            raise BureauResponseError(self.bureau, where, f"expected an ISO date, got {raw!r}") from None

    def _map(self, name: str, src: Source, where: str, value: Any) -> Any:
        table = self.m.maps[src.map or ""]
        key = str(value).casefold()
        if src.match == "exact":
            if key in table:
                return table[key]
        else:
            for needle, target in table.items():
                if needle in key:
                    return target
        self.warnings.append(f"{name}: unknown value {value!r} at {where}")
        return None

    def _scale(self, name: str, scale_name: str, where: str, value: Any) -> Decimal | None:
        scale = self.m.scales[scale_name]
        if scale.kind == "bands":
            found = scale.bands.get(str(value).casefold())
            if found is None:
                self.warnings.append(f"{name}: band {value!r} at {where} is not on the {scale_name} scale")
            return found
        number = value if isinstance(value, Decimal) else self._decimal(where, value)
        if scale.kind == "linear":
            lo, hi = self._from_range(scale)
            t0, t1 = scale.to_range
            out = t0 + (number - lo) * (t1 - t0) / (hi - lo)
            out = max(min(t0, t1), min(max(t0, t1), out))
        else:
            out = _interpolate(scale.points, number)
        return _tidy(out.quantize(Decimal(1).scaleb(-scale.places)))

    def _from_range(self, scale: Scale) -> tuple[Decimal, Decimal]:
        assert scale.from_range is not None
        if scale.from_paths:
            # the bureau states its own scale next to the value (Creditsafe providerValue minValue/maxValue)
            lo_raw, hi_raw = (get_path(self.bureau, self.doc, p) for p in scale.from_paths)
            if lo_raw not in (MISSING, None, "") and hi_raw not in (MISSING, None, ""):
                lo, hi = self._decimal(scale.from_paths[0], lo_raw), self._decimal(scale.from_paths[1], hi_raw)
                if lo != hi:
                    return lo, hi
        return scale.from_range

    def events(self, spec: EventSpec) -> list[NegativeEvent]:
        items = self.get(spec.list_path)
        if items is MISSING or items is None:
            return []
        if not isinstance(items, list):
            raise BureauResponseError(self.bureau, self.at(spec.list_path), f"expected a list, got {_kind(items)}")
        out = []
        for i, item in enumerate(items):
            r = _Reader(self.m, item, base=f"{self.at(spec.list_path)}[{i}]", today=self.today)
            kind = r.field("negative_events.kind", spec.kind) or NegativeEventKind.OTHER
            out.append(
                NegativeEvent(
                    kind=NegativeEventKind(kind),
                    date=r.field("negative_events.date", spec.date) if spec.date else None,
                    amount=r.field("negative_events.amount", spec.amount) if spec.amount else None,
                    description=r.field("negative_events.description", spec.description) if spec.description else None,
                )
            )
            self.warnings.extend(r.warnings)
        return out


def _tidy(value: Decimal) -> Decimal:
    """72.00 -> 72, 72.50 -> 72.5: scaled values carry no spurious precision."""
    if value == value.to_integral_value():
        return value.quantize(Decimal(1))
    return value.normalize()


def _interpolate(points: tuple[tuple[Decimal, Decimal], ...], x: Decimal) -> Decimal:
    if x <= points[0][0]:
        return points[0][1]
    for (x0, y0), (x1, y1) in zip(points, points[1:], strict=False):
        if x <= x1:
            return y0 + (x - x0) * (y1 - y0) / (x1 - x0)
    return points[-1][1]


# -- file loading --------------------------------------------------------------------------------------------------

DEFAULT_NONE_TEXT = ("not rated", "n/a", "nr", "-")
PACKAGE_MAPPINGS = Path(__file__).resolve().parents[2] / "mappings"


def mappings_dir(configured: Path | None = None) -> Path:
    """The configured directory; else ``./mappings``; else the one beside the package (a source checkout)."""
    for candidate in (configured, Path("mappings"), PACKAGE_MAPPINGS):
        if candidate is not None and (candidate.is_dir()):
            return candidate
    raise ConfigError(f"no mappings directory (looked for {configured}, ./mappings, {PACKAGE_MAPPINGS})")


def load_mapping(bureau: str, directory: Path | None = None) -> BureauMapping:
    """Read and check ``<directory>/<bureau>.toml``; ConfigError names the file and the table that is wrong."""
    file = mappings_dir(directory) / f"{bureau}.toml"
    try:
        data = tomllib.loads(file.read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise ConfigError(f"no mapping file for bureau {bureau!r}: {file}") from None
    except tomllib.TOMLDecodeError as exc:
        raise ConfigError(f"{file}: {exc}") from None
    return _build(bureau, file, data)


def _build(bureau: str, file: Path, data: dict[str, Any]) -> BureauMapping:
    ld = _Loader(file)
    try:
        auth_raw = data.get("auth", {})
        auth = AuthSpec(
            path=auth_raw.get("path"),
            token=auth_raw.get("token", "token"),
            expires_in=auth_raw.get("expires_in"),
            default_lifetime_seconds=float(auth_raw.get("default_lifetime_seconds", 3600)),
        )
        err_raw = data.get("errors", {})
        errors = ErrorFormat(
            code=ld.field("errors.code", err_raw["code"]) if "code" in err_raw else None,
            message=ld.field("errors.message", err_raw["message"]) if "message" in err_raw else None,
        )
        none_text = frozenset(
            " ".join(t.split()).casefold() for t in data.get("conversions", {}).get("none_text", DEFAULT_NONE_TEXT)
        )
        s = data["search"]
        search = SearchSpec(
            path=s["path"],
            results=s["results"],
            params=tuple(dict(p) for p in s.get("params", [{}])),
            fixed_params={k: str(v) for k, v in s.get("fixed_params", {}).items()},
            fields=ld.fields("search.fields", s["fields"], SEARCH_FIELDS),
        )
        r = data["report"]
        requests = tuple(
            RequestSpec(path=q["path"], name=q.get("name"), params=dict(q.get("params", {})),
                        optional=bool(q.get("optional", False)))
            for q in r["requests"]
        )
        if len(requests) > 1 and any(q.name is None for q in requests):
            raise ld.fail("report.requests", "with several requests each needs a name")
        company = dict(r["company"])
        address_raw = company.pop("address", {})
        events = []
        for i, ev in enumerate(r.get("negative_events", [])):
            where = f"report.negative_events[{i}]"
            if set(ev) - EVENT_KEYS or "list" not in ev or "kind" not in ev:
                raise ld.fail(where, f"needs list and kind, may have {sorted(EVENT_KEYS)}")
            kind_raw = {"value": ev["kind"]} if isinstance(ev["kind"], str) and ev["kind"] in set(
                NegativeEventKind) else ev["kind"]
            ld.check_path(where, ev["list"])
            events.append(EventSpec(
                list_path=ev["list"],
                kind=ld.field(f"{where}.kind", kind_raw),
                date=ld.field(f"{where}.date", ev["date"]) if "date" in ev else None,
                amount=ld.field(f"{where}.amount", ev["amount"]) if "amount" in ev else None,
                description=ld.field(f"{where}.description", ev["description"]) if "description" in ev else None,
            ))
        pattern = r.get("country_from_id")
        report = ReportSpec(
            requests=requests,
            country_from_id=re.compile(pattern) if pattern else None,
            company=ld.fields("report.company", company, COMPANY_FIELDS),
            address=ld.fields("report.company.address", address_raw, ADDRESS_FIELDS),
            fields=ld.fields("report.fields", r.get("fields", {}), REPORT_FIELDS),
            events=tuple(events),
        )
        if "name" not in report.company or "bureau_id" not in search.fields or "name" not in search.fields:
            raise ld.fail("report.company", "company name, and search bureau_id and name, must be mapped")
        scales = {name: ld.scale(name, raw) for name, raw in data.get("scales", {}).items()}
        maps = {
            name: {str(k).casefold(): str(v) for k, v in table.items()} for name, table in data.get("maps", {}).items()
        }
        mapping = BureauMapping(
            bureau=bureau,
            file=file,
            auth=auth,
            errors=errors,
            none_text=none_text,
            search=search,
            report=report,
            scales=scales,
            maps=maps,
            poll_interval_seconds=float(data.get("polling", {}).get("interval_seconds", 1.0)),
        )
    except KeyError as exc:
        raise ld.fail(str(exc.args[0]), "missing") from None
    except (TypeError, AttributeError, re.error) as exc:
        raise ConfigError(f"{file}: {exc}") from None
    _check_references(ld, mapping)
    return mapping


def _all_specs(m: BureauMapping) -> list[tuple[str, FieldSpec]]:
    specs = [(f"search.fields.{k}", v) for k, v in m.search.fields.items()]
    specs += [(f"report.company.{k}", v) for k, v in m.report.company.items()]
    specs += [(f"report.company.address.{k}", v) for k, v in m.report.address.items()]
    specs += [(f"report.fields.{k}", v) for k, v in m.report.fields.items()]
    for e in m.report.events:
        specs += [(f"report.negative_events {e.list_path}", s) for s in (e.kind, e.date, e.amount, e.description) if s]
    return specs


def _check_references(ld: _Loader, m: BureauMapping) -> None:
    """Every map and scale a field names exists, and mapped statuses/event kinds are ones the model knows."""
    statuses = {s.value for s in CompanyStatus}
    kinds = {k.value for k in NegativeEventKind}
    for where, spec in _all_specs(m):
        for src in spec.sources:
            if src.map is not None and src.map not in m.maps:
                raise ld.fail(where, f"no [maps.{src.map}]")
            if src.scale is not None and src.scale not in m.scales:
                raise ld.fail(where, f"no [scales.{src.scale}]")
            if where.endswith("status") and src.map is not None:
                bad = set(m.maps[src.map].values()) - statuses
                if bad:
                    raise ld.fail(f"maps.{src.map}", f"not a company status: {sorted(bad)}")
    for e in m.report.events:
        for src in e.kind.sources:
            if src.const is not MISSING and src.const not in kinds:
                raise ld.fail("report.negative_events", f"not an event kind: {src.const!r}")
            if src.map is not None and set(m.maps[src.map].values()) - kinds:
                raise ld.fail(f"maps.{src.map}", f"not event kinds: {sorted(set(m.maps[src.map].values()) - kinds)}")
