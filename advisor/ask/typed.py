"""A typed line as the questionnaire reads it, whatever the input method typed.

A Chinese input method types full-width forms (``１２``, ``８００万``, a full-width space
between list items, ``？``), gives ``《`` for the ``<`` key, and people answer a yes/no question
with ``有``, ``没有``, ``不是`` or ``是的``. ``normal`` turns a line into what the answer means:
bytes that were not UTF-8 decoded again (``advisor.console.typed_text``), full-width forms
as ASCII (``advisor.vocabulary.narrow``, as a profile file's values are read) in every answer
but a name (a name is kept as typed), and the words of
``typed.yaml`` for yes and no. ``is_back`` and ``is_help`` recognise the two requests.
"""

from __future__ import annotations

import functools
from importlib import resources
from typing import Any

from advisor.console import typed_text
from advisor.vocabulary import narrow


@functools.cache
def _data() -> dict[str, Any]:
    import yaml

    text = resources.files("advisor.ask").joinpath("typed.yaml").read_text(encoding="utf-8")
    data = yaml.load(text, Loader=getattr(yaml, "CSafeLoader", yaml.SafeLoader))
    return {key: frozenset(str(v).casefold() for v in values) for key, values in data.items()}


def normal(line: str, kind: str) -> str:
    """``line`` as an answer to a question of ``kind`` (the field's type) reads it."""
    line = typed_text(line)
    if kind == "string":
        return line.strip()
    text = narrow(line).strip()
    if kind == "bool":
        folded = text.casefold()
        if folded in _data()["yes"]:
            return "yes"
        if folded in _data()["no"]:
            return "no"
    return text


def is_back(text: str) -> bool:
    """Whether ``text`` asks for the previous question."""
    return narrow(text).strip().casefold() in _data()["back"]


def is_help(text: str) -> bool:
    """Whether ``text`` asks for the explanation of the question."""
    return narrow(text).strip().casefold() in _data()["help"]
