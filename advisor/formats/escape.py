"""Text made harmless for where it goes: a terminal, a Markdown page, a document.

A profile's name, a file name or a value quoted in an error message is whatever the user (or a
spreadsheet) typed, and may hold control characters. Sent to a terminal, ``ESC ]0;…BEL`` changes
the window title and ``ESC [2J`` clears the screen; in Markdown, ``<script>`` and ``[x](javascript:…)``
are markup; in a Word file (XML 1.0) most control characters are not allowed at all.

- ``terminal_text``: control characters shown as ASCII escapes (``\\x1b``, ``\\u202e``), so the
  text stays visible, the terminal does nothing, and any console code page can print it.
- ``document_text``: for memos: line-like controls become a space, other invisible controls are
  dropped, and so is whatever XML 1.0 cannot hold.
- ``md_escape``, ``md_cell``, ``md_code``: user text inside Markdown, shown as written.
- ``json_text``: JSON text whose strings carry no raw control character a JSON encoder leaves
  as it is (C1 controls such as the 8-bit CSI, bidirectional controls, line separators): each
  becomes its ``\\uXXXX`` escape, the same string to any JSON reader.
"""

from __future__ import annotations

import functools
import re

# C0 controls but the newline, DEL and C1 controls (0x9b is an 8-bit CSI), the bidirectional
# controls that reorder what a terminal shows (U+061C, U+200E-F, U+202A-E, U+2066-9), the line
# and paragraph separators, and lone surrogates (bytes decoded with surrogateescape: they cannot
# be encoded for output at all).
_CONTROLS = "\x00-\x09\x0b-\x1f\x7f-\x9f\u061c\u200e\u200f\u2028-\u202e\u2066-\u2069\ud800-\udfff"
_TERMINAL_UNSAFE = re.compile(f"[{_CONTROLS}]")
_TERMINAL_UNSAFE_LINES = re.compile(f"[\n{_CONTROLS}]")

# In a document: what separates lines or fields becomes a space; the rest is invisible, or not
# allowed in XML 1.0 (C0 controls but tab and newline, lone surrogates, U+FFFE and U+FFFF).
# (Compiled when a memo first needs them: a run that prints no memo does not.)
@functools.cache
def _document_patterns() -> tuple[re.Pattern[str], re.Pattern[str]]:
    return (re.compile("[\r\x0b\x0c\x1c-\x1f\x85\u2028\u2029]"),
            re.compile("[\x00-\x08\x0e-\x1b\x7f-\x84\x86-\x9f\u202a-\u202e\u2066-\u2069\ud800-\udfff\ufffe\uffff]"))


def _escape(match: re.Match) -> str:
    code = ord(match.group())
    return f"\\x{code:02x}" if code < 0x100 else f"\\u{code:04x}"


def terminal_text(text: object, keep_newlines: bool = True) -> str:
    """``text`` with every control character shown as an escape: ``"a\\x1b[2J"`` for ``a ESC [2J``.

    ``keep_newlines``: line breaks stay line breaks (multi-line messages); otherwise they are
    shown as ``\\x0a`` too (a name on one line of a table). Idempotent; fast when there is
    nothing to escape.
    """
    text = str(text)
    pattern = _TERMINAL_UNSAFE if keep_newlines else _TERMINAL_UNSAFE_LINES
    return pattern.sub(_escape, text) if pattern.search(text) else text


# What JSON encoders leave raw (they escape only C0 controls, the quote and the backslash).
_JSON_RAW = re.compile("[\x7f-\x9f\u061c\u200e\u200f\u2028-\u202e\u2066-\u2069]")


def json_text(text: str) -> str:
    """``text`` (JSON, as ``json.dumps`` or ``orjson`` wrote it) with every control character its
    strings hold raw written as ``\\uXXXX``: the same JSON, harmless on a terminal. Such a
    character can only be inside a string: outside, JSON has none."""
    return _JSON_RAW.sub(lambda m: f"\\u{ord(m.group()):04x}", text) if _JSON_RAW.search(text) else text


def lossless_in(encoding: str | None) -> bool:
    """Whether ``encoding`` (``None``: UTF-8) can write every character (UTF-8, UTF-16, GB18030)."""
    import codecs

    try:
        name = codecs.lookup(encoding or "utf-8").name
    except LookupError:
        return False
    return name.startswith("utf") or name == "gb18030"


def json_for(text: str, encoding: str | None) -> str:
    """JSON ``text`` to be written in ``encoding`` (a GBK or ASCII console): each character the
    encoding lacks written as its ``\\uXXXX`` escape (a pair of them beyond U+FFFF), so the
    data stay the same for any JSON reader instead of becoming ``?``. Such characters can only be
    inside strings (JSON's own syntax is ASCII). Unchanged for an encoding that has them all."""
    if text.isascii() or lossless_in(encoding):
        return text
    out = []
    for ch in text:
        if ch.isascii():
            out.append(ch)
            continue
        try:
            ch.encode(encoding)  # type: ignore[arg-type]
            out.append(ch)
        except (UnicodeError, LookupError):
            code = ord(ch)
            if code > 0xFFFF:
                code -= 0x10000
                out.append(f"\\u{0xD800 + (code >> 10):04x}\\u{0xDC00 + (code & 0x3FF):04x}")
            else:
                out.append(f"\\u{code:04x}")
    return "".join(out)


def unsafe_in(text: str, encoding: str | None) -> bool:
    """Whether ``text`` holds a control character (see ``terminal_text``) or a character
    ``encoding`` cannot write: what a YAML scalar must then write as escapes."""
    if _TERMINAL_UNSAFE.search(text):
        return True
    if text.isascii() or lossless_in(encoding):
        return False
    try:
        text.encode(encoding)  # type: ignore[arg-type]
    except (UnicodeError, LookupError):
        return True
    return False


def json_bytes(data: bytes) -> bytes:
    """``json_text`` for UTF-8 bytes (``orjson``'s output)."""
    if data.isascii():
        return data
    text = data.decode("utf-8")
    return json_text(text).encode("utf-8") if _JSON_RAW.search(text) else data


def document_text(text: str) -> str:
    """``text`` fit for a memo (Word, HTML, Markdown): nothing invisible, nothing XML 1.0 forbids.

    Tabs and newlines stay; carriage returns, vertical tabs, form feeds and the other separators
    become a space; the other control characters, the bidirectional overrides and non-characters
    are dropped.
    """
    space, drop = _document_patterns()
    if space.search(text):
        text = space.sub(" ", text)
    if drop.search(text):
        text = drop.sub("", text)
    return text


_SPACES = re.compile(r"\s+")
_MD_SPECIAL = re.compile(r"([\\`*_\[\]<>|~&])")
_MD_LINE_START = re.compile(r"^([#+\-=])")
_MD_NUMBERED = re.compile(r"^(\d+)([.)])")  # "1." would start a numbered list


def md_escape(text: object, line_start: bool = True) -> str:
    """Text safe in Markdown: one line, every character Markdown could read as markup escaped.

    ``<script>`` stays text, ``[x](javascript:…)`` is no link; control characters are shown as
    escapes (see ``terminal_text``). ``line_start`` also escapes what would start a heading or a
    list at the beginning of a line (not needed inside a table cell).
    """
    text = _SPACES.sub(" ", str(text))
    escaped = _MD_SPECIAL.sub(r"\\\1", terminal_text(text))
    if line_start:
        escaped = _MD_LINE_START.sub(r"\\\1", escaped)
        escaped = _MD_NUMBERED.sub(r"\1\\\2", escaped)
    return escaped


def md_cell(cell: object) -> str:
    """A Markdown table cell: escaped, several lines (a list) joined with ``<br>``."""
    lines = cell if isinstance(cell, list) else [cell]
    return "<br>".join(md_escape(line, line_start=False) for line in lines)


_BACKTICKS = re.compile(r"`+")


def md_code(text: object) -> str:
    """An inline code span holding ``text`` as written (an id), whatever backticks it holds."""
    text = terminal_text(_SPACES.sub(" ", str(text)))
    fence = "`" * (max((len(run) for run in _BACKTICKS.findall(text)), default=0) + 1)
    pad = " " if text.startswith("`") or text.endswith("`") else ""
    return f"{fence}{pad}{text}{pad}{fence}"
