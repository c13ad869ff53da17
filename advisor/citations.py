"""Rule sources in the reader's language.

A rule's ``source`` is written once, mostly in English (``report §1.4; points: project
assumption``, ``个人信息保护法 Art 28–29``); ``cite(source, "zh")`` shows it in Chinese
(``报告§1.4；分值：项目假设``, ``个人信息保护法第28–29条``) through the terms of
``citations.yaml`` (regular expressions and their replacements, applied in order). English
output shows the source as written. Every output in Chinese — the terminal table, Markdown,
memos, ``rules list`` — cites through here; the JSON keeps the source as the rule gives it.
"""

from __future__ import annotations

import functools
import re

from advisor.ui_text import package_data


_ESCAPED = re.compile(r"\\([^0-9A-Za-z])")  # a character escaped to stand for itself: \( \. \)
_SPECIAL = frozenset(".^$*+?{}[]|()\\")


@functools.cache
def _terms(lang: str) -> tuple[tuple[re.Pattern[str] | str, str], ...]:
    """The terms for ``lang``: a term whose pattern and replacement are plain text (most are)
    as that text, replaced as ``re.sub`` would, without compiling a pattern on every run."""
    data = package_data("advisor", "citations.yaml") or {}
    return tuple((_literal(pattern, repl) or re.compile(pattern), repl) for pattern, repl in data.get(lang) or [])


def _literal(pattern: str, repl: str) -> str | None:
    """The text ``pattern`` matches when it matches only that text and ``repl`` is plain text."""
    plain = _ESCAPED.sub("", pattern)
    if "\\" in repl or not pattern or any(ch in _SPECIAL for ch in plain):
        return None
    return _ESCAPED.sub(r"\1", pattern)


@functools.lru_cache(maxsize=4096)
def cite(source: str, lang: str) -> str:
    """``source`` as a reader of ``lang`` reads it (unchanged when there are no terms for ``lang``)."""
    for pattern, repl in _terms(lang):
        source = source.replace(pattern, repl) if isinstance(pattern, str) else pattern.sub(repl, source)
    return source
