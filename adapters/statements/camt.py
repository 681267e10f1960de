"""ISO 20022 cash management messages: camt.053 (statement), camt.052 (intraday report), camt.054
(debit/credit notification), every message version from .001.01 to .001.13.

The three share their structure: a message element (``BkToCstmrStmt`` / ``BkToCstmrAcctRpt`` /
``BkToCstmrDbtCdtNtfctn``, ``...V01`` in some .001.01 files) with a ``GrpHdr`` and repeated statements
(``Stmt`` / ``Rpt`` / ``Ntfctn``), each with a header, balances and entries (``Ntry``). Banks send the
namespace of the version, of another version, or none, so everything is matched by local name.

Reading streams on ``end`` events only: when the first ``Ntry`` of a statement ends, the header
elements before it are complete, so the statement is yielded then; each entry is turned into
transactions and dropped from the tree right away.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from typing import Any, BinaryIO, cast

from lxml import etree

from adapters.statements._camt_entry import read_entry
from adapters.statements._camt_header import read_header_child
from adapters.statements._camt_values import NAMES, child_text, learn_name, name_of
from adapters.statements._xml import iterparse
from gateway.errors import InputError
from gateway.model import Account, Source, Statement, Transaction

_MESSAGES = {b"BkToCstmrStmt": "053", b"BkToCstmrAcctRpt": "052", b"BkToCstmrDbtCdtNtfctn": "054"}
_MESSAGE_ELEMENT = re.compile(
    rb"<(?:[A-Za-z_][\w.\-]*:)?(BkToCstmrStmt|BkToCstmrAcctRpt|BkToCstmrDbtCdtNtfctn)(?:V\d+)?[\s/>]"
)
_NAMESPACE_DECLARATION = re.compile(
    rb"""xmlns(?::[\w.\-]+)?\s*=\s*["']urn:iso:std:iso:20022:tech:xsd:camt\.(05[234])\.001\.\d+\s*["']"""
)
_NAMESPACE = re.compile(r"urn:iso:std:iso:20022:tech:xsd:(camt\.(05\d)\.001\.\d+)")
_BYTE_ORDER_MARKS = (b"\xff\xfe", b"\xfe\xff")

# What an element is to the reader; anything else is read as part of the elements above.
_OTHER, _ENTRY, _STATEMENT, _GROUP_HEADER, _MESSAGE = range(5)


def sniff(head: bytes) -> str | None:
    """Which camt message ("052", "053", "054") the first bytes of a document are, if any.

    The message element decides; without it in sight (an empty message), the namespace does.
    """
    if head.startswith(_BYTE_ORDER_MARKS):
        head = head.decode("utf-16", errors="ignore").encode("utf-8")
    if not head.lstrip(b"\xef\xbb\xbf \t\r\n").startswith(b"<"):
        return None
    found = _MESSAGE_ELEMENT.search(head)
    if found is not None:
        return _MESSAGES[found.group(1)]
    declared = _NAMESPACE_DECLARATION.search(head)
    return declared.group(1).decode() if declared is not None else None


class CamtParser:
    """One camt message kind; the three module-level instances are the registered adapters."""

    def __init__(self, name: str, number: str, message: str, statement: str) -> None:
        self.name = name
        self.number = number
        self.message = message
        self.statement = statement
        self._versioned_message = re.compile(re.escape(message) + r"V\d+")
        # Only these elements' ends matter; lxml skips the others without waking Python (the loop sees
        # four kinds of element ends instead of every element's: about 1.5x faster on large files).
        self.event_filter: dict[str, Any] = {"tag": ("{*}Ntry", "{*}" + statement, "{*}GrpHdr", "{*}" + message)}

    def __repr__(self) -> str:
        return f"CamtParser({self.name!r})"

    def detect(self, head: bytes) -> bool:
        return sniff(head) == self.number

    def parse(self, stream: BinaryIO, source: Source) -> Iterator[Statement | Transaction]:
        source.format = self.name
        source.dialect = "iso20022"
        source.encoding = source.encoding or "utf-8"
        return _Reader(self, source).run(stream)

    def classify(self, tag: object) -> int:
        name = name_of(tag)
        if name == "Ntry":
            return _ENTRY
        if name == self.statement:
            return _STATEMENT
        if name == "GrpHdr":
            return _GROUP_HEADER
        if name == self.message or self._versioned_message.fullmatch(name):
            return _MESSAGE
        return _OTHER


_XML_DECLARATION_ENCODING = re.compile(rb"""<\?xml[^>]*?\sencoding\s*=\s*["']([A-Za-z0-9._\-]+)["']""")


def declared_encoding(head: bytes) -> str:
    """The encoding the document declares (lxml does not report it while streaming); UTF-8 by default."""
    if head.startswith(_BYTE_ORDER_MARKS):
        return "utf-16"
    found = _XML_DECLARATION_ENCODING.match(head.lstrip(b"\xef\xbb\xbf \t\r\n"))
    return found.group(1).decode("ascii").lower() if found is not None else "utf-8"


class _HeadRecorder:
    """Passes reads through to the stream and keeps the first bytes (for the XML declaration)."""

    def __init__(self, stream: BinaryIO) -> None:
        self._read = stream.read
        self.first = b""

    def read(self, size: int = -1) -> bytes:
        data = self._read(size)
        if not self.first:
            self.first = data[:256]
        return data


def _path(elem: etree._Element) -> str:
    parts: list[str] = []
    node: etree._Element | None = elem
    while node is not None:
        parts.append(name_of(node.tag))
        node = node.getparent()
    return "/" + "/".join(reversed(parts))


class _Reader:
    """The state of reading one document."""

    def __init__(self, kind: CamtParser, source: Source) -> None:
        self.kind = kind
        self.source = source
        self.kinds: dict[object, int] = {}
        self.warnings: list[str] = []
        self.root_name = "Document"
        self.message_id: str | None = None
        self.root: etree._Element | None = None
        self.message_path: str | None = None
        self.statement_count = 0
        self.bal_index = 0

    def kind_of(self, tag: object) -> int:
        kind = self.kinds.get(tag)
        if kind is None:
            kind = self.kind.classify(tag)
            if len(self.kinds) < 4096:
                self.kinds[tag] = kind
        return kind

    def run(self, stream: BinaryIO) -> Iterator[Statement | Transaction]:
        kinds = self.kinds
        kind_of = self.kind_of
        started = False
        in_statement = False
        entry_index = 0
        statement_path = ""
        statement: Statement | None = None
        head = _HeadRecorder(stream)
        for _event, elem in iterparse(cast(BinaryIO, head), events=("end",), **self.kind.event_filter):
            kind = kinds.get(elem.tag)
            if kind is None:
                if not started:
                    started = True
                    self._start(elem, head.first)
                kind = kind_of(elem.tag)
            if not kind:
                continue
            if kind == _ENTRY:
                parent = elem.getparent()
                if parent is None or kind_of(parent.tag) != _STATEMENT:
                    continue
                if not in_statement:
                    in_statement = True
                    entry_index = 0
                    statement = self._begin(parent, elem)
                    statement_path = statement.location
                    yield statement
                assert statement is not None
                entry_index += 1
                yield from read_entry(
                    elem, f"{statement_path}/Ntry[{entry_index}]", entry_index, statement.account.currency
                )
                # The entry is done: empty it and drop what precedes it (header, earlier entries).
                elem.clear()
                while elem.getprevious() is not None:
                    del parent[0]
            elif kind == _STATEMENT:
                parent = elem.getparent()
                if parent is None or kind_of(parent.tag) != _MESSAGE:
                    continue
                if in_statement:
                    assert statement is not None
                    self._trailing(statement, elem)
                    in_statement = False
                else:
                    yield self._begin(elem, None)
                elem.clear()
                while elem.getprevious() is not None:
                    del parent[0]
            elif kind == _GROUP_HEADER:
                self.message_id = child_text(elem, "MsgId")
                elem.clear()
        if self.statement_count == 0:
            self._explain_empty()

    def _explain_empty(self) -> None:
        """No statement was read: say whether the message element or its statements are missing."""
        root = self.root
        if root is not None:
            for elem in (root, *root):
                if self.kind_of(elem.tag) == _MESSAGE:
                    raise InputError(
                        f"the {name_of(elem.tag)} message has no {self.kind.statement} element "
                        f"(no {self._what()} in this file)",
                        where=_path(elem),
                    )
        raise InputError(
            f"no {self.kind.message} message under {self.root_name}: this is not a {self._label()} document",
            where=f"/{self.root_name}",
        )

    def _what(self) -> str:
        return {"053": "statement", "052": "account report", "054": "notification"}[self.kind.number]

    def _label(self) -> str:
        return f"camt.{self.kind.number}"

    def _start(self, first: etree._Element, head: bytes) -> None:
        """Learn namespace, version and encoding from the document itself."""
        tree = first.getroottree()
        root = self.root = tree.getroot()
        self.root_name = name_of(root.tag) or "Document"
        self.source.encoding = declared_encoding(head)
        namespace = etree.QName(root).namespace if isinstance(root.tag, str) else None
        found = _NAMESPACE.fullmatch(namespace or "")
        if found is not None:
            self.source.version = found.group(1)
            if found.group(2) != self.kind.number:
                self.warnings.append(
                    f"the namespace says {found.group(1)} but the message is {self.kind.message}; "
                    f"read as {self._label()}"
                )
        else:
            self.source.version = None
            self.warnings.append(
                f"the document has no camt namespace ({namespace or 'none'}); read as {self._label()} "
                "by its message element"
            )

    def _begin(self, elem: etree._Element, first_entry: etree._Element | None) -> Statement:
        """A new statement from the header children of ``elem`` (those before ``first_entry``)."""
        if self.message_path is None:
            parent = elem.getparent()
            self.message_path = _path(parent) if parent is not None else ""
        self.statement_count += 1
        location = f"{self.message_path}/{self.kind.statement}[{self.statement_count}]"
        statement = Statement(
            source=self.source, account=Account(), location=location, message_id=self.message_id,
            warnings=list(self.warnings),
        )
        names = NAMES
        self.bal_index = 0
        for c in elem:
            if c is first_entry:
                break
            name = names.get(c.tag) or learn_name(c.tag)
            if name == "Bal":
                self.bal_index += 1
            read_header_child(statement, c, name, location, self.bal_index)
        return statement

    def _trailing(self, statement: Statement, elem: etree._Element) -> None:
        """Balances written after the entries (outside the schema order, but seen)."""
        names = NAMES
        for c in elem:
            if (names.get(c.tag) or learn_name(c.tag)) == "Bal":
                self.bal_index += 1
                read_header_child(statement, c, "Bal", statement.location, self.bal_index)


CAMT053 = CamtParser("camt053", "053", "BkToCstmrStmt", "Stmt")
CAMT052 = CamtParser("camt052", "052", "BkToCstmrAcctRpt", "Rpt")
CAMT054 = CamtParser("camt054", "054", "BkToCstmrDbtCdtNtfctn", "Ntfctn")
