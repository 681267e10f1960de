"""Regression by data: every bundled statement fixture parses to the reviewed JSON kept in tests/golden/.

After a deliberate change, regenerate with ``GATEWAY_UPDATE_GOLDEN=1 pytest tests/test_golden.py`` and review the
diff like code: every changed amount, sign, date or reference must be explained.
"""

from __future__ import annotations

import json
import os
from pathlib import Path

import pytest

from gateway.statement_json import parsed_json
from gateway.statements import read

ROOT = Path(__file__).resolve().parents[1]
FIXTURES = ROOT / "fixtures" / "statements"
GOLDEN = Path(__file__).resolve().parent / "golden"
FORMATS = ("camt", "ofx", "mt940")


def _fixtures() -> list[Path]:
    return sorted(
        p for fmt in FORMATS for p in (FIXTURES / fmt).glob("*") if p.is_file() and not p.name.startswith(".")
    )


def _normalised(path: Path) -> dict[str, object]:
    parsed = read(path)
    data = parsed_json(parsed.source, parsed.statements)
    data["file"] = path.relative_to(ROOT).as_posix()
    return data


@pytest.mark.parametrize("fixture", _fixtures(), ids=lambda p: p.relative_to(FIXTURES).as_posix())
def test_fixture_parses_to_its_reviewed_json(fixture: Path) -> None:
    golden = GOLDEN / fixture.relative_to(FIXTURES).with_suffix(fixture.suffix + ".json")
    got = _normalised(fixture)
    if os.environ.get("GATEWAY_UPDATE_GOLDEN") == "1":
        golden.parent.mkdir(parents=True, exist_ok=True)
        golden.write_text(json.dumps(got, indent=2, ensure_ascii=False) + "\n", encoding="utf-8")
    assert golden.is_file(), f"no reviewed output for {fixture.name}; generate and review it"
    assert got == json.loads(golden.read_text(encoding="utf-8"))
