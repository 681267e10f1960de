"""The OFX header: which OFX this is (1.x SGML, 2.x XML or none at all), how its text is encoded,
and where the ``<OFX>`` body starts.

OFX 1.x (OFX spec 1.0.3, section 2.2) writes ``KEY:VALUE`` lines (OFXHEADER, DATA, VERSION, SECURITY,
ENCODING, CHARSET, COMPRESSION, OLDFILEUID, NEWFILEUID); OFX 2.x (OFX spec 2.1.1, section 2.2) writes an
XML declaration and an ``<?OFX OFXHEADER="200" VERSION="211" ...?>`` processing instruction. Real banks
bend both: a byte-order mark, blank lines first, the whole 1.x header on one line without newlines,
no blank line before ``<OFX>``, or no header at all. This reader is tolerant of all of these; it only
insists that an ``<OFX>`` body follows.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from gateway.errors import InputError, UnsafeInputError

_BOM = b"\xef\xbb\xbf"
_WS = b" \t\r\n\x00"

# Key positions in a 1.x header; the value of a key runs to the next key (headers on one line exist).
_V1_KEY = re.compile(
    rb"(OFXHEADER|DATA|VERSION|SECURITY|ENCODING|CHARSET|COMPRESSION|OLDFILEUID|NEWFILEUID)[ \t]*:[ \t]*"
)
_XML_DECL = re.compile(rb"<\?xml\b([^>]*?)\?>", re.IGNORECASE)
_OFX_PI = re.compile(rb"<\?OFX\b([^>]*?)\?>", re.IGNORECASE)
_ATTR = re.compile(rb"""([A-Za-z]+)\s*=\s*["']([^"']*)["']""")
_OFX_ROOT = re.compile(rb"<OFX\s*>", re.IGNORECASE)
DECLARATION_REFUSED = (
    "a DOCTYPE/ENTITY declaration is refused (entity expansion and external entities are not allowed)"
)
_DECLARATION = re.compile(rb"<!\s*(?:DOCTYPE|ENTITY|ELEMENT|ATTLIST|NOTATION)", re.IGNORECASE)
_SGML_LEAF = re.compile(rb"<([A-Z0-9.]+)>[^<\r\n]*[^<\s][^<]*<(/?)([A-Z0-9.]+)>")

# What a declared OFX 1.x CHARSET / XML encoding means as a Python codec for text that is not UTF-8.
_CHARSETS = {
    b"1252": "cp1252",
    b"WINDOWS-1252": "cp1252",
    b"CP1252": "cp1252",
    b"ISO-8859-1": "latin-1",
    b"8859-1": "latin-1",
    b"LATIN1": "latin-1",
    b"ISO-8859-15": "iso8859-15",
}


@dataclass(slots=True)
class OFXHeader:
    version: str  # "102", "211", ... or "none"
    dialect: str  # "sgml" or "xml"
    encoding: str  # the encoding the header declares, as a Python codec name
    fallback: str  # codec for text that turns out not to be UTF-8
    body_offset: int  # byte offset of "<OFX>" in the head


def strip_start(head: bytes) -> bytes:
    """The head without a UTF-8 byte-order mark and leading whitespace."""
    if head.startswith(_BOM):
        head = head[3:]
    return head.lstrip(_WS)


def looks_like_ofx(head: bytes) -> bool:
    """Content check: a 1.x header, a 2.x ``<?OFX ...?>`` declaration, or a body starting with ``<OFX>``."""
    start = strip_start(head)
    if start.startswith(b"OFXHEADER"):
        return True
    if start[:5].lower() == b"<?xml":
        decl = _XML_DECL.match(start)
        if decl is None:
            return False
        rest = start[decl.end():].lstrip(_WS)
        return rest[:5].upper() == b"<?OFX" or _OFX_ROOT.match(rest) is not None
    if start[:5].upper() == b"<?OFX":
        return True
    return _OFX_ROOT.match(start) is not None


def _fallback_for(charset: bytes) -> str:
    return _CHARSETS.get(charset.strip().upper(), "cp1252")


def read_header(head: bytes) -> OFXHeader:
    """Parse the header at the start of ``head`` (the first bytes of the file)."""
    offset = 3 if head.startswith(_BOM) else 0
    start = head[offset:].lstrip(_WS)
    offset += len(head) - offset - len(start)
    if start.startswith(b"OFXHEADER"):
        return _read_v1(head, offset)
    if start[:5].lower() == b"<?xml" or start[:5].upper() == b"<?OFX":
        return _read_v2(head, offset)
    root = _OFX_ROOT.match(head, offset)
    if root is None:
        raise InputError("not an OFX file: no OFX header and no <OFX> element", where="line 1")
    # No header at all: the dialect shows in the body (XML closes every leaf element, SGML need not).
    leaf = _SGML_LEAF.search(head, offset)
    xml = leaf is not None and leaf.group(2) == b"/" and leaf.group(1) == leaf.group(3)
    return OFXHeader("none", "xml" if xml else "sgml", "utf-8", "cp1252", offset)


def _body_offset(head: bytes, pos: int, version: str) -> int:
    root = _OFX_ROOT.search(head, pos)
    if root is None:
        raise InputError(f"the OFX {version} header is not followed by an <OFX> body", where="line 1")
    declaration = _DECLARATION.search(head, 0, root.start())
    if declaration is not None:
        line = head.count(b"\n", 0, declaration.start()) + 1
        raise UnsafeInputError(DECLARATION_REFUSED, where=f"line {line}")
    return root.start()


def _read_v1(head: bytes, offset: int) -> OFXHeader:
    lt = head.find(b"<", offset)
    header_text = head[offset: lt if lt >= 0 else len(head)]
    keys = list(_V1_KEY.finditer(header_text))
    fields: dict[bytes, bytes] = {}
    for i, key in enumerate(keys):
        end = keys[i + 1].start() if i + 1 < len(keys) else len(header_text)
        fields[key.group(1)] = header_text[key.end(): end].strip()
    version = fields.get(b"VERSION", b"").decode("ascii", "replace") or "1xx"
    declared = fields.get(b"ENCODING", b"USASCII").upper()
    charset = fields.get(b"CHARSET", b"NONE")
    fallback = _fallback_for(charset)
    if declared in (b"UTF-8", b"UTF8", b"UNICODE"):
        encoding = "utf-8"
    elif charset.strip().upper() in (b"NONE", b""):
        encoding = "ascii"
    else:
        encoding = fallback
    if lt < 0:
        raise InputError(f"the OFX {version} header is not followed by an <OFX> body", where="line 1")
    return OFXHeader(version, "sgml", encoding, fallback, _body_offset(head, lt, version))


def _read_v2(head: bytes, offset: int) -> OFXHeader:
    encoding = "utf-8"
    fallback = "cp1252"
    pos = offset
    decl = _XML_DECL.match(head, offset)
    if decl is not None:
        attrs = dict(_ATTR.findall(decl.group(1)))
        declared = attrs.get(b"encoding", b"UTF-8").upper()
        if declared in (b"ASCII", b"US-ASCII", b"USASCII"):
            encoding = "ascii"
        elif declared not in (b"UTF-8", b"UTF8"):
            encoding = fallback = _fallback_for(declared)
        pos = decl.end()
    version = "none"  # an XML declaration but no <?OFX ...?>: as good as no header
    pi = _OFX_PI.search(head, pos)
    if pi is not None:
        attrs = {k.upper(): v for k, v in _ATTR.findall(pi.group(1))}
        version = attrs.get(b"VERSION", b"").decode("ascii", "replace") or "2xx"
        pos = pi.end()
    return OFXHeader(version, "xml", encoding, fallback, _body_offset(head, pos, version))
