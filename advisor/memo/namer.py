"""File names for a folder of memos: derived from profile names, safe on every OS, and unique.

Windows forbids ``<>:"/\\|?*`` and control characters, names ending in a dot or a space, and the
device names CON, PRN, AUX, NUL, COM1–9 and LPT1–9 (whatever the extension); macOS and Windows
compare names without regard to case; Linux and macOS allow 255 bytes per name. Chinese and
other letters are kept: every current file system stores them.
"""

from __future__ import annotations

import re
import unicodedata

# Everything but letters, digits, marks and a few harmless punctuation marks becomes a hyphen.
_UNSAFE = re.compile(r"[^\w\-.()（）]+", re.UNICODE)
_HYPHENS = re.compile(r"-{2,}")
_RESERVED = re.compile(r"^(con|prn|aux|nul|com[0-9¹²³]|lpt[0-9¹²³])$", re.IGNORECASE)
MAX_STEM_BYTES = 120  # leaves room for "-NNN.docx" and a folder path within Windows' 260 characters
MAX_STEM_CHARS = 80
FALLBACK = "memo"


def safe_stem(name: str) -> str:
    """A file-name stem for ``name``: no forbidden or reserved names, bounded length, never empty."""
    text = unicodedata.normalize("NFC", str(name))
    text = "".join(ch if unicodedata.category(ch)[0] != "C" else " " for ch in text)
    text = _HYPHENS.sub("-", _UNSAFE.sub("-", text))
    text = text.strip("-. _")
    text = _truncate(text).rstrip("-. _")
    if not text:
        return FALLBACK
    head, dot, rest = text.partition(".")
    if _RESERVED.match(head):
        text = f"{head}_{dot}{rest}"  # "CON_" and "NUL_.txt" are ordinary names everywhere
    return text


def _truncate(text: str) -> str:
    out = text[:MAX_STEM_CHARS]
    while len(out.encode("utf-8")) > MAX_STEM_BYTES:
        out = out[:-1]
    return out


class MemoNamer:
    """Hands out one file name per profile, never the same name twice (case-insensitively).

    >>> namer = MemoNamer(".md")
    >>> namer.name("Acme"), namer.name("ACME"), namer.name("acme-2")
    ('Acme.md', 'ACME-2.md', 'acme-2-2.md')
    """

    def __init__(self, extension: str) -> None:
        self.extension = extension if extension.startswith(".") or not extension else f".{extension}"
        self._taken: set[str] = set()

    def name(self, profile_name: str) -> str:
        """The next unique, safe file name for ``profile_name`` (suffixes ``-2``, ``-3``… on clashes)."""
        stem = safe_stem(profile_name)
        candidate, n = stem, 1
        while self._key(candidate) in self._taken:
            n += 1
            candidate = f"{stem}-{n}"
        self._taken.add(self._key(candidate))
        return candidate + self.extension

    def _key(self, stem: str) -> str:
        # Case-insensitive and normalisation-insensitive, like the file systems of Windows and macOS.
        return unicodedata.normalize("NFC", stem + self.extension).casefold()
