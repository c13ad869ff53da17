"""What a typed answer means: a value, a choice's number, several of them, or a request for help.

Turning a choice's number into its value and splitting a list are the questionnaire's own job;
every value is then checked by ``advisor.ask.fields.normalise``, the profile's own normalisers,
so a label, ``是``, ``800万`` or ``Knowledge Search`` is understood exactly as in a profile file.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from advisor.ask.fields import normalise
from advisor.ask.questionnaire import Question
from advisor.ask.typed import is_back, is_help, normal
from advisor.profile import LIST_SEPARATORS

CLEAR = frozenset({"-", "－"})


@dataclass(frozen=True)
class Reply:
    """The meaning of one typed line.

    ``kind`` is ``value`` (``value`` holds it), ``default`` (an empty line), ``clear`` (no value),
    ``help``, ``back`` or ``invalid`` (``bad`` holds the part that was not understood).
    """

    kind: str
    value: Any = None
    bad: str = ""


def can_clear(question: Question) -> bool:
    """Whether ``-`` may leave the field without a value (a list, or a question that allows empty)."""
    return question.multiple or question.empty is not None


def interpret(question: Question, line: str) -> Reply:
    """What ``line`` answers to ``question`` (typed as an input method types it: ``advisor.ask.typed``)."""
    if is_help(line):
        return Reply("help")
    if is_back(line):
        return Reply("back")
    text = normal(line, question.kind)
    if not text:
        return Reply("default")
    if text in CLEAR and can_clear(question):
        return Reply("clear", [] if question.multiple else None)
    if question.multiple:
        return _many(question, text)
    value = _one(question, text)
    return Reply("invalid", bad=text) if value is None else Reply("value", value)


def _by_number(question: Question, text: str) -> Any:
    """The value of the choice numbered ``text`` (1-based), or ``None``."""
    if text.isascii() and text.isdigit() and 1 <= int(text) <= len(question.choices):
        return question.choices[int(text) - 1].value
    return None


def _one(question: Question, text: str) -> Any:
    """The canonical value for a single answer, or ``None`` when it is not allowed."""
    chosen = _by_number(question, text)
    if chosen is not None:
        return chosen
    try:
        return normalise(question.field, text)
    except ValueError:
        return None


def _item(question: Question, text: str) -> str | None:
    """One list item (a number, value or label), canonical, or ``None``."""
    chosen = _by_number(question, text)
    if chosen is not None:
        return chosen
    try:
        return normalise(question.field, [text])[0]
    except (ValueError, IndexError):
        return None


def _many(question: Question, text: str) -> Reply:
    """Several items separated by commas, 、, semicolons or spaces.

    Labels may contain spaces ("knowledge search"), so space-separated words are matched
    greedily: the longest run of words that names an item wins.
    """
    items: list[str] = []
    for piece in LIST_SEPARATORS.split(text):
        words = piece.split()
        start = 0
        while start < len(words):
            for end in range(len(words), start, -1):
                found = _item(question, " ".join(words[start:end]))
                if found is not None:
                    items.append(found)
                    start = end
                    break
            else:
                return Reply("invalid", bad=words[start])
    if not items:
        return Reply("invalid", bad=text)
    return Reply("value", normalise(question.field, items))  # canonical order, no repeats

