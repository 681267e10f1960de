"""A streaming reader for the OFX body, one tokenizer for both OFX 1.x SGML and OFX 2.x XML.

OFX 1.x is SGML whose leaf elements need no end tag (``<TRNAMT>-12.34`` and the next tag follows);
OFX 2.x is XML where every element is closed. Both reduce to the same rule: a start tag followed by
text is a leaf (its end tag, if any, is skipped); a start tag of an aggregate (the OFX spec's term
for an element holding other elements) opens a level that its end tag must close. Which names are
aggregates is fixed by the OFX spec; the ones a bank or credit-card statement response uses are
listed in ``AGGREGATES``. Any other name without text is read as an empty leaf, so a bank's
proprietary wrapper (``<INTU.XXX>``) flattens into its parent instead of breaking the nesting.

What real files do that this copes with: leaf end tags written anyway, even nested like aggregates
(``<CODE>0 <SEVERITY>INFO </SEVERITY></CODE>``); everything on one line; an unescaped ``&``; comments.

Events are produced per aggregate of interest (``INTEREST``): a statement opening, a transaction
(``STMTTRN``) complete with its fields, a statement closing with all its (small) children. Every other
aggregate's fields are nested into its parent's dict as a dict, so memory stays flat: transactions are
never kept.

Safety (OFX 2.x is XML): a DOCTYPE or ENTITY declaration is refused, only the predefined XML
entities and numeric character references are ever decoded, nesting depth and the length of a single
value are bounded.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from operator import length_hint
from typing import BinaryIO, Union

from adapters.statements._ofx_header import DECLARATION_REFUSED
from gateway.errors import InputError, UnsafeInputError

# A leaf value (bytes) or a closed child aggregate (its fields).
Fields = dict[bytes, Union[bytes, "Fields"]]

AGGREGATES = frozenset(
    {
        b"OFX", b"SIGNONMSGSRSV1", b"SONRS", b"STATUS", b"FI",
        b"BANKMSGSRSV1", b"STMTTRNRS", b"STMTRS", b"BANKACCTFROM", b"BANKACCTTO",
        b"CREDITCARDMSGSRSV1", b"CCSTMTTRNRS", b"CCSTMTRS", b"CCACCTFROM", b"CCACCTTO",
        b"BANKTRANLIST", b"STMTTRN", b"PAYEE", b"CURRENCY", b"ORIGCURRENCY",
        b"LEDGERBAL", b"AVAILBAL", b"BALLIST", b"BAL",
    }
)
STATEMENTS = frozenset({b"STMTRS", b"CCSTMTRS"})
# Aggregates reported when they close (everything else nests into its parent).
INTEREST = frozenset({b"STMTTRN", b"STMTRS", b"CCSTMTRS", b"SONRS", b"STMTTRNRS", b"CCSTMTTRNRS"})

OPEN = 1  # a statement starts: (OPEN, name, its fields dict (filled while it is read), line)
CLOSE = 2  # an aggregate of interest is complete: (CLOSE, name, fields, line it started on)

Event = tuple[int, bytes, Fields, int]

_TAG = re.compile(rb"<([^<>]*)>")
_COMMENT = re.compile(rb"<!--.*?-->", re.DOTALL)
_CDATA = re.compile(rb"<!\[CDATA\[(.*?)\]\]>", re.DOTALL)
_DECLARATION = re.compile(rb"<!\s*(DOCTYPE|ENTITY|ELEMENT|ATTLIST|NOTATION)", re.IGNORECASE)
_AGGREGATE_START = re.compile(b"<(?:" + b"|".join(sorted(AGGREGATES)) + b")>")
# Tags with whitespace inside, self-closing tags, processing instructions.
_ODD_TAG = re.compile(rb"(<\?[^<>]*>)|<\s*(/?)\s*([^\s<>/]+)\s*(/?)\s*>")
CHUNK = 1 << 20
MAX_VALUE = 1 << 20  # longest run without a tag; an OFX value is at most a few hundred characters
MAX_DEPTH = 64


def _blank(match: re.Match[bytes]) -> bytes:
    """A comment becomes the newlines it held, so line numbers stay right."""
    return b"\n" * match.group(0).count(b"\n")


def _cdata_text(match: re.Match[bytes]) -> bytes:
    return match.group(1).replace(b"&", b"&amp;").replace(b"<", b"&lt;").replace(b">", b"&gt;")


def _special(data: bytes, line: int) -> bytes:
    """Comments, CDATA and declarations (rare; only looked at when ``<!`` occurs in a chunk)."""
    decl = _DECLARATION.search(data)
    if decl is not None:
        at = line + data.count(b"\n", 0, decl.start())
        raise UnsafeInputError(DECLARATION_REFUSED, where=f"line {at}")
    data = _COMMENT.sub(_blank, data)
    return _CDATA.sub(_cdata_text, data)


def _cut(buf: bytes) -> int:
    """Where to split ``buf`` so the first part holds only complete tags (and complete comments)."""
    cut = buf.rfind(b"<")
    for opener, closer in ((b"<!--", b"-->"), (b"<![CDATA[", b"]]>")):
        start = buf.rfind(opener, 0, cut + len(opener))
        if start >= 0 and buf.find(closer, start, cut) < 0:
            cut = min(cut, start)
    return cut


def _stray(data: bytes, line: int, eof: bool) -> InputError:
    """Name the first ``<`` that does not start a tag."""
    pos = 0
    for match in _TAG.finditer(data):
        bad = data.find(b"<", pos, match.start())
        if bad >= 0:
            pos = bad
            break
        pos = match.end()
    else:
        pos = data.find(b"<", pos)
    at = line + data.count(b"\n", 0, max(pos, 0))
    if eof and pos >= 0 and data.find(b">", pos) < 0:
        return InputError("the file ends in the middle of a tag: it is truncated", where=f"line {at}")
    snippet = data[pos: pos + 20].split(b"\n")[0].decode("ascii", "replace")
    return InputError(f"malformed tag: '<' does not start a tag here ({snippet!r})", where=f"line {at}")


def _canonical_tag(match: re.Match[bytes]) -> bytes:
    """``< NAME >`` -> ``<NAME>``; ``<NAME/>`` -> ``<NAME></NAME>``; a processing instruction goes."""
    whole = match.group(0)
    keep = b"\n" * whole.count(b"\n")
    if match.group(1) is not None:
        return keep
    end, name, empty = match.group(2, 3, 4)
    if empty:
        return b"<" + name + b"></" + name + b">" + keep
    return b"<" + end + name + b">" + keep


def _normalise(data: bytes) -> bytes:
    """Odd but harmless tag spellings, rewritten once per chunk so the hot loop needs no checks."""
    return _ODD_TAG.sub(_canonical_tag, data)


def _has_odd_tags(parts: list[bytes]) -> bool:
    """Any tag with whitespace inside, a self-closing tag or a processing instruction (few distinct tags
    per chunk, so this looks at each spelling once)."""
    for tag in set(parts[1::2]):
        if tag[:1] == b"?" or tag[-1:] == b"/" or len(tag.split()) != 1 or tag != tag.strip():
            return True
    return False


def _line_of(parts: list[bytes], index: int, base: int) -> int:
    """Line of ``parts[index]`` (error path only)."""
    return base + sum(p.count(b"\n") for p in parts[:index])


def read_body(stream: BinaryIO, first: bytes, first_line: int) -> Iterator[Event]:
    """Events of the OFX body; ``first`` is what was already read (starting at ``<OFX>``)."""
    line = first_line
    stack: list[tuple[bytes, Fields, int]] = []
    name_now = b""
    fields: Fields = {}
    root_seen = False
    buf = first
    eof = False
    aggregates, statements, slash = AGGREGATES, STATEMENTS, 47
    while True:
        if not eof:
            chunk = stream.read(CHUNK)
            if chunk:
                buf += chunk
            else:
                eof = True
        if eof:
            data, buf = buf, b""
        else:
            cut = _cut(buf)
            if cut <= 0:
                if len(buf) > MAX_VALUE + CHUNK:
                    raise InputError(
                        "a value longer than 1 MiB without any tag: this is not an OFX body",
                        where=f"line {line}",
                    )
                continue
            data, buf = buf[:cut], buf[cut:]
        if b"<!" in data:
            data = _special(data, line)
        parts = _TAG.split(data)
        if _has_odd_tags(parts):
            data = _normalise(data)
            parts = _TAG.split(data)
        if len(parts) != 2 * data.count(b"<") + 1 or b"<>" in data:
            raise _stray(data, line, eof)
        # Lines where aggregates start, counted in C rather than per token in the loop below.
        starts = []
        pos, at = 0, line
        for match in _AGGREGATE_START.finditer(data):
            at += data.count(b"\n", pos, match.start())
            pos = match.start()
            starts.append(at)
        next_start = iter(starts).__next__
        it = iter(parts)
        next(it)
        for tag, text in zip(it, it, strict=False):  # pairs (tag, the text after it)
            if tag in aggregates:
                at = next_start()
                if not stack:
                    if tag != b"OFX" or root_seen:
                        raise InputError(f"<{_s(tag)}> outside of the <OFX> element", where=f"line {at}")
                    root_seen = True
                elif len(stack) >= MAX_DEPTH:
                    raise UnsafeInputError("OFX elements nested too deeply", where=f"line {at}")
                fields = {}
                stack.append((tag, fields, at))
                name_now = tag
                if tag in statements:
                    yield OPEN, tag, fields, at
            elif tag[0] == slash:
                name = tag[1:]
                if name == name_now:
                    _, _, at = stack.pop()
                    if name in INTEREST:
                        yield CLOSE, name, fields, at
                    if stack:
                        name_now, parent, _ = stack[-1]
                        if name != b"STMTTRN":
                            parent[name] = fields
                        fields = parent
                    else:
                        name_now, fields = b"", {}
                elif fields.get(name).__class__ is not bytes:
                    where = _line_of(parts, len(parts) - length_hint(it) - 2, line)
                    raise _not_nested(name, stack, where)
            else:
                fields[tag] = text.strip()
        line += data.count(b"\n")
        if eof:
            break
    if stack:
        name, _, at = stack[-1]
        raise InputError(
            f"the file ends inside <{_s(name)}> (opened at line {at}): the file is truncated or not closed",
            where=f"line {line}",
        )
    if not root_seen:
        raise InputError("no <OFX> element", where=f"line {line}")


def _s(name: bytes) -> str:
    return name.decode("ascii", "replace")


def _not_nested(name: bytes, stack: list[tuple[bytes, Fields, int]], line: int) -> InputError:
    if not stack:
        return InputError(f"</{_s(name)}> after the end of the <OFX> element", where=f"line {line}")
    open_name, _, at = stack[-1]
    if any(frame[0] == name for frame in stack):
        return InputError(
            f"</{_s(name)}> closes an element while <{_s(open_name)}> (opened at line {at}) is still open: "
            "the elements do not nest",
            where=f"line {line}",
        )
    return InputError(
        f"</{_s(name)}> does not match any open element (inside <{_s(open_name)}> opened at line {at})",
        where=f"line {line}",
    )
