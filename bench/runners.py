"""One parser on one file, measured in this process: ``python -m bench.runners PARSER FILE``.

Prints one JSON line: transactions read, their signed sum, parse seconds, wall and CPU (imports and
interpreter start-up excluded), peak RSS of this process in MB, and RSS before parsing. ``bench.parse`` starts a
fresh interpreter per measurement so one parser's memory never inflates another's peak.
"""

from __future__ import annotations

import json
import resource
import sys
import time
from collections.abc import Callable
from decimal import Decimal
from pathlib import Path

# (transactions, sum of signed amounts, notes)
Result = tuple[int, Decimal, dict[str, object]]


def _peak_mb() -> float:
    # Linux reports ru_maxrss in KiB.
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def ours(path: Path) -> Callable[[], Result]:
    from gateway.model import Source, Statement
    from gateway.statements import iter_events, parsers

    parsers()  # loads the adapters through their entry points: an import, kept out of the timed part

    def run() -> Result:
        count, total = 0, Decimal(0)
        statements: list[Statement] = []
        source = Source(path=str(path))
        with path.open("rb") as handle:
            # The default size limit (512 MiB) guards production input; the benchmark measures speed only.
            for event in iter_events(handle, source, max_bytes=4 * 2**30):
                if isinstance(event, Statement):
                    statements.append(event)
                else:
                    count += 1
                    total += event.amount
        reconciled = sum(1 for s in statements if s.balances_reconcile)
        return (
            count,
            total,
            {"statements": len(statements), "reconciled": reconciled, "format": source.format},
        )

    return run


def lxml_bare(path: Path) -> Callable[[], Result]:
    """The ceiling for camt in Python: lxml iterparse on ``Ntry`` ends, the fields our camt adapter
    reads (amount, sign, status, dates, refs, bank transaction code, counterparty name and IBAN,
    remittance), element clearing; no checks, no model objects. Children are looked up through one
    dict per element, which measured faster than lxml's ``find`` paths."""
    from datetime import date

    from lxml import etree

    with path.open("rb") as handle:
        head = handle.read(4096).decode("utf-8", "replace")
    ns = "{" + head.split('xmlns="', 1)[1].split('"', 1)[0] + "}"
    ntry_tag, amt, ind, sts, bookg, valdt = (ns + t for t in ("Ntry", "Amt", "CdtDbtInd", "Sts", "BookgDt", "ValDt"))
    ntry_ref, svcr_ref, bktxcd, ntry_dtls, txdtls = (
        ns + t for t in ("NtryRef", "AcctSvcrRef", "BkTxCd", "NtryDtls", "TxDtls")
    )
    refs_tag, e2e, mndt, parties, rmtinf, ustrd, strd = (
        ns + t for t in ("Refs", "EndToEndId", "MndtId", "RltdPties", "RmtInf", "Ustrd", "Strd")
    )
    dbtr, dbtr_acct, cdtr, cdtr_acct = (ns + t for t in ("Dbtr", "DbtrAcct", "Cdtr", "CdtrAcct"))
    domn_path, ref_path = f"{ns}Domn", f"{ns}CdtrRefInf/{ns}Ref"

    def run() -> Result:
        count, total = 0, Decimal(0)
        kept = 0
        with path.open("rb") as handle:
            context = etree.iterparse(
                handle,
                events=("end",),
                tag=ntry_tag,
                resolve_entities=False,
                no_network=True,
                load_dtd=False,
                huge_tree=False,
            )
            for _, entry in context:
                c = {child.tag: child for child in entry}
                entry_amount = Decimal(c[amt].text)
                entry_debit = c[ind].text == "DBIT"
                status_el = c[sts]
                status = status_el[0].text if len(status_el) else status_el.text
                booked = date.fromisoformat(c[bookg][0].text)
                value = date.fromisoformat(c[valdt][0].text)
                refs = (c[ntry_ref].text, c[svcr_ref].text)
                code = None
                if bktxcd in c:
                    domain = c[bktxcd].find(domn_path)
                    if domain is not None:
                        code = (domain[0].text, domain[1][0].text, domain[1][1].text)
                details = c.get(ntry_dtls)
                for tx in details.iterchildren(txdtls) if details is not None else ():
                    d = {child.tag: child for child in tx}
                    amount = Decimal(d[amt].text) if amt in d else entry_amount
                    debit = d[ind].text == "DBIT" if ind in d else entry_debit
                    if debit:
                        amount = -amount
                    r = {child.tag: child.text for child in d[refs_tag]} if refs_tag in d else {}
                    name = iban = None
                    if parties in d:
                        p = {child.tag: child for child in d[parties]}
                        party, account = (p.get(cdtr), p.get(cdtr_acct)) if debit else (p.get(dbtr), p.get(dbtr_acct))
                        if party is not None:
                            name = party[0][0].text if party[0].tag.endswith("Pty") else party[0].text
                        if account is not None:
                            iban = account[0][0].text
                    texts, reference = [], None
                    if rmtinf in d:
                        for part in d[rmtinf]:
                            if part.tag == ustrd:
                                texts.append(part.text or "")
                            elif part.tag == strd:
                                reference = part.findtext(ref_path)
                    row = (
                        amount,
                        status,
                        booked,
                        value,
                        refs,
                        code,
                        r.get(e2e),
                        r.get(mndt),
                        r.get(svcr_ref),
                        name,
                        iban,
                        " ".join(texts),
                        reference,
                    )
                    kept += row is not None
                    count += 1
                    total += amount
                entry.clear()
                parent = entry.getparent()
                while entry.getprevious() is not None:
                    del parent[0]
        return count, total, {}

    return run


def ofxtools(path: Path) -> Callable[[], Result]:
    from ofxtools.Parser import OFXTree

    def run() -> Result:
        tree = OFXTree()
        tree.parse(str(path))
        ofx = tree.convert()
        count, total = 0, Decimal(0)
        for statement in ofx.statements:
            for tx in statement.banktranlist:
                count += 1
                total += tx.trnamt
        return count, total, {}

    return run


def mt_940(path: Path) -> Callable[[], Result]:
    import mt940

    # By default mt-940 signs only a plain "D" negative, so an RC (reversal of a credit, a debit entry
    # per SWIFT MT940 field 61) comes back positive; its reversal_sign option reads it right.
    options = mt940.Options(reversal_sign=True)

    def run() -> Result:
        transactions = mt940.parse(str(path), options=options)
        count, total = 0, Decimal(0)
        for tx in transactions:
            count += 1
            total += tx.data["amount"].amount
        return count, total, {}

    return run


def bankstatementparser(path: Path) -> Callable[[], Result]:
    from bankstatementparser import CamtParser, Mt940Parser, OfxParser
    from bankstatementparser.input_validator import InputValidator

    # Its default 100 MB input cap would refuse the 200k camt file before reading anything.
    InputValidator.MAX_FILE_SIZE_BYTES = 4 * 2**30
    with path.open("rb") as handle:
        head = handle.read(512)

    def run() -> Result:
        if head.startswith(b"<?xml") and b"camt." in head:
            # Its streaming API (iterparse + clearing); its parse() builds the whole tree.
            count, total = 0, Decimal(0)
            for row in CamtParser(str(path), lazy=True).parse_streaming():
                count += 1
                total += Decimal(row["Amount"])
            return count, total, {"api": "CamtParser.parse_streaming"}
        parser = OfxParser(str(path)) if b"OFX" in head else Mt940Parser(str(path))
        frame = parser.parse()
        return len(frame), sum(frame["amount"], Decimal(0)), {"api": f"{type(parser).__name__}.parse"}

    return run


RUNNERS: dict[str, Callable[[Path], Callable[[], Result]]] = {
    "ours": ours,
    "lxml-bare": lxml_bare,
    "ofxtools": ofxtools,
    "mt-940": mt_940,
    "bankstatementparser": bankstatementparser,
}


def main() -> None:
    name, file = sys.argv[1], Path(sys.argv[2])
    run = RUNNERS[name](file)  # imports happen here, outside the timed part
    base = _peak_mb()
    cpu_started = time.process_time()
    started = time.perf_counter()
    count, total, notes = run()
    seconds = time.perf_counter() - started
    cpu_seconds = time.process_time() - cpu_started
    print(
        json.dumps(
            {
                "transactions": count,
                "total": str(total),
                "seconds": seconds,
                "cpu_seconds": cpu_seconds,
                "peak_mb": _peak_mb(),
                "base_mb": base,
                "notes": notes,
            }
        )
    )


if __name__ == "__main__":
    main()
