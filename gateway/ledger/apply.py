"""One imported file's bank transactions matched against the ledger and applied, inside the caller's
transaction: a payment per transaction the matcher does not ignore, its decision with the ranked
suggestions, automatic allocations and tolerance write-offs, and returns reopening what they undo."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import timedelta
from decimal import Decimal

from sqlalchemy import func, insert, or_, select
from sqlalchemy.orm import Session

from gateway.ledger import audit, posting
from gateway.ledger.money import ZERO, milli
from gateway.matching import Decision, Ledger, MatchingConfig, Status, reconcile
from gateway.model.invoice import Customer, Invoice
from gateway.model.references import CreditorReference
from gateway.model.statement import BankTxCode, Transaction, TxStatus
from gateway.storage.ledger_tables import (
    LedgerAudit,
    LedgerCustomer,
    LedgerCustomerAccount,
    LedgerDecision,
    LedgerInvoice,
    LedgerPayment,
)
from gateway.storage.tables import BankTransaction

MATCHER = "matcher"
IN_CHUNK = 500


@dataclass(slots=True)
class ApplyCounts:
    transactions: int = 0
    matched: int = 0
    suggested: int = 0
    unmatched: int = 0
    ignored: int = 0
    returns: int = 0
    matched_amount: dict[str, Decimal] = field(default_factory=dict)
    waiting_amount: dict[str, Decimal] = field(default_factory=dict)

    def add(self, other: ApplyCounts) -> None:
        for name in ("transactions", "matched", "suggested", "unmatched", "ignored", "returns"):
            setattr(self, name, getattr(self, name) + getattr(other, name))
        for mine, theirs in ((self.matched_amount, other.matched_amount), (self.waiting_amount, other.waiting_amount)):
            for currency, amount in theirs.items():
                mine[currency] = mine.get(currency, ZERO) + amount


def to_transaction(row: BankTransaction) -> Transaction:
    """The stored bank transaction back as the normalized model the matching core reads."""
    code = None
    if any((row.bank_tx_domain, row.bank_tx_family, row.bank_tx_subfamily, row.bank_tx_proprietary)):
        code = BankTxCode(
            row.bank_tx_domain, row.bank_tx_family, row.bank_tx_subfamily, row.bank_tx_proprietary, row.bank_tx_issuer
        )
    reference = None
    if row.structured_reference:
        reference = CreditorReference(
            row.structured_reference, row.structured_reference_type or "", row.structured_reference_valid
        )
    return Transaction(
        amount=row.amount,
        currency=row.currency,
        entry=row.entry,
        entry_amount=row.entry_amount,
        location=row.location,
        bank_ref=row.bank_ref,
        booking_date=row.booking_date,
        value_date=row.value_date,
        status=TxStatus(row.status),
        counterparty_name=row.counterparty_name,
        counterparty_iban=row.counterparty_iban,
        counterparty_account=row.counterparty_account,
        counterparty_bic=row.counterparty_bic,
        remittance_text=row.remittance_text,
        structured_reference=reference,
        end_to_end_id=row.end_to_end_id,
        mandate_id=row.mandate_id,
        creditor_id=row.creditor_id,
        bank_tx_code=code,
        is_reversal=row.is_reversal,
        return_reason=row.return_reason,
        original_amount=row.original_amount,
        original_currency=row.original_currency,
        exchange_rate=row.exchange_rate,
        batch_index=row.batch_index,
        batch_size=row.batch_size,
        entry_ref=row.entry_ref,
        extra=dict(row.extra or {}),
    )


def load_matching_ledger(session: Session, *, paid_lookback_days: int) -> Ledger:
    """Open invoices, and those paid recently (a second payment of a paid invoice is recognised), with the
    customers and every account they are known to pay from (imported or learned)."""
    since = audit.now() - timedelta(days=paid_lookback_days)
    rows = session.execute(
        select(
            LedgerInvoice.invoice_id,
            LedgerInvoice.customer_id,
            LedgerCustomer.name,
            LedgerInvoice.currency,
            LedgerInvoice.amount,
            LedgerInvoice.open_amount,
            LedgerInvoice.issue_date,
            LedgerInvoice.due_date,
            LedgerInvoice.reference,
        )
        .join(LedgerCustomer, LedgerCustomer.customer_id == LedgerInvoice.customer_id)
        .where(or_(LedgerInvoice.is_open.is_(True), LedgerInvoice.updated_at >= since))
        .execution_options(yield_per=20_000)
    )
    invoices = [Invoice(*row) for row in rows]
    ibans: dict[str, list[str]] = {}
    for cid, iban in session.execute(select(LedgerCustomerAccount.customer_id, LedgerCustomerAccount.iban)):
        ibans.setdefault(cid, []).append(iban)
    customers = [
        Customer(cid, name, tuple(ibans.get(cid, ())))
        for cid, name in session.execute(select(LedgerCustomer.customer_id, LedgerCustomer.name))
    ]
    return Ledger(invoices, customers)


def ledger_version(session: Session) -> int:
    """The newest audit row: every change to invoices, allocations or accounts writes one, under the
    ledger lock, so an unchanged value means an unchanged ledger."""
    return session.scalar(select(func.max(LedgerAudit.id))) or 0


class LedgerCache:
    """The matching ledger of the previous file, reused while nobody else changed the ledger (loading a
    million invoices per file would dominate a run). Callers hold the ledger lock around ``get`` and
    ``applied``, and call ``clear`` when their transaction does not commit."""

    def __init__(self) -> None:
        self.ledger: Ledger | None = None
        self.version: int | None = None
        self.loads = 0

    def get(self, session: Session, paid_lookback_days: int) -> Ledger:
        if self.ledger is None or self.version != ledger_version(session):
            self.ledger = load_matching_ledger(session, paid_lookback_days=paid_lookback_days)
            self.loads += 1
        return self.ledger

    def applied(self, session: Session, *, diverged: bool) -> None:
        if diverged:
            self.clear()
        else:
            session.flush()
            self.version = ledger_version(session)

    def clear(self) -> None:
        self.ledger = None
        self.version = None


def pending_transactions(session: Session, import_file_id: int) -> list[BankTransaction]:
    """Booked transactions of the file that have no payment yet (all of them, unless a run was cut short
    after `gateway import` stored the file without the job)."""
    applied = select(LedgerPayment.bank_transaction_id).where(LedgerPayment.import_file_id == import_file_id)
    return list(
        session.scalars(
            select(BankTransaction)
            .where(
                BankTransaction.import_file_id == import_file_id,
                BankTransaction.status == TxStatus.BOOKED.value,
                BankTransaction.id.not_in(applied),
            )
            .order_by(BankTransaction.id)
        )
    )


def _suggestions(decision: Decision) -> list[dict[str, object]]:
    return [
        {"rank": rank, "invoice_ids": list(s.invoice_ids), "score": round(s.score, 4), "explanation": s.explanation}
        for rank, s in enumerate(decision.suggestions, 1)
    ]


def _invoices(session: Session, invoice_ids: Iterable[str]) -> dict[str, LedgerInvoice]:
    wanted = sorted(set(invoice_ids))
    found: dict[str, LedgerInvoice] = {}
    for start in range(0, len(wanted), IN_CHUNK):
        chunk = wanted[start : start + IN_CHUNK]
        found.update(
            (inv.invoice_id, inv)
            for inv in session.scalars(select(LedgerInvoice).where(LedgerInvoice.invoice_id.in_(chunk)))
        )
    return found


def _earlier_collection(session: Session, tx: Transaction) -> LedgerPayment | None:
    """The collection a return undoes, from an earlier run: same end-to-end id and amount, still allocated."""
    if not tx.end_to_end_id or tx.end_to_end_id.upper() == "NOTPROVIDED":
        return None
    return session.scalars(
        select(LedgerPayment)
        .where(
            LedgerPayment.end_to_end_id == tx.end_to_end_id,
            LedgerPayment.amount_milli == milli(-tx.amount),
            LedgerPayment.currency == tx.currency,
            LedgerPayment.status.in_(("matched", "allocated")),
        )
        .order_by(LedgerPayment.id.desc())
        .limit(1)
    ).first()


def apply_transactions(
    session: Session,
    rows: Sequence[BankTransaction],
    matching: MatchingConfig,
    *,
    paid_lookback_days: int = 180,
    origin: str = "",
    cache: LedgerCache | None = None,
) -> ApplyCounts:
    counts = ApplyCounts(transactions=len(rows))
    if not rows:
        return counts
    posting.lock_ledger(session)
    txs = [to_transaction(r) for r in rows]
    cache = cache or LedgerCache()
    ledger = cache.get(session, paid_lookback_days)
    decisions = reconcile(txs, ledger, config=matching, origins=[origin] * len(txs))
    by_tx = {id(d.transaction): d for d in decisions}
    pairs = [(row, by_tx[id(tx)]) for row, tx in zip(rows, txs, strict=True)]
    kept = [(row, d) for row, d in pairs if d.status != Status.IGNORED]
    counts.ignored = len(pairs) - len(kept)
    when = audit.now()
    payments: list[LedgerPayment] = []
    earlier: dict[int, LedgerPayment] = {}
    for row, d in kept:
        doubtful = row.possible_duplicate_of_id is not None and d.status == Status.MATCHED
        status = _payment_status(d, doubtful)
        if d.is_return:
            found = _earlier_collection(session, d.transaction)
            if found is not None:
                earlier[row.id] = found
                status = "return"
        explanation = d.explanation
        if doubtful:
            explanation = f"possible duplicate of transaction #{row.possible_duplicate_of_id}: {explanation}"
        payments.append(
            LedgerPayment(
                bank_transaction_id=row.id,
                import_file_id=row.import_file_id,
                account_key=row.account_key,
                bank_ref=row.bank_ref,
                booking_date=row.booking_date,
                amount=row.amount,
                amount_milli=milli(row.amount),
                currency=row.currency,
                counterparty_name=row.counterparty_name,
                counterparty_iban=(row.counterparty_iban or "").replace(" ", "").upper() or None,
                remittance_text=row.remittance_text,
                end_to_end_id=row.end_to_end_id,
                status=status,
                customer_id=d.customer_id if status in ("matched", "return") else None,
                unapplied=row.amount,
                confidence=float(d.confidence),
                explanation=explanation,
                created_at=when,
                updated_at=when,
            )
        )
    session.add_all(payments)
    session.flush()
    decision_ids = session.scalars(
        insert(LedgerDecision).returning(LedgerDecision.id, sort_by_parameter_order=True),
        [
            {
                "payment_id": pay.id,
                "status": pay.status,
                "reason": d.reason,
                "confidence": float(d.confidence),
                "explanation": pay.explanation,
                "suggestions": _suggestions(d),
                "decided_by": MATCHER,
                "created_at": when,
            }
            for pay, (_, d) in zip(payments, kept, strict=True)
        ],
    ).all()
    invoices = _invoices(session, (a.invoice_id for _, d in kept for a in d.allocations))
    batch: list[posting.Posting] = []
    for pay, (row, d), decision_id in zip(payments, kept, decision_ids, strict=True):
        if d.is_return:
            counts.returns += 1
        if pay.status in ("matched", "return"):
            _apply_decision(session, pay, d, decision_id, invoices, earlier.get(row.id), batch)
        if pay.status == "matched":
            counts.matched += 1
            counts.matched_amount[pay.currency] = counts.matched_amount.get(pay.currency, ZERO) + pay.amount
        elif pay.status in ("suggested", "unmatched"):
            counts.suggested += pay.status == "suggested"
            counts.unmatched += pay.status == "unmatched"
            counts.waiting_amount[pay.currency] = counts.waiting_amount.get(pay.currency, ZERO) + pay.amount
    posting.add_allocations(session, batch, actor=MATCHER)
    # The in-memory ledger followed every decision only if the database did exactly the same.
    diverged = bool(earlier) or any(r.possible_duplicate_of_id is not None for r, _ in kept)
    cache.applied(session, diverged=diverged)
    return counts


def _payment_status(d: Decision, doubtful: bool) -> str:
    if d.is_return:
        return "return" if d.status == Status.MATCHED else str(d.status)
    if doubtful:
        return "suggested"
    return str(d.status)


def _apply_decision(
    session: Session,
    pay: LedgerPayment,
    d: Decision,
    decision_id: int,
    invoices: dict[str, LedgerInvoice],
    earlier: LedgerPayment | None,
    batch: list[posting.Posting],
) -> None:
    """Collect the decision's allocations into ``batch``; returns and write-offs (rare) are written now,
    after the batch so far, so that every open amount changes in decision order."""
    if (d.is_return and earlier is not None) or any(a.write_off for a in d.allocations):
        posting.add_allocations(session, batch, actor=MATCHER)
        batch.clear()
    if d.is_return and earlier is not None:
        # Undo exactly what the collection paid (an earlier run's allocations), as negative allocations
        # of the return: both stay in the history, and the invoices are open again.
        for alloc in posting.active_allocations(session, earlier.id):
            inv = session.get_one(LedgerInvoice, alloc.invoice_id)
            posting.add_allocation(
                session,
                pay,
                inv,
                -alloc.amount,
                kind="return",
                actor=MATCHER,
                decision_id=decision_id,
                reason=f"direct-debit return ({d.return_reason or 'no reason code'}) of payment #{earlier.id}",
                evidence={"returned_payment_id": earlier.id, "returned_allocation_id": alloc.id},
            )
            pay.customer_id = inv.customer_id
        return
    kind = "return" if d.is_return else "auto"
    evidence: dict[str, object] = {"confidence": round(d.confidence, 4), "explanation": d.explanation}
    if not any(a.write_off for a in d.allocations):
        batch.extend(
            posting.Posting(pay, invoices[a.invoice_id], a.amount, kind, d.reason, decision_id, evidence)
            for a in d.allocations
            if a.amount
        )
        return
    for a in d.allocations:
        inv = invoices[a.invoice_id]
        if a.amount:
            posting.add_allocation(
                session,
                pay,
                inv,
                a.amount,
                kind=kind,
                actor=MATCHER,
                decision_id=decision_id,
                reason=d.reason,
                evidence=evidence,
            )
        if a.write_off:
            posting.add_write_off(
                session,
                inv,
                a.write_off,
                d.difference_reason or "difference within the matching tolerance",
                actor=MATCHER,
                payment_id=pay.id,
            )
