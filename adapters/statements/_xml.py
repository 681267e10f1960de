"""Hardened, streaming XML reading shared by the XML statement adapters (camt, OFX 2.x).

No DTD is accepted (that is how entity-expansion and external-entity attacks arrive), entities are
never resolved, nothing is fetched from the network, and lxml's own limits on depth and text size stay
on (``huge_tree=False``). Elements are cleared as soon as the caller is done with them.
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from typing import BinaryIO

from lxml import etree

from gateway.errors import InputError, UnsafeInputError


def local(tag: object) -> str:
    """Element name without its namespace (camt is read namespace-agnostic)."""
    if not isinstance(tag, str):
        return ""
    return tag.rpartition("}")[2]


def _refuse_dtd(docinfo: etree.DocInfo) -> None:
    if docinfo.doctype or docinfo.internalDTD is not None:
        raise UnsafeInputError(
            "XML with a DOCTYPE/DTD is refused (entity expansion and external entities are not allowed)",
            where="line 1",
        )


def iterparse(
    stream: BinaryIO,
    events: tuple[str, ...] = ("start", "end"),
    tag: str | Sequence[str] | None = None,
) -> Iterator[tuple[str, etree._Element]]:
    """``lxml.etree.iterparse`` with the safe options; refuses any DOCTYPE; errors become InputError.

    ``tag`` lets lxml skip the events of other elements without waking Python (much faster on big files).
    """
    context = etree.iterparse(
        stream,
        events=events,
        tag=tag,
        resolve_entities=False,
        no_network=True,
        load_dtd=False,
        dtd_validation=False,
        huge_tree=False,
        remove_comments=True,
        remove_pis=True,
    )
    checked = False
    try:
        for event, elem in context:
            if not checked:
                checked = True
                _refuse_dtd(elem.getroottree().docinfo)
            yield event, elem
        if not checked and context.root is not None:  # no element passed the tag filter
            _refuse_dtd(context.root.getroottree().docinfo)
    except etree.XMLSyntaxError as exc:
        line = exc.position[0] if exc.position else exc.lineno
        msg = exc.msg or str(exc)
        if "entity" in msg.lower() or "DOCTYPE" in msg:
            raise UnsafeInputError(f"unsafe XML: {msg}", where=f"line {line}") from None
        raise InputError(f"malformed XML: {msg}", where=f"line {line}") from None
