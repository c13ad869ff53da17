"""Open an input as text in the encodings Chinese users really have.

Excel saves CSV as UTF-8 with a byte-order mark, or, on Chinese Windows, as GBK; other tools
write plain UTF-8. The encoding is chosen from the first megabyte: a BOM decides; otherwise
the bytes are UTF-8 if they decode strictly as UTF-8, and GB18030 (a superset of GBK and GB2312)
if not. ``encoding=`` forces one.
"""

from __future__ import annotations

import codecs
import io
import sys
from dataclasses import dataclass
from pathlib import Path
from typing import BinaryIO, TextIO

from advisor.errors import SourceError

STDIN = "-"
STDIN_NAME = "<stdin>"
SNIFF_BYTES = 1 << 20  # enough for the header and thousands of rows
AUTO = "auto"

_BOMS = ((codecs.BOM_UTF8, "utf-8-sig"), (codecs.BOM_UTF16_LE, "utf-16"), (codecs.BOM_UTF16_BE, "utf-16"))


@dataclass
class TextInput:
    """An open text stream with the name to show in messages and the encoding in use."""

    stream: TextIO
    name: str
    encoding: str

    def close(self) -> None:
        """Close the stream (standard input is left open)."""
        if self.name != STDIN_NAME:
            self.stream.close()


def display_name(path: str) -> str:
    """How an input is named in messages."""
    return STDIN_NAME if path == STDIN else path


def detect_encoding(head: bytes, complete: bool) -> str:
    """The codec for bytes starting with ``head`` (``complete``: ``head`` is the whole input)."""
    for bom, codec in _BOMS:
        if head.startswith(bom):
            return codec
    try:
        # An incremental decoder accepts a character cut in two at the end of the sample.
        codecs.getincrementaldecoder("utf-8")("strict").decode(head, final=complete)
    except UnicodeDecodeError:
        return "gb18030"
    return "utf-8-sig"


def check_encoding(name: str) -> str:
    """The canonical codec name for ``name``, or a ``SourceError`` if Python has no such codec."""
    try:
        return codecs.lookup(name).name
    except LookupError:
        raise SourceError(f"unknown encoding '{name}'; e.g. utf-8, utf-8-sig, gb18030, gbk") from None


def open_text(path: str, encoding: str | None = None) -> TextInput:
    """Open ``path`` (``-``: standard input) as text, detecting its encoding unless one is given."""
    name = display_name(path)
    raw = _open_binary(path)
    try:
        if encoding and encoding != AUTO:
            codec = check_encoding(encoding)
            stream: BinaryIO = raw
        else:
            head = raw.read(SNIFF_BYTES)
            complete = len(head) < SNIFF_BYTES
            codec = detect_encoding(head, complete)
            if raw.seekable():
                raw.seek(0)
                stream = raw
            else:  # a pipe cannot be rewound: read the sample again before the rest
                stream = io.BufferedReader(_Rejoined(head, raw))
    except BaseException:
        if path != STDIN:
            raw.close()
        raise
    # newline="": the CSV reader needs the line endings as they are (quoted cells may hold them).
    text = io.TextIOWrapper(stream, encoding=codec, errors="strict", newline="")
    return TextInput(stream=text, name=name, encoding=codec)


def decoding_error(name: str, codec: str, after_line: int) -> SourceError:
    """The message for bytes that are not valid in the encoding in use."""
    shown = {"utf-8-sig": "UTF-8", "utf_8_sig": "UTF-8", "utf-8": "UTF-8", "gb18030": "GB18030"}.get(codec, codec)
    where = f" after line {after_line}" if after_line else ""
    return SourceError(
        f"{name}: not valid {shown} text{where}",
        hint="name the file's encoding with --encoding (e.g. --encoding gb18030 or --encoding utf-8)",
    )


def _open_binary(path: str) -> BinaryIO:
    if path == STDIN:
        return sys.stdin.buffer
    p = Path(path)
    if not p.exists():
        raise SourceError(f"{path}: no such file or folder")
    try:
        return open(p, "rb")  # noqa: SIM115 - closed by TextInput.close
    except OSError as exc:
        raise SourceError(f"{path}: cannot read: {exc.strerror}") from None


class _Rejoined(io.RawIOBase):
    """A non-seekable stream whose first bytes were already read: serves them again, then the rest."""

    def __init__(self, head: bytes, rest: BinaryIO) -> None:
        super().__init__()
        self._head = memoryview(head)
        self._rest = rest

    def readable(self) -> bool:
        return True

    def readinto(self, buffer) -> int:  # type: ignore[override]
        if self._head:
            n = min(len(buffer), len(self._head))
            buffer[:n] = self._head[:n]
            self._head = self._head[n:]
            return n
        read = getattr(self._rest, "read1", self._rest.read)  # what is there, without waiting for more
        data = read(len(buffer))
        buffer[: len(data)] = data
        return len(data)
