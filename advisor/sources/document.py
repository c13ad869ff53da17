"""One profile from a YAML or JSON document (a file, or standard input for ``-``).

``advise``, ``memo`` and ``ask --from`` read their profile here, in the encodings ``batch``
reads (UTF-8 with or without a byte-order mark, UTF-16 with one, GB18030/GBK), with the safe
YAML reading of ``advisor.safe_load`` (profiles: values are the text as written).
"""

from __future__ import annotations

import io
import sys
from pathlib import Path
from typing import Any

from advisor.bounded import PROFILE_BYTES, TooLarge, read_bounded
from advisor.errors import ProfileError, SourceError
from advisor.profile import Profile, kind_of, parse_profile
from advisor.safe_load import DATA, TEXT, DocumentError, Written, colon_hint, json_value, load_yaml
from advisor.sources.text import decode_whole
from advisor.vocabulary import vocabulary

# Files that hold many profiles: ``advise``, ``memo`` and ``ask --from`` read one.
_TABLES = {".csv": "a CSV table", ".tsv": "a tab-separated table", ".jsonl": "a JSON Lines file",
           ".ndjson": "a JSON Lines file", ".xlsx": "an Excel workbook", ".xls": "an Excel workbook"}
# Documents that are no profile at all (a memo written with advisor memo -o x.docx, say).
_NOT_PROFILES = {".docx": "a Word document", ".doc": "a Word document", ".pdf": "a PDF document"}


def read_text(path: str) -> str:
    """The text of ``path`` (``-``: standard input), or a ``SourceError`` saying why not.

    The encoding is detected as ``batch`` detects it (``sources.text.detect_encoding``). At most
    ``advisor.bounded.PROFILE_BYTES`` (1 MB) are read: a larger file, a device or an endless pipe
    is refused with the limit.
    """
    if path == "":
        raise SourceError("the profile's file name is empty; name a YAML or JSON file, or - for standard input")
    name = "<stdin>" if path == "-" else path
    try:
        if path == "-":
            _say_when_typed()
            stream = getattr(sys.stdin, "buffer", None)
            data = (read_bounded(stream, PROFILE_BYTES) if stream is not None
                    else read_bounded(io.BytesIO(sys.stdin.read(PROFILE_BYTES + 1).encode()), PROFILE_BYTES))
        else:
            p = Path(path)
            if not p.exists():
                raise SourceError(f"{path}: no such file")
            if p.is_dir():
                raise SourceError(f"{path}: is a folder, not a profile file")
            data = read_bounded(p, PROFILE_BYTES)
    except OSError as exc:
        raise SourceError(f"{name}: cannot read: {exc.strerror}") from None
    except TooLarge as exc:
        raise SourceError(f"{name}: larger than {exc.size} (a profile is a few hundred bytes); is it the right file?") from None
    return decode_whole(data, name)


def _say_when_typed() -> None:
    """Standard input is a terminal: say what is awaited (else the command seems to hang)."""
    try:
        typed = sys.stdin.isatty()
    except (AttributeError, ValueError, OSError):
        typed = False
    if typed:
        from advisor.console import interface_lang
        from advisor.messages import frame

        print(frame("stdin_terminal", interface_lang()), file=sys.stderr, flush=True)


def parse_document(text: str, name: str, schema: str = DATA) -> Any:
    """Parse YAML (JSON is YAML too) safely (``advisor.safe_load``); errors name the line and column.

    ``schema``: ``DATA`` (YAML 1.2 core: numbers, true/false) or ``TEXT`` (profiles: every value
    is its text). A line written ``key：value`` or ``key:value`` is pointed at with a hint.
    """
    try:
        return load_yaml(text, schema)
    except DocumentError as exc:
        if schema == TEXT and exc.reason == _UNICODE_ESCAPE:
            found = _json_document(text)
            if found is not _NOT_JSON:
                return found
        where = f" {exc.where}:" if exc.where else ""
        raise SourceError(f"{name}:{where} not valid YAML/JSON: {exc.reason}", hint=_colon_hint(text)) from None


# libyaml refuses a \u escape of a surrogate: JSON's escape of a character beyond U+FFFF
# ("\ud83d\ude00", as json.dumps writes it) and a lone one ("\ud800", cut from such a pair).
# A JSON document is then read as JSON (numbers as their text, as TEXT reads them): the first is
# its character, the second reaches the profile, which names the field that holds it.
_UNICODE_ESCAPE = "found invalid Unicode character escape code"
_NOT_JSON = object()


def _json_document(text: str) -> Any:
    """The value of ``text`` read as one JSON document, or ``_NOT_JSON``."""
    start = len(text) - len(text.lstrip("\ufeff \t\r\n"))
    try:
        value, end = json_value(text, start)
    except (DocumentError, ValueError):
        return _NOT_JSON
    return value if not text[end:].strip() else _NOT_JSON


def read_profile(path: str) -> Profile:
    """Read and validate the single profile in ``path``."""
    name = "<stdin>" if path == "-" else path
    text, data = _read(path)
    try:
        return parse_profile(data, source=name)
    except ProfileError as exc:
        hint = _colon_hint(text) or _tag_hint(data)
        if hint is None:
            raise
        raise ProfileError(exc.problems, exc.source, exc.record, exc.line, hint=hint) from None


def read_mapping(path: str, allow_empty: bool = False) -> dict[str, Any]:
    """The raw mapping of the single profile in ``path`` (``{}`` for an empty file when
    ``allow_empty``), not validated: what ``ask --from`` starts from. Errors as ``read_profile``."""
    return _read(path, allow_empty)[1]


def _read(path: str, allow_empty: bool = False) -> tuple[str, dict[str, Any]]:
    """The text and the raw mapping of the single profile in ``path``; a ``SourceError`` says what
    to do instead for a table or a list of profiles, an empty file, or a document that is not a
    mapping."""
    name = "<stdin>" if path == "-" else path
    other = _NOT_PROFILES.get(Path(path).suffix.lower()) if path != "-" else None
    if other:
        raise SourceError(f"{name}: {other}, not a profile; a profile is a YAML or JSON file of field: value lines")
    kind = _TABLES.get(Path(path).suffix.lower()) if path != "-" else None
    if kind:
        raise SourceError(f"{name}: {kind} holds a list of profiles; this command reads one profile",
                          hint=f"score every row with: advisor batch {path}")
    text = read_text(path)
    data = parse_document(text, name, TEXT)
    if data is None and allow_empty:
        return text, {}
    if data is None:
        raise SourceError(f"{name}: empty; a profile needs at least name, size or employees, sector, privacy and budget")
    if isinstance(data, list) and data and all(isinstance(item, dict) for item in data):
        raise SourceError(f"{name}: holds a list of {len(data)} profiles; this command reads one profile",
                          hint=f"score them all with: advisor batch {path}")
    if not isinstance(data, dict):
        hint = _colon_hint(text) or (f"a table of profiles is scored with: advisor batch {path}"
                                     if _looks_like_a_table(text) else None)
        raise SourceError(f"{name}: a profile is a mapping of field: value (one per line), got {kind_of(data)}",
                          hint=hint)
    return text, data


def _colon_hint(text: str) -> str | None:
    return colon_hint(text, vocabulary().column_names)


def _tag_hint(data: dict[str, Any]) -> str | None:
    """A hint for a value written with a YAML tag that builds what no field takes (``!!binary``)."""
    values = [*data, *data.values(), *(i for v in data.values() if isinstance(v, list) for i in v)]
    kinds = sorted({v.kind for v in values if isinstance(v, Written)})
    if not kinds:
        return None
    tags = ", ".join(f"!!{kind}" for kind in kinds)
    return (f"the YAML tag {tags} makes a value binary data, a date, a set or pairs, which no field takes; "
            "write the value as text, without the tag")


def _looks_like_a_table(text: str) -> bool:
    lines = text.lstrip("\ufeff").splitlines()
    return len(lines) > 1 and ":" not in lines[0] and any(d in lines[0] for d in (",", ";", "\t"))
