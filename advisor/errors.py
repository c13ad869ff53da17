"""One error tree for everything a user can get wrong.

Library code raises these, in English; only the CLI turns them into a message and an exit
status. ``error.text(lang)`` is the message in ``lang``: the Chinese form comes from the
message table (``advisor.messages``, ``messages.yaml``), so raising code stays as it is.
"""

from __future__ import annotations

import reprlib
import unicodedata
from typing import Any

SHOWN_CHARACTERS = 80  # how much of a value a message quotes; longer values are cut


def shown(value: Any, limit: int = SHOWN_CHARACTERS) -> str:
    """``value`` as a message quotes it: short, on one line, invisible characters made visible.

    Text is quoted (``'金融'``); text longer than ``limit`` characters is cut and its length given
    (``'NNNN…' (200,000 characters)``), so a 50 MB cell is never echoed whole. Control and
    format characters are escaped (``\\x0b``). Anything else is its ``repr``, bounded in length
    and depth (a list nested a thousand levels deep is shown as ``[[[...]]]``).
    """
    if isinstance(value, str):
        cut = value[:limit]
        text = "".join(_escape(ch) if unicodedata.category(ch)[0] == "C" else ch for ch in cut)
        more = f"… ({len(value):,} characters)" if len(value) > limit else ""
        return f"'{text}'{more}"
    if isinstance(value, int) and not isinstance(value, bool) and value.bit_length() > 128:
        return _digits(value)
    return _REPR.repr(value)


def as_written(value: Any) -> str:
    """``value`` of a YAML or JSON file as the file writes it: ``true``, ``false``, ``null``;
    anything else as ``shown`` quotes it."""
    if value is True or value is False:
        return "true" if value else "false"
    return "null" if value is None else shown(value)


def _digits(value: int) -> str:
    # A whole number too long to quote (Python will not even write one of over 4,300 digits).
    return f"a number of {len(str(value)) if value.bit_length() < 4000 else 'over 1,000'} digits"


def _escape(ch: str) -> str:
    code = ord(ch)
    return f"\\x{code:02x}" if code < 0x100 else f"\\u{code:04x}" if code < 0x10000 else f"\\U{code:08x}"


class _Repr(reprlib.Repr):
    """``reprlib``'s bounded repr, with a huge whole number anywhere inside described, not written."""

    def repr_int(self, value: int, level: int) -> str:
        return _digits(value) if value.bit_length() > 128 else super().repr_int(value, level)


_REPR = _Repr()
_REPR.maxlevel, _REPR.maxlist, _REPR.maxtuple, _REPR.maxdict, _REPR.maxset = 3, 6, 6, 6, 6
_REPR.maxstring, _REPR.maxother, _REPR.maxlong = SHOWN_CHARACTERS, SHOWN_CHARACTERS, 40


class AdvisorError(Exception):
    """Base of every error shown to a user: a message, and optionally a hint."""

    exit_code = 2

    def __init__(self, message: str, hint: str | None = None) -> None:
        super().__init__(message)
        self.message = message
        self.hint = hint

    def __str__(self) -> str:
        return self.text("en")

    def text(self, lang: str) -> str:
        """The message (and the hint, on its own line) in ``lang`` (``zh`` or ``en``)."""
        from advisor.messages import frame, translate

        message = self.body(lang)
        if not self.hint:
            return message
        return f"{message}\n  {frame('hint', lang, hint=translate(self.hint, lang))}"

    def body(self, lang: str) -> str:
        """The message without its hint, in ``lang``."""
        from advisor.messages import translate

        return translate(self.message, lang)


class Problem(str):
    """One problem of a record: its message (English; ``advisor.messages`` translates it), and
    the ``field`` it concerns (a field name, or the key as given when the key is not a field;
    ``None`` for the record as a whole) with the ``value`` given there (``None`` when absent).

    A ``str``, so that every caller that reads a problem as its message keeps working; the HTTP
    API reports ``field`` and ``value`` from here, never from the message's text.
    """

    field: str | None
    value: Any

    def __new__(cls, message: str, field: str | None = None, value: Any = None) -> "Problem":
        self = super().__new__(cls, message)
        self.field, self.value = field, value
        return self

    def __reduce__(self) -> Any:  # pickled with its field and value (batch worker processes)
        return (Problem, (str(self), self.field, self.value))


class ProfileError(AdvisorError):
    """An invalid enterprise profile: names the source, record, field, value and what is allowed.

    ``problems``: the messages, each a ``Problem`` when the validator knows its field and value
    (``details`` gives them as the API reports them).
    """

    def __init__(
        self,
        problems: list[str],
        source: str | None = None,
        record: int | None = None,
        line: int | None = None,
        hint: str | None = None,
    ) -> None:
        self.problems = problems
        self.source = source
        self.record = record
        self.line = line
        super().__init__(self._compose("en"), hint)

    def _compose(self, lang: str) -> str:
        from advisor.messages import frame, translate

        where = []
        if self.source:
            where.append(translate(self.source, lang))  # a sheet's row: "x.xlsx, sheet '客户', row 8"
        if self.record is not None:
            where.append(frame("record", lang, record=self.record))
        if self.line is not None:
            where.append(frame("line", lang, line=self.line))
        prefix = frame("where_sep", lang).join(where) + frame("where_end", lang) if where else ""
        problems = [translate(p, lang) for p in self.problems]
        if len(problems) == 1:
            return frame("invalid_profile", lang, where=prefix, problem=problems[0])
        return frame("invalid_profile_many", lang, where=prefix) + "\n" + "\n".join(f"  - {p}" for p in problems)

    def body(self, lang: str) -> str:
        return self.message if lang == "en" else self._compose(lang)

    def details(self, lang: str = "en") -> list[dict[str, Any]]:
        """Every problem as ``{"field", "value", "message"}`` (message in ``lang``); ``field`` and
        ``value`` are ``None`` where the problem concerns the record as a whole."""
        from advisor.messages import translate

        return [{"field": getattr(p, "field", None), "value": getattr(p, "value", None),
                 "message": translate(p, lang)} for p in self.problems]

    def located(self, source: str | None = None, record: int | None = None, line: int | None = None) -> "ProfileError":
        """The same problems, with a (more precise) location."""
        return ProfileError(
            self.problems,
            source=source or self.source,
            record=record if record is not None else self.record,
            line=line if line is not None else self.line,
            hint=self.hint,
        )


class SourceError(AdvisorError):
    """An input that cannot be read at all (missing file, broken YAML/JSON/CSV, bad encoding)."""


class RuleLoadError(AdvisorError):
    """A rule pack that does not load: names the file, the rule id and what is wrong."""

    def __init__(self, problems: list[str], path: str | None = None) -> None:
        self.problems = problems
        self.path = path
        super().__init__(self._compose("en"))

    def _compose(self, lang: str) -> str:
        from advisor.messages import frame, translate

        head = frame("rule_pack", lang, path=self.path) if self.path else frame("rule_pack_bare", lang)
        problems = [translate(p, lang) for p in self.problems]
        if len(problems) == 1:
            return head + problems[0]
        return head + frame("problems", lang, count=len(problems)) + "\n" + "\n".join(f"  - {p}" for p in problems)

    def body(self, lang: str) -> str:
        return self.message if lang == "en" else self._compose(lang)


class ArgumentError(AdvisorError, ValueError):
    """An argument of the Python API that is not allowed (a language, a date, a frame), named
    with what is allowed. A ``ValueError`` too, as such arguments raised before."""


class EngineError(AdvisorError):
    """The rule engine misbehaved (a bug, not a user mistake)."""

    exit_code = 3


class RenderError(AdvisorError):
    """An output could not be rendered (e.g. a broken user template)."""


class PriceBookError(AdvisorError):
    """A price file (``--prices FILE``) that cannot be used: names the file, the item and the problem."""

    @classmethod
    def of(cls, name: str, problems: list[str]) -> "PriceBookError":
        """One error for every problem found in the file ``name``."""
        if len(problems) == 1:
            return cls(problems[0])
        return cls(f"{name}: {len(problems)} problems\n" + "\n".join(f"  - {p}" for p in problems))
