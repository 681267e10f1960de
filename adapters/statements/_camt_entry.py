"""One camt entry (Ntry) into transactions: one per TxDtls, or one for the whole entry.

ISO 20022 camt.05x ReportEntry: ``Amt`` + ``CdtDbtInd`` is what was booked on the account; the
``NtryDtls/TxDtls`` under it describe the payments it is made of (a direct-debit collection books many
payments as one entry). camt.05x.001.01 puts ``TxDtls`` directly under ``Ntry``; both are accepted.
"""

from __future__ import annotations

from datetime import date
from decimal import Decimal

from lxml import etree

from adapters.statements._camt_header import bic_of, party_name
from adapters.statements._camt_values import (
    NAMES,
    amount_of,
    child_text,
    currency_of,
    date_choice,
    learn_name,
    signed,
    text_of,
)
from gateway.errors import InputError
from gateway.model import BankTxCode, CreditorReference, Transaction, TxStatus
from gateway.model.references import CH_QRR, RF

# ExternalEntryStatus1Code; FUTR (future booking) is not on the account yet, like a pending entry.
_STATUS = {"BOOK": TxStatus.BOOKED, "PDNG": TxStatus.PENDING, "INFO": TxStatus.INFO, "FUTR": TxStatus.PENDING}
_ONE = Decimal(1)
_NOT_PROVIDED = "NOTPROVIDED"  # EPC: "end-to-end id not provided by the payer", i.e. no reference


class _Details:
    """What one TxDtls says, before it is matched up with its entry.

    Class attributes are the defaults: most TxDtls fill a handful of fields, and an instance that
    only stores what it found is cheaper to make (this runs once per payment).
    """

    amount: Decimal | None = None
    currency: str | None = None
    bank_ref: str | None = None
    end_to_end_id: str | None = None
    mandate_id: str | None = None
    creditor_id: str | None = None
    bank_tx_code: BankTxCode | None = None
    return_reason: str | None = None
    ustrd: str | None = None
    additional_info: str | None = None
    reference: CreditorReference | None = None
    instructed: Decimal | None = None
    instructed_currency: str | None = None
    rate: Decimal | None = None
    rate_source: str | None = None
    counterparty_name: str | None = None
    counterparty_iban: str | None = None
    counterparty_account: str | None = None
    counterparty_bic: str | None = None

    def __init__(self, location: str, credit: bool) -> None:
        self.location = location
        self.credit = credit
        self.extra: dict[str, str] = {}


# Fields that are merged when several TxDtls without amounts become one transaction.
_MERGED_FIELDS = tuple(
    f for f in _Details.__annotations__ if f not in ("amount", "currency", "ustrd")
)


def read_entry(
    ntry: etree._Element, where: str, index: int, default_currency: str | None
) -> list[Transaction]:
    """The transactions of the entry ``ntry`` (the ``index``-th of its statement, located at ``where``)."""
    names = NAMES
    amount_elem: etree._Element | None = None
    indicator: str | None = None
    reversal = False
    status = TxStatus.BOOKED
    status_code: str | None = None
    booking: date | None = None
    value: date | None = None
    entry_ref: str | None = None
    servicer_ref: str | None = None
    info: str | None = None
    code: BankTxCode | None = None
    details: list[tuple[etree._Element, str]] = []
    n_details_groups = 0
    n_flat = 0
    for c in ntry:
        name = names.get(c.tag) or learn_name(c.tag)
        if name == "Amt":
            amount_elem = c
        elif name == "CdtDbtInd":
            indicator = c.text
        elif name == "Sts":
            text = c.text
            status_code = text.strip() if text is not None and text.strip() else _status_code(c)
            if status_code is not None:
                found = _STATUS.get(status_code.upper())
                if found is None:
                    found = TxStatus.BOOKED
                else:
                    status_code = None  # a known code needs no mention in extra
                status = found
        elif name == "BookgDt":
            booking = date_choice(c, where, "/BookgDt")
        elif name == "ValDt":
            value = date_choice(c, where, "/ValDt")
        elif name == "AcctSvcrRef":
            servicer_ref = text_of(c)
        elif name == "BkTxCd":
            code = read_bank_tx_code(c)
        elif name == "NtryDtls":
            n_details_groups += 1
            j = 0
            for t in c:
                if (names.get(t.tag) or learn_name(t.tag)) == "TxDtls":
                    j += 1
                    details.append((t, f"{where}/NtryDtls[{n_details_groups}]/TxDtls[{j}]"))
        elif name == "NtryRef":
            entry_ref = text_of(c)
        elif name == "AddtlNtryInf":
            info = text_of(c)
        elif name == "RvslInd":
            reversal = (c.text or "").strip().lower() in ("true", "1")
        elif name == "TxDtls":  # camt.05x.001.01
            n_flat += 1
            details.append((c, f"{where}/TxDtls[{n_flat}]"))

    if amount_elem is None:
        raise InputError("the entry has no amount (Amt)", where=f"{where}/Amt")
    amount = signed(amount_of(amount_elem, where, "/Amt"), indicator, where, "/CdtDbtInd")
    currency = currency_of(amount_elem) or default_currency
    if not currency:
        raise InputError("the entry amount has no currency (Amt/@Ccy)", where=f"{where}/Amt")
    bank_ref = servicer_ref or entry_ref

    if not details:
        tx = Transaction(
            amount=amount, currency=currency, entry=index, entry_amount=amount, location=where,
            bank_ref=bank_ref, booking_date=booking, value_date=value, status=status, remittance_text=info,
            bank_tx_code=code, is_reversal=reversal, entry_ref=entry_ref,
        )
        if status_code is not None:
            tx.extra["status"] = status_code
        return [tx]

    credit = amount > 0 or (amount == 0 and indicator is not None and indicator.strip() == "CRDT")
    entry_text = amount_elem.text
    parts = [_read_details(t, path, credit, reversal, entry_text, amount) for t, path in details]
    batch = len(parts)
    merged_note: str | None = None
    if batch == 1:
        only = parts[0]
        if only.amount is None:
            only.amount, only.currency = amount, currency
    else:
        missing = [p for p in parts if p.amount is None]
        if len(missing) == 1 and all(p.currency == currency for p in parts if p.amount is not None):
            # One detail lacks its amount, the others are in the booked currency: it is the rest.
            rest = amount - sum((p.amount for p in parts if p.amount is not None), Decimal(0))
            missing[0].amount, missing[0].currency = rest, currency
            missing[0].extra["amount_source"] = "remainder of the entry amount"
        elif missing:
            # Splitting the entry amount would invent money: keep the entry as one transaction.
            merged_note = f"{batch} TxDtls of which {len(missing)} without amount; booked as one transaction"
            parts = [_merge(parts, where, credit, amount, currency)]
            batch = 1

    out: list[Transaction] = []
    for i, p in enumerate(parts, 1):
        tx_currency = p.currency or currency
        original_amount = original_currency = rate = None
        if p.instructed_currency is not None and p.instructed_currency != tx_currency:
            original_currency = p.instructed_currency
            rate = p.rate
            if p.instructed is not None:
                original_amount = p.instructed if p.credit else -p.instructed
        extra = p.extra
        if status_code is not None:
            extra["status"] = status_code
        if merged_note is not None:
            extra["merged_tx_details"] = merged_note
        tx_amount = p.amount if p.amount is not None else amount
        out.append(
            Transaction(
                amount=tx_amount, currency=tx_currency, entry=index, entry_amount=amount,
                entry_currency=currency if tx_currency != currency else None,
                location=p.location if batch > 1 else where, bank_ref=p.bank_ref or bank_ref,
                booking_date=booking, value_date=value, status=status,
                counterparty_name=p.counterparty_name, counterparty_iban=p.counterparty_iban,
                counterparty_account=p.counterparty_account, counterparty_bic=p.counterparty_bic,
                remittance_text=p.ustrd or p.additional_info or info, structured_reference=p.reference,
                end_to_end_id=p.end_to_end_id, mandate_id=p.mandate_id, creditor_id=p.creditor_id,
                bank_tx_code=p.bank_tx_code or code, is_reversal=reversal, return_reason=p.return_reason,
                original_amount=original_amount, original_currency=original_currency, exchange_rate=rate,
                batch_index=i if batch > 1 else None, batch_size=batch, entry_ref=entry_ref, extra=extra,
            )
        )
    return out


def _status_code(sts: etree._Element) -> str | None:
    """Sts/Cd (camt.05x.001.08 on) or Sts/Prtry."""
    return child_text(sts, "Cd") or child_text(sts, "Prtry")


_CODES: dict[tuple[str | None, ...], BankTxCode] = {}


def read_bank_tx_code(elem: etree._Element) -> BankTxCode | None:
    """BkTxCd: Domn/Cd + Fmly/Cd + Fmly/SubFmlyCd and/or Prtry/Cd (+ Issr).

    A file uses few distinct codes, so equal codes share one BankTxCode (treat it as read-only).
    """
    names = NAMES
    domain = family = subfamily = proprietary = issuer = None
    for c in elem:
        name = names.get(c.tag) or learn_name(c.tag)
        if name == "Domn":
            for d in c:
                dname = names.get(d.tag) or learn_name(d.tag)
                if dname == "Cd":
                    domain = text_of(d)
                elif dname == "Fmly":
                    for f in d:
                        fname = names.get(f.tag) or learn_name(f.tag)
                        if fname == "Cd":
                            family = text_of(f)
                        elif fname == "SubFmlyCd":
                            subfamily = text_of(f)
        elif name == "Prtry":
            for p in c:
                pname = names.get(p.tag) or learn_name(p.tag)
                if pname == "Cd":
                    proprietary = text_of(p)
                elif pname == "Issr":
                    issuer = text_of(p)
    if domain is None and family is None and proprietary is None:
        return None
    key = (domain, family, subfamily, proprietary, issuer)
    code = _CODES.get(key)
    if code is None:
        code = BankTxCode(domain, family, subfamily, proprietary, issuer)
        if len(_CODES) < 1024:
            _CODES[key] = code
    return code


def _read_details(
    tx: etree._Element,
    where: str,
    entry_credit: bool,
    reversal: bool,
    entry_text: str | None,
    entry_amount: Decimal,
) -> _Details:
    names = NAMES
    d = _Details(where, entry_credit)
    parties: etree._Element | None = None
    agents: etree._Element | None = None
    amount_elem: etree._Element | None = None
    amount_suffix = "/Amt"
    indicator: str | None = None
    for c in tx:
        name = names.get(c.tag) or learn_name(c.tag)
        if name == "Refs":
            _read_refs(c, d)
        elif name == "Amt":
            amount_elem = c
        elif name == "CdtDbtInd":
            indicator = c.text
        elif name == "AmtDtls":
            found = _read_amount_details(c, d, where)
            if found is not None and amount_elem is None:
                amount_elem = found
                amount_suffix = "/AmtDtls/TxAmt/Amt"
        elif name == "BkTxCd":
            d.bank_tx_code = read_bank_tx_code(c)
        elif name == "RltdPties":
            parties = c
        elif name == "RltdAgts":
            agents = c
        elif name == "RmtInf":
            _read_remittance(c, d)
        elif name == "RtrInf":
            _read_return(c, d)
        elif name == "AddtlTxInf":
            d.additional_info = text_of(c)
    if indicator is not None:
        d.credit = signed(_ONE, indicator, where, "/CdtDbtInd") > 0
    # For a credit the other party is the debtor, for a debit the creditor. A reversal is booked
    # opposite to the payment it undoes, and its counterparty stays that payment's.
    payer = d.credit != reversal
    if parties is not None:
        _read_parties(parties, d, payer)
    if agents is not None:
        d.counterparty_bic = _agent_bic(agents, "DbtrAgt" if payer else "CdtrAgt")
    if amount_elem is not None:
        if amount_elem.text == entry_text and d.credit == entry_credit:
            d.amount = entry_amount  # the usual single detail repeating its entry: one Decimal for both
        else:
            value = amount_of(amount_elem, where, amount_suffix)
            d.amount = value if d.credit else -value
        d.currency = currency_of(amount_elem)
    return d


def _read_refs(refs: etree._Element, d: _Details) -> None:
    names = NAMES
    for r in refs:
        name = names.get(r.tag) or learn_name(r.tag)
        if name == "EndToEndId":
            text = text_of(r)
            if text is not None and text.upper() != _NOT_PROVIDED:
                d.end_to_end_id = text
        elif name == "AcctSvcrRef":
            d.bank_ref = text_of(r)
        elif name == "MndtId":
            d.mandate_id = text_of(r)
        elif name == "InstrId":
            _keep(d.extra, "instruction_id", text_of(r))
        elif name == "TxId":
            _keep(d.extra, "transaction_id", text_of(r))
        elif name == "UETR":
            _keep(d.extra, "uetr", text_of(r))
        elif name == "ChqNb":
            _keep(d.extra, "cheque_number", text_of(r))


def _keep(extra: dict[str, str], key: str, value: str | None) -> None:
    if value is not None:
        extra[key] = value


def _read_amount_details(amt_dtls: etree._Element, d: _Details, where: str) -> etree._Element | None:
    """AmtDtls: InstdAmt (what the payer instructed), TxAmt (what was booked), CcyXchg under either.

    Returns TxAmt/Amt, the detail amount to use when TxDtls/Amt is absent.
    """
    names = NAMES
    booked: etree._Element | None = None
    for c in amt_dtls:
        name = names.get(c.tag) or learn_name(c.tag)
        if name not in ("InstdAmt", "TxAmt", "CntrValAmt"):
            continue
        for part in c:
            pname = names.get(part.tag) or learn_name(part.tag)
            if pname == "Amt":
                if name == "TxAmt":
                    booked = part
                elif name == "InstdAmt":
                    d.instructed = amount_of(part, where, "/AmtDtls/InstdAmt/Amt")
                    d.instructed_currency = currency_of(part)
            elif pname == "CcyXchg":
                _read_exchange(part, d, name, f"{where}/AmtDtls/{name}/CcyXchg")
    return booked


# The rate quoted with the booked amount is the one that was applied; others are informative.
_RATE_PREFERENCE = {"TxAmt": 0, "InstdAmt": 1, "CntrValAmt": 2}


def _read_exchange(xchg: etree._Element, d: _Details, owner: str, where: str) -> None:
    if d.rate_source is not None and _RATE_PREFERENCE[d.rate_source] <= _RATE_PREFERENCE[owner]:
        return
    names = NAMES
    for c in xchg:
        name = names.get(c.tag) or learn_name(c.tag)
        if name == "XchgRate":
            d.rate = amount_of(c, f"{where}/XchgRate")
            d.rate_source = owner
        elif name == "SrcCcy":
            _keep(d.extra, "exchange_source_currency", text_of(c))
        elif name == "TrgtCcy":
            _keep(d.extra, "exchange_target_currency", text_of(c))
        elif name == "UnitCcy":
            _keep(d.extra, "exchange_unit_currency", text_of(c))
    if d.instructed_currency is None and owner == "TxAmt":
        # No InstdAmt: the source currency of the conversion is the original one.
        d.instructed_currency = d.extra.get("exchange_source_currency")


def _account_id(acct: etree._Element) -> tuple[str | None, str | None]:
    """(IBAN, other id) of a CashAccount: Id/IBAN or Id/Othr/Id."""
    names = NAMES
    for c in acct:
        if (names.get(c.tag) or learn_name(c.tag)) == "Id":
            for ident in c:
                kind = names.get(ident.tag) or learn_name(ident.tag)
                if kind == "IBAN":
                    return text_of(ident), None
                if kind == "Othr" or kind == "PrtryAcct":
                    return None, child_text(ident, "Id")
                if kind == "BBAN" or kind == "UPIC":
                    return None, text_of(ident)
    return None, None


def _read_parties(parties: etree._Element, d: _Details, payer: bool) -> None:
    """RltdPties: the counterparty's name and account, ultimate parties, the SEPA creditor id."""
    names = NAMES
    party, account = ("Dbtr", "DbtrAcct") if payer else ("Cdtr", "CdtrAcct")
    for p in parties:
        name = names.get(p.tag) or learn_name(p.tag)
        if name == party:
            d.counterparty_name = party_name(p)
        elif name == account:
            d.counterparty_iban, d.counterparty_account = _account_id(p)
        if name == "Cdtr" or name == "CdtrSchmeId":
            d.creditor_id = _sepa_creditor_id(p) or d.creditor_id
        elif name == "UltmtDbtr":
            _keep(d.extra, "ultimate_debtor", party_name(p))
        elif name == "UltmtCdtr":
            _keep(d.extra, "ultimate_creditor", party_name(p))


def _sepa_creditor_id(party: etree._Element) -> str | None:
    """The SEPA creditor identifier: Id/PrvtId/Othr/Id whose SchmeNm/Prtry is SEPA (EPC SDD rulebook)."""
    for othr in party.iter("{*}Othr"):
        scheme = None
        ident = None
        for c in othr:
            name = NAMES.get(c.tag) or learn_name(c.tag)
            if name == "Id":
                ident = text_of(c)
            elif name == "SchmeNm":
                scheme = child_text(c, "Prtry") or child_text(c, "Cd")
        if ident is not None and scheme is not None and scheme.upper() == "SEPA":
            return ident
    return None


def _agent_bic(agents: etree._Element, which: str) -> str | None:
    """RltdAgts/DbtrAgt or CdtrAgt: the BIC of that party's bank."""
    names = NAMES
    for a in agents:
        if (names.get(a.tag) or learn_name(a.tag)) == which:
            for inst in a:
                if (names.get(inst.tag) or learn_name(inst.tag)) == "FinInstnId":
                    return bic_of(inst)
    return None


def _read_remittance(rmt: etree._Element, d: _Details) -> None:
    names = NAMES
    lines: list[str] = []
    for c in rmt:
        name = names.get(c.tag) or learn_name(c.tag)
        if name == "Ustrd":
            text = text_of(c)
            if text is not None:
                lines.append(text)
        elif name == "Strd":
            for s in c:
                sname = names.get(s.tag) or learn_name(s.tag)
                if sname == "CdtrRefInf" and d.reference is None:
                    d.reference = _creditor_reference(s)
                elif sname == "AddtlRmtInf":
                    text = text_of(s)
                    if text is not None:
                        prior = d.extra.get("additional_remittance")
                        d.extra["additional_remittance"] = f"{prior} {text}" if prior else text
    if lines:
        d.ustrd = " ".join(lines)


def _creditor_reference(info: etree._Element) -> CreditorReference | None:
    """CdtrRefInf: Ref with Tp/CdOrPrtry/Cd (SCOR) or Prtry (e.g. QRR) and Tp/Issr (ISO for RF)."""
    names = NAMES
    ref: str | None = None
    code: str | None = None
    proprietary: str | None = None
    issuer: str | None = None
    for c in info:
        name = names.get(c.tag) or learn_name(c.tag)
        if name == "Ref":
            ref = text_of(c)
        elif name == "Tp":
            for t in c:
                tname = names.get(t.tag) or learn_name(t.tag)
                if tname == "CdOrPrtry":
                    code = child_text(t, "Cd")
                    proprietary = child_text(t, "Prtry")
                elif tname == "Issr":
                    issuer = text_of(t)
    if ref is None:
        return None
    return CreditorReference.of(ref, _declared_type(code, proprietary, issuer))


def _declared_type(code: str | None, proprietary: str | None, issuer: str | None) -> str | None:
    if code == "SCOR":
        # SCOR issued by ISO is an ISO 11649 (RF) reference; another issuer means a national scheme.
        return RF if issuer is None or issuer.upper() == "ISO" else f"SCOR/{issuer}"
    if proprietary is not None:
        return {"QRR": CH_QRR, "ESR": CH_QRR}.get(proprietary.upper(), proprietary)
    return code


def _read_return(rtr: etree._Element, d: _Details) -> None:
    names = NAMES
    notes: list[str] = []
    for c in rtr:
        name = names.get(c.tag) or learn_name(c.tag)
        if name == "Rsn":
            d.return_reason = child_text(c, "Cd") or child_text(c, "Prtry")
        elif name == "AddtlInf":
            text = text_of(c)
            if text is not None:
                notes.append(text)
        elif name == "Orgtr":
            _keep(d.extra, "return_originator", party_name(c))
    if notes:
        d.extra["return_info"] = " ".join(notes)


_MERGED_NAMES = {"reference": "structured_reference", "instructed": "instructed_amount"}


def _merge(parts: list[_Details], where: str, credit: bool, amount: Decimal, currency: str) -> _Details:
    """Several TxDtls without amounts as one: what they agree on is kept, the rest listed in extra."""
    merged = _Details(where, credit)
    merged.amount, merged.currency = amount, currency
    for field in _MERGED_FIELDS:
        values: list[object] = []
        for p in parts:
            v = getattr(p, field)
            if v is not None and v not in values:
                values.append(v)
        if len(values) == 1:
            setattr(merged, field, values[0])
        elif values:
            merged.extra[_MERGED_NAMES.get(field, field) + "_all"] = "; ".join(str(v) for v in values)
    texts = [p.ustrd for p in parts if p.ustrd]
    if texts:
        merged.ustrd = "; ".join(dict.fromkeys(texts))
    for p in parts:
        for key, value in p.extra.items():
            merged.extra.setdefault(key, value)
    return merged
