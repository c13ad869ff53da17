"""Open an input as text in the encodings Chinese users really have.

Excel saves CSV as UTF-8 with a byte-order mark, or, on Chinese Windows, as GBK; "Unicode text"
is UTF-16 with a byte-order mark; other tools write plain UTF-8. The encoding is chosen from the
first megabyte: a BOM decides; UTF-16 without a BOM is recognised by its zero bytes; otherwise
the bytes are UTF-8 if they decode as UTF-8 — or if most lines with non-ASCII bytes do (a list
pasted together from two sources) — and GB18030 (a superset of GBK and GB2312) if not.
``encoding=`` forces one.

A line that is not valid in the file's encoding does not stop a run: its bad bytes are read as
marks (lone surrogates, as ``surrogateescape`` makes them; every byte of a bad UTF-16 or UTF-32
code unit; ``MARKED`` counts them) and the readers turn that line into a bad record with its
line number (``undecodable``).
"""

from __future__ import annotations

import codecs
import io
import os
import re
import stat
import sys
from dataclasses import dataclass, field
from pathlib import Path
from typing import BinaryIO, Iterable, TextIO

from advisor.errors import SourceError, shown

STDIN = "-"
STDIN_NAME = "<stdin>"
SNIFF_BYTES = 1 << 20  # enough for the header and thousands of rows
AUTO = "auto"
NEWLINE = b"\n"

# UTF-32's marks first: the little-endian one starts with UTF-16's (FF FE 00 00).
_BOMS = ((codecs.BOM_UTF8, "utf-8-sig"), (codecs.BOM_UTF32_LE, "utf-32"), (codecs.BOM_UTF32_BE, "utf-32"),
         (codecs.BOM_UTF16_LE, "utf-16"), (codecs.BOM_UTF16_BE, "utf-16"))


@dataclass
class Decoding:
    """How an input is decoded: its codec, and how many marked bad bytes its readers have met.

    ``seen`` starts at ``MARKED`` when the input is opened; while ``MARKED`` is ahead of it (the
    decoder has met bad bytes it has read ahead), a reader checks each line with ``bad_line``.
    """

    codec: str
    seen: int = field(default_factory=lambda: MARKED[0])

    def bad_line(self, text: str) -> str | None:
        """Why ``text`` (a line, or a row's cells) is not valid in the codec; None if it is valid."""
        count = marks_in(text)
        if not count:
            return None
        self.seen += count
        return undecodable(text, self.codec)


@dataclass
class TextInput:
    """An open text stream with the name to show in messages and the encoding in use."""

    stream: TextIO
    name: str
    encoding: str
    decoding: Decoding = None  # type: ignore[assignment]

    def __post_init__(self) -> None:
        if self.decoding is None:
            self.decoding = Decoding(self.encoding)

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
    utf16 = _utf16_without_bom(head)
    if utf16:
        return utf16
    try:
        # An incremental decoder accepts a character cut in two at the end of the sample.
        codecs.getincrementaldecoder("utf-8")("strict").decode(head, final=complete)
    except UnicodeDecodeError:
        return "utf-8-sig" if _mostly_utf8(head, complete) else "gb18030"
    return "utf-8-sig"


def _utf16_without_bom(head: bytes) -> str | None:
    sample = head[:4096]
    if len(sample) < 4 or b"\0" not in sample:
        return None
    even, odd = sample[0::2].count(0), sample[1::2].count(0)
    half = len(sample) // 2
    if odd > half * 0.3 and even < half * 0.05:
        return "utf-16-le"
    if even > half * 0.3 and odd < half * 0.05:
        return "utf-16-be"
    return None


def _mostly_utf8(head: bytes, complete: bool) -> bool:
    """Whether most lines with non-ASCII bytes are UTF-8 (GBK text is almost never valid UTF-8)."""
    lines = head.split(b"\n")
    if not complete:
        lines.pop()  # perhaps cut in the middle of a character
    good = bad = 0
    for line in lines:
        if not line.isascii():
            try:
                line.decode("utf-8")
                good += 1
            except UnicodeDecodeError:
                bad += 1
    return good > bad


_WIDE = ("utf-16", "utf-32")  # codecs of code units wider than a byte
MARK = "advisor.mark"  # the error handler that marks bad bytes instead of failing
MARKED = [0]  # bad bytes marked so far in this process (one item, so that loops can read it inline)
BAD_BYTES = re.compile("[\udc80-\udcff]")


def _mark(exc: UnicodeError) -> tuple[str, int]:
    if not isinstance(exc, UnicodeDecodeError):
        raise exc
    bad = exc.object[exc.start:exc.end]
    if exc.encoding.replace("_", "-").startswith(_WIDE):  # a bad code unit (two or four bytes): each byte marked
        MARKED[0] += len(bad)
        return "".join(chr(0xDC80 | (b & 0x7F)) for b in bad), exc.end
    MARKED[0] += sum(1 for b in bad if b >= 0x80)
    return "".join(chr(0xDC00 + b) if b >= 0x80 else chr(b) for b in bad), exc.end


codecs.register_error(MARK, _mark)


def marks_in(text: str) -> int:
    """How many bad bytes ``text`` (read with ``MARK``) holds."""
    return len(BAD_BYTES.findall(text))


def undecodable(text: str, codec: str) -> str | None:
    """Why ``text`` (a line read with ``MARK``) is bad, or None if it has no marked bytes.

    The message names the file's encoding and what the line looks like in the other one
    (``it reads as GB18030: '甲30000,small,金融…'``), cut to a readable length.
    """
    if not BAD_BYTES.search(text):
        return None
    name = _shown_codec(codec)
    other = "gb18030" if _base(codec) == "utf-8" else "utf-8"
    try:  # (not for UTF-16 or UTF-32: their bad code units are not text in another encoding)
        if codecs.lookup(codec).name.startswith(_WIDE):
            raise UnicodeError
        raw = text.encode(_base(codec), "surrogateescape")
        looks = f"; it reads as {_shown_codec(other)}: {shown(raw.decode(other).rstrip(chr(13) + chr(10)), 60)}"
    except UnicodeError:
        looks = ""
    return (f"this line is not valid {name} text, unlike the rest of the file{looks}; "
            f"save the whole file in one encoding (e.g. UTF-8), or name it with --encoding")


def checked_text(lines: Iterable[str], name: str, decoding: Decoding) -> str:
    """The whole text of ``lines`` (one document), or a ``SourceError`` naming its first bad line."""
    text = "".join(lines)
    if MARKED[0] != decoding.seen:
        for number, line in enumerate(text.splitlines(), start=1):
            reason = decoding.bad_line(line)
            if reason:
                raise SourceError(f"{name}: line {number}: {reason}")
    return text


def decode_whole(data: bytes, name: str) -> str:
    """``data`` (a whole file) as text in its detected encoding, or a ``SourceError`` naming the line."""
    codec = detect_encoding(data, complete=True)
    try:
        return data.decode(codec)
    except UnicodeError as exc:  # any codec's refusal, not only a byte it cannot decode
        start = getattr(exc, "start", None)
        where = f"not valid {_shown_codec(codec)} text"
        if isinstance(start, int):
            where = f"line {data.count(NEWLINE, 0, start) + 1}: {where} (byte {start + 1})"
        raise SourceError(f"{name}: {where}",
                          hint="save the file in one encoding, e.g. UTF-8 (GBK/GB18030, UTF-16 and a "
                               "byte-order mark are recognised)") from None


def _base(codec: str) -> str:
    return "utf-8" if codecs.lookup(codec).name in ("utf-8", "utf-8-sig") else codec


def _shown_codec(codec: str) -> str:
    return {"utf-8-sig": "UTF-8", "utf_8_sig": "UTF-8", "utf-8": "UTF-8", "gb18030": "GB18030"}.get(codec, codec)


def check_encoding(name: str) -> str:
    """The canonical codec name for ``name``, or a ``SourceError`` if Python has no such codec or
    it does not turn bytes into text (``base64``, ``rot13``, ``zlib``...)."""
    try:
        codec = codecs.lookup(name).name
    except LookupError:
        raise SourceError(f"unknown encoding '{name}'; e.g. utf-8, utf-8-sig, gb18030, gbk") from None
    try:
        io.TextIOWrapper(io.BytesIO(), encoding=codec)  # what open_text makes; refuses a codec of bytes
        # ... and a codec that cannot mark a bad byte (idna, undefined) cannot read a file line by line
        codecs.getincrementaldecoder(codec)(MARK).decode("name,size\n".encode(codec), final=True)
    except LookupError:
        raise SourceError(f"'{name}' is not a text encoding; e.g. utf-8, utf-8-sig, gb18030, gbk") from None
    except UnicodeDecodeError:
        pass  # (a sample it cannot read: the file may be another matter)
    except (UnicodeError, TypeError, ValueError):
        raise SourceError(f"'{name}' is not a text encoding; e.g. utf-8, utf-8-sig, gb18030, gbk") from None
    return codec


def open_text(path: str, encoding: str | None = None) -> TextInput:
    """Open ``path`` (``-``: standard input) as text, detecting its encoding unless one is given."""
    name = display_name(path)
    raw = _open_binary(path)
    first, first_codec = b"", None  # a first line read in its own encoding (see _first_line)
    try:
        if encoding and encoding != AUTO:
            codec = check_encoding(encoding)
            stream: BinaryIO = raw
        else:
            head = raw.read(SNIFF_BYTES)
            complete = len(head) < SNIFF_BYTES
            codec = detect_encoding(head, complete)
            first, first_codec = _first_line(head, codec)
            if raw.seekable():
                raw.seek(len(first) if first_codec else 0)
                stream = raw
            else:  # a pipe cannot be rewound: read the sample again before the rest
                stream = io.BufferedReader(_Rejoined(head[len(first):] if first_codec else head, raw))
    except BaseException:
        if path != STDIN:
            raw.close()
        raise
    # newline="": the CSV reader needs the line endings as they are (quoted cells may hold them).
    text = io.TextIOWrapper(stream, encoding=codec, errors=MARK, newline="")
    if first_codec:
        return TextInput(stream=_Prefixed(first.decode(first_codec), text), name=name, encoding=codec)  # type: ignore[arg-type]
    return TextInput(stream=text, name=name, encoding=codec)


def _first_line(head: bytes, codec: str) -> tuple[bytes, str | None]:
    """The first line of ``head`` and its own codec, when it is not valid in ``codec`` (the rest's)
    but is in the other one: a header typed or pasted in UTF-8 above rows exported as GBK, or the
    other way round. ``(b"", None)`` when the first line is read like the rest."""
    end = head.find(b"\n")
    if end < 0 or codec not in ("utf-8-sig", "gb18030") or head.startswith(codecs.BOM_UTF8):
        return b"", None
    first = head[:end + 1]
    if first.isascii():
        return b"", None
    other = "gb18030" if codec == "utf-8-sig" else "utf-8"
    try:
        first.decode(codec)
        if other == "utf-8":  # GB18030 decodes most UTF-8 bytes (as other characters): UTF-8 first
            first.decode("utf-8")
            return first, "utf-8"
        return b"", None
    except UnicodeDecodeError:
        pass
    try:
        first.decode(other)
    except UnicodeDecodeError:
        return b"", None
    return first, other


class _Prefixed:
    """A text stream's lines after one line decoded on its own (see ``_first_line``)."""

    def __init__(self, first: str, rest: TextIO) -> None:
        self._first, self._rest = first, rest

    def __iter__(self):
        yield self._first
        yield from self._rest

    def read(self) -> str:
        return self._first + self._rest.read()

    def close(self) -> None:
        self._rest.close()


def decoding_error(name: str, codec: str, after_line: int, reason: str | None = None) -> SourceError:
    """The message for bytes that are not valid in the encoding in use (``reason``: what the codec
    said, when it is not a byte it cannot decode — e.g. a UTF-32 stream without its byte-order mark)."""
    where = f" after line {after_line}" if after_line else ""
    said = f": {_codec_reason(reason)}" if reason else ""
    return SourceError(
        f"{name}: not valid {_shown_codec(codec)} text{where}{said}",
        hint="name the file's encoding with --encoding (e.g. --encoding gb18030 or --encoding utf-8)",
    )


_STREAMS: dict[str, BinaryIO] = {}  # pipes, FIFOs and devices named on the command line, opened once


def is_stream(path: str) -> bool:
    """Whether ``path`` is standard input or names a pipe, a FIFO or a device (``<(zcat x.gz)``,
    ``/dev/stdin``): read once from its start, never opened a second time — a second open of a
    FIFO waits for a new writer for ever, and a pipe's first bytes would be gone."""
    if path == STDIN:
        return True
    try:
        mode = os.stat(path).st_mode
    except OSError:
        return False
    return not (stat.S_ISREG(mode) or stat.S_ISDIR(mode))


def binary_input(path: str) -> BinaryIO:
    """The binary stream of ``path``: standard input for ``-``; a pipe, FIFO or device
    (``is_stream``) opened the first time it is asked for and the same stream after that, so
    that what ``peek_input`` looked at is read again; else the file, opened. Raises
    ``SourceError`` when it cannot be opened."""
    if path == STDIN:
        return sys.stdin.buffer
    found = _STREAMS.get(path)
    if found is not None and not found.closed:
        return found
    try:
        opened = open(path, "rb")  # noqa: SIM115 - closed by whoever reads it to the end
    except OSError as exc:
        raise SourceError(f"{path}: cannot read: {exc.strerror}") from None
    if is_stream(path):
        _STREAMS[path] = opened
    return opened


def peek_input(path: str, size: int = 4) -> bytes:
    """The first ``size`` bytes of standard input or of a pipe, FIFO or device (``is_stream``),
    left to be read again (b"" if it cannot tell): a file is read and rewound; a pipe is peeked
    at (its first chunk, which holds them)."""
    try:
        raw = binary_input(path)
    except SourceError:
        return b""
    try:
        if raw.seekable():
            start = raw.tell()
            head = raw.read(size)
            raw.seek(start)
            return head
        peek = getattr(raw, "peek", None)
        return peek(size)[:size] if peek else b""
    except (OSError, ValueError):
        return b""


def _codec_reason(reason: str) -> str:
    """What a codec said, in words a message can carry in both languages where they are known."""
    if "does not start with BOM" in reason:  # UTF-16 and UTF-32 named without their byte order
        return "it does not start with the byte-order mark (BOM) this encoding needs"
    return f"the codec says: {reason}"


def _open_binary(path: str) -> BinaryIO:
    if is_stream(path):
        return binary_input(path)
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
