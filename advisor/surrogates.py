"""Lone surrogates: half of a UTF-16 character pair, in text that should hold whole characters.

JSON may write one (``"\\ud800"``: programs that cut a string in the middle of a character pair
export them), and so may a pandas frame or a workbook cell (``_xD800_``); Python then holds a
code point of U+D800–U+DFFF, which no UTF-8 file, JSON output or workbook can hold. A profile
refuses such text as a bad value of its field (``profile.Profile``: the name; any field's
message says where the character is), so a batch reports that row and scores every other one.
The batch's fast paths, which take a repeated row's name without the model, check it with
``encodable``: one ``isascii``, or one UTF-8 encoding of the name (about 50 ns).
"""

from __future__ import annotations

import re
from typing import Any

from advisor.errors import shown

SURROGATE = re.compile("[\ud800-\udfff]")
REPLACEMENT = "\ufffd"  # what a lone surrogate becomes where a text must be written anyway (an error row's name)


def encodable(text: str) -> bool:
    """Whether ``text`` holds no surrogate (can be written as UTF-8)."""
    if text.isascii():
        return True
    try:
        text.encode("utf-8")
    except UnicodeEncodeError:
        return False
    return True


def problem(value: Any) -> str | None:
    """Why ``value`` (text, or a list of texts) is refused for a lone surrogate in it; None if it
    holds none. The message quotes the value (the character shown as ``\\ud800``) and gives the
    character's code and place (counted from 1)."""
    if isinstance(value, str):
        return None if encodable(value) else _message("value", value)
    if isinstance(value, (list, tuple)):
        for item in value:
            if isinstance(item, str) and not encodable(item):
                return _message("item", item)
    return None


def _message(what: str, text: str) -> str:
    at = SURROGATE.search(text).start()
    code = ord(text[at])
    if 0xDC80 <= code <= 0xDCFF:  # how Python keeps a byte not valid in a file's encoding (surrogateescape)
        return (f"{what} {shown(text)} holds \\u{code:04x} (character {at + 1}): the byte 0x{code - 0xDC00:02x}, "
                "not valid in the file's encoding (or half of a UTF-16 character pair); save the file in one "
                "encoding, e.g. UTF-8")
    return (f"{what} {shown(text)} holds a lone surrogate \\u{ord(text[at]):04x} (character {at + 1}): half of "
            "a UTF-16 character pair, not a character (the text was cut in the middle of a character); "
            "delete it or export the text again")


def replaced(text: str) -> str:
    """``text`` with each surrogate replaced by U+FFFD (�), so that it can be written."""
    return text if encodable(text) else SURROGATE.sub(REPLACEMENT, text)
