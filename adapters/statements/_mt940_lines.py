"""Line reader for SWIFT MT940/MT942 text: bytes in, decoded lines with their numbers out.

Reads the stream in large chunks (one ``read`` per MiB instead of one per line), accepts CRLF, LF and
CR-only line endings, and decodes each chunk as UTF-8 until a chunk is not valid UTF-8; from then on the
file is read as cp1252 (the Windows code page German and Dutch banking software writes), falling back to
latin-1 for the five byte values cp1252 leaves undefined. Chunks are cut at line ends, so a multi-byte
UTF-8 character is never split between two decodes.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import BinaryIO

from gateway.errors import InputError
from gateway.model import Source

CHUNK_BYTES = 1 << 20
# No MT940 line is anywhere near this long (SWIFT allows 65 characters); a longer one means a binary file.
MAX_LINE_BYTES = 1 << 20
_BOM = b"\xef\xbb\xbf"


class _Decoder:
    """Decodes chunks, switching from UTF-8 to cp1252 for good at the first chunk that is not UTF-8."""

    def __init__(self, source: Source) -> None:
        self.source = source
        self.codec = "utf-8"
        source.encoding = "utf-8"

    def __call__(self, data: bytes) -> str:
        if self.codec == "utf-8":
            try:
                return data.decode("utf-8")
            except UnicodeDecodeError:
                self.codec = "cp1252"
                self.source.encoding = "cp1252"
        if self.codec == "cp1252":
            try:
                return data.decode("cp1252")
            except UnicodeDecodeError:
                self.codec = "latin-1"
                self.source.encoding = "latin-1"
        return data.decode("latin-1")


def iter_line_chunks(stream: BinaryIO, source: Source) -> Iterator[tuple[int, list[str]]]:
    """Yield ``(number of the first line, lines)`` per chunk; line numbers are 1-based, endings removed."""
    decode = _Decoder(source)
    pending = b""
    line_no = 1
    first = True
    while True:
        data = stream.read(CHUNK_BYTES)
        if not data:
            break
        if first:
            first = False
            if data.startswith(_BOM):
                data = data[len(_BOM) :]
        data = pending + data
        # A CR at the very end may be the first half of a CRLF: keep it for the next round.
        hold = b""
        if data.endswith(b"\r"):
            data, hold = data[:-1], b"\r"
        cut = max(data.rfind(b"\n"), data.rfind(b"\r"))
        if cut < 0:
            pending = data + hold
            if len(pending) > MAX_LINE_BYTES:
                raise InputError(
                    f"line {line_no} is longer than {MAX_LINE_BYTES} bytes: this is not an MT940 text file",
                    where=f"line {line_no}",
                )
            continue
        pending = data[cut + 1 :] + hold
        lines = _split(decode(data[: cut + 1]))
        lines.pop()  # the chunk ends with a line break: the last piece is empty
        yield line_no, lines
        line_no += len(lines)
    if pending:
        lines = _split(decode(pending))
        if lines and lines[-1] == "":
            lines.pop()
        yield line_no, lines


def _split(text: str) -> list[str]:
    # str.splitlines would also split at form feeds and other control characters some banks leave in text.
    if "\r" in text:
        text = text.replace("\r\n", "\n").replace("\r", "\n")
    return text.split("\n")
