"""The header of a camt statement (Stmt / Rpt / Ntfctn): identification, account and balances.

Element order per the camt.05x schemas: Id, ElctrncSeqNb, LglSeqNb, CreDtTm, FrToDt, CpyDplctInd,
RptgSrc, Acct, RltdAcct, Intrst, Bal*, TxsSummry, Ntry*, AddtlStmtInf. Everything but the entries
is read here, from the children that precede the first Ntry (and again for any that follow the last).
"""

from __future__ import annotations

from lxml import etree

from adapters.statements._camt_values import (
    NAMES,
    amount_of,
    child_text,
    currency_of,
    date_choice,
    date_of,
    datetime_of,
    learn_name,
    signed,
    text_of,
)
from gateway.errors import InputError
from gateway.model import Account, Balance, Statement

OPENING = "OPBD"
OPENING_FALLBACK = "PRCD"  # previously closed booked: yesterday's closing is today's opening
CLOSING = "CLBD"


def read_header_child(
    statement: Statement, elem: etree._Element, name: str, where: str, bal_index: int
) -> None:
    """Take one direct child of the statement element into ``statement``."""
    if name == "Bal":
        where = f"{where}/Bal[{bal_index}]"
        add_balance(statement, read_balance(elem, where, statement.account.currency, statement.warnings))
    elif name == "Acct":
        _read_account(statement.account, elem)
    elif name == "Id":
        statement.statement_id = text_of(elem)
    elif name == "ElctrncSeqNb":
        statement.electronic_sequence_number = text_of(elem)
    elif name == "LglSeqNb":
        statement.sequence_number = text_of(elem)
    elif name == "CreDtTm":
        statement.created_at = datetime_of(elem, f"{where}/CreDtTm")
    elif name == "FrToDt":
        _read_period(statement, elem, f"{where}/FrToDt")


def add_balance(statement: Statement, balance: Balance) -> None:
    statement.balances.append(balance)
    if balance.type == OPENING:
        if statement.opening_balance is None or statement.opening_balance.type != OPENING:
            statement.opening_balance = balance
    elif balance.type == OPENING_FALLBACK:
        if statement.opening_balance is None:
            statement.opening_balance = balance
    elif balance.type == CLOSING and statement.closing_balance is None:
        statement.closing_balance = balance


def _read_period(statement: Statement, elem: etree._Element, where: str) -> None:
    names = NAMES
    for c in elem:
        name = names.get(c.tag) or learn_name(c.tag)
        if name == "FrDtTm" or name == "FrDt":
            statement.period_start = date_of(c, f"{where}/{name}")
        elif name == "ToDtTm" or name == "ToDt":
            statement.period_end = date_of(c, f"{where}/{name}")


def _read_account(account: Account, elem: etree._Element) -> None:
    names = NAMES
    for c in elem:
        name = names.get(c.tag) or learn_name(c.tag)
        if name == "Id":
            for ident in c:
                kind = names.get(ident.tag) or learn_name(ident.tag)
                if kind == "IBAN":
                    account.iban = text_of(ident)
                elif kind == "Othr" or kind == "PrtryAcct":
                    account.number = child_text(ident, "Id")
                elif kind == "BBAN" or kind == "UPIC":  # camt.05x.001.01/.02 account identifications
                    account.number = text_of(ident)
        elif name == "Ccy":
            account.currency = text_of(c)
        elif name == "Ownr":
            account.owner_name = party_name(c)
        elif name == "Svcr":
            for inst in c:
                if (names.get(inst.tag) or learn_name(inst.tag)) == "FinInstnId":
                    account.servicer_bic = bic_of(inst)


def party_name(elem: etree._Element) -> str | None:
    """Nm of a party; from camt.05x.001.08 on some parties nest it as Pty/Nm."""
    name = child_text(elem, "Nm")
    if name is None:
        for c in elem:
            if (NAMES.get(c.tag) or learn_name(c.tag)) == "Pty":
                return child_text(c, "Nm")
    return name


def bic_of(fin_instn_id: etree._Element) -> str | None:
    """BIC (up to .001.04), BICFI (.001.05 on) or BICOrBEI of a FinInstnId."""
    names = NAMES
    for c in fin_instn_id:
        name = names.get(c.tag) or learn_name(c.tag)
        if name == "BICFI" or name == "BIC" or name == "BICOrBEI":
            return text_of(c)
    return None


def read_balance(
    elem: etree._Element, where: str, default_currency: str | None, warnings: list[str]
) -> Balance:
    """One Bal: type code (ISO or proprietary), amount signed by CdtDbtInd, date.

    The schema requires CdtDbtInd; some banks leave it out of positive balances, so a missing one
    is read as CRDT with a warning (a present but wrong one is an error).
    """
    names = NAMES
    code: str | None = None
    amount_elem: etree._Element | None = None
    indicator: str | None = None
    when = None
    for c in elem:
        name = names.get(c.tag) or learn_name(c.tag)
        if name == "Tp":
            code = _balance_type(c)
        elif name == "Amt":
            amount_elem = c
        elif name == "CdtDbtInd":
            indicator = c.text
        elif name == "Dt":
            when = date_choice(c, where, "/Dt")
    if amount_elem is None:
        raise InputError("the balance has no amount (Amt)", where=where)
    if indicator is None:
        indicator = "CRDT"
        warnings.append(f"{where}: the balance has no CdtDbtInd; read as a credit balance")
    value = signed(amount_of(amount_elem, where, "/Amt"), indicator, where, "/CdtDbtInd")
    currency = currency_of(amount_elem) or default_currency
    if not currency:
        raise InputError("the balance amount has no currency (Amt/@Ccy)", where=f"{where}/Amt")
    if code is None:
        raise InputError("the balance has no type (Tp/CdOrPrtry/Cd or Prtry)", where=f"{where}/Tp")
    return Balance(type=code, amount=value, currency=currency, date=when)


def _balance_type(tp: etree._Element) -> str | None:
    """Tp/CdOrPrtry/Cd (ISO code) or Tp/CdOrPrtry/Prtry (the bank's own); also Tp/Cd without CdOrPrtry."""
    names = NAMES
    for c in tp:
        name = names.get(c.tag) or learn_name(c.tag)
        if name == "CdOrPrtry":
            return child_text(c, "Cd") or child_text(c, "Prtry")
        if name == "Cd" or name == "Prtry":
            return text_of(c)
    return None
