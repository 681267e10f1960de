"""Conformance: every real file of the shared corpus reads as its manifest says (skipped without the corpus).

For each good file: statement count, transaction count, every signed amount, sums and balances.
For each file under ``bad/``: a clear InputError naming the file.
"""

from __future__ import annotations

import json
import os
from collections import Counter
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest

from gateway.errors import InputError
from gateway.model import Statement, TxStatus
from gateway.statements import read
from tests.conformance.disputes import DISPUTES, NOT_YET_READ

CORPUS = Path(os.environ.get("GATEWAY_CORPUS_DIR", Path(__file__).resolve().parents[3] / "shared" / "corpus"))
MANIFEST = CORPUS / "manifest.json"

pytestmark = pytest.mark.corpus


def _entries() -> list[dict[str, Any]]:
    if not MANIFEST.is_file():
        return []
    return list(json.loads(MANIFEST.read_text(encoding="utf-8"))["files"])


ENTRIES = _entries()


def _dec(value: str | None) -> Decimal | None:
    return None if value is None else Decimal(value)


def _entry_amounts(st: Statement) -> list[Decimal]:
    seen: dict[int, Decimal] = {}
    for tx in st.transactions:
        seen.setdefault(tx.entry, tx.entry_amount)
    return [seen[k] for k in sorted(seen)]


def _check_sums(st: Statement, exp: dict[str, Any], amounts: list[Decimal]) -> None:
    credits = sum((a for a in amounts if a > 0), Decimal(0))
    debits = sum((-a for a in amounts if a < 0), Decimal(0))
    assert credits == Decimal(exp["credits_sum"]), "credits sum"
    assert debits == Decimal(exp["debits_sum"]), "debits sum"


def _check_camt(st: Statement, exp: dict[str, Any]) -> None:
    acct = exp["account"] or {}
    assert st.account.iban == acct.get("iban")
    if acct.get("other_id") is not None:
        assert st.account.number == acct["other_id"]
    assert st.statement_id == exp["statement_id"]
    assert st.currency == exp["currency"]
    assert (st.opening_balance.amount if st.opening_balance else None) == _dec(exp["opening_balance"])
    assert (st.closing_balance.amount if st.closing_balance else None) == _dec(exp["closing_balance"])
    got_bal = [(b.type, b.amount, b.currency, b.date.isoformat() if b.date else None) for b in st.balances]
    # The manifest keeps Dt/DtTm text as written; a balance date is the date part of it.
    want_bal = [(b["type"], Decimal(b["amount"]), b["currency"], b["date"] and b["date"][:10]) for b in exp["balances"]]
    assert got_bal == want_bal, "balances"
    amounts = _entry_amounts(st)
    assert len(amounts) == exp["entries_count"], "entry count"
    assert amounts == [Decimal(a) for a in exp["amounts"]], "entry amounts"
    _check_sums(st, exp, amounts)
    # Per TxDtls: where the manifest knows every detail amount of an entry, we split the same way.
    by_entry: dict[int, list[Decimal]] = {}
    for tx in st.transactions:
        by_entry.setdefault(tx.entry, []).append(tx.amount)
    # The manifest lists TxDtls only; entries without any TxDtls are absent there but still one transaction here.
    details = exp["tx_detail_amounts"]
    if len(st.transactions) == exp["tx_details_count"] and all(d is not None for d in details):
        got_details = [a for k in sorted(by_entry) for a in by_entry[k]]
        assert got_details == [Decimal(d) for d in details], "TxDtls amounts"
    reversals = {tx.entry for tx in st.transactions if tx.is_reversal}
    assert len(reversals) == exp["reversal_entries"], "reversal entries"
    if exp["balances_reconcile"] is not None and st.balances_reconcile is not None:
        assert st.balances_reconcile == exp["balances_reconcile"], "balance check"
    status = Counter(tx.status for tx in {tx.entry: tx for tx in st.transactions}.values())
    want_status = Counter()
    for code, n in exp["entry_status"].items():
        mapped = {"BOOK": TxStatus.BOOKED, "PDNG": TxStatus.PENDING, "INFO": TxStatus.INFO}.get(
            code.upper(), TxStatus.BOOKED
        )
        want_status[mapped] += n
    assert status == want_status, "entry status"


def _check_ofx(st: Statement, exp: dict[str, Any]) -> None:
    assert st.account.number == exp["account"]
    assert st.account.bank_id == exp.get("bank_id")
    assert st.currency == exp["currency"]
    assert st.account.kind == ("creditcard" if exp["statement_type"] == "CCSTMTRS" else st.account.kind)
    assert (st.closing_balance.amount if st.closing_balance else None) == _dec(exp["closing_balance"])
    if exp.get("available_balance") is not None:
        avail = [b.amount for b in st.balances if b.type == "CLAV"]
        assert avail == [Decimal(exp["available_balance"])], "available balance"
    amounts = [tx.amount for tx in st.transactions]
    assert len(amounts) == exp["transactions_count"]
    assert amounts == [Decimal(a) for a in exp["amounts"]]
    _check_sums(st, exp, amounts)


def _check_mt940(st: Statement, exp: dict[str, Any]) -> None:
    assert st.account.number == exp["account"]
    assert st.currency == exp["currency"]
    assert (st.opening_balance.amount if st.opening_balance else None) == _dec(exp["opening_balance"])
    assert (st.closing_balance.amount if st.closing_balance else None) == _dec(exp["closing_balance"])
    amounts = [tx.amount for tx in st.transactions]
    assert len(amounts) == exp["transactions_count"]
    assert amounts == [Decimal(a) for a in exp["amounts"]]
    _check_sums(st, exp, amounts)
    if exp.get("balances_reconcile") is not None and st.balances_reconcile is not None:
        assert st.balances_reconcile == exp["balances_reconcile"], "balance check"


CHECKS = {"camt053": _check_camt, "camt052": _check_camt, "camt054": _check_camt, "ofx": _check_ofx,
          "mt940": _check_mt940}


def _params() -> list[Any]:
    out = []
    for e in ENTRIES:
        marks = []
        if e["path"] in DISPUTES:
            marks.append(pytest.mark.xfail(reason=DISPUTES[e["path"]], strict=True))
        elif e["path"] in NOT_YET_READ:
            marks.append(pytest.mark.xfail(reason=NOT_YET_READ[e["path"]], strict=True))
        out.append(pytest.param(e, id=e["path"], marks=marks))
    return out


@pytest.mark.skipif(not MANIFEST.is_file(), reason="shared corpus not present")
@pytest.mark.parametrize("entry", _params())
def test_corpus_file(entry: dict[str, Any]) -> None:
    path = CORPUS / entry["path"]
    if entry.get("bad"):
        with pytest.raises(InputError) as err:
            read(path)
        assert str(path) in str(err.value), "the error names the file"
        return
    parsed = read(path)
    expected = entry["expected"]
    assert parsed.source.format == entry["format"], "format detected"
    assert len(parsed.statements) == expected["statements_count"], "statement count"
    for i, (st, exp) in enumerate(zip(parsed.statements, expected["statements"], strict=True)):
        try:
            CHECKS[entry["format"]](st, exp)
        except AssertionError as exc:
            raise AssertionError(f"statement {i + 1}: {exc}") from exc
