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

from advisor.ui_text import package_text


@functools.cache
def _terms(lang: str) -> tuple[tuple[re.Pattern[str], str], ...]:
    import yaml

    text = package_text("advisor", "citations.yaml")
    data = yaml.load(text, Loader=getattr(yaml, "CSafeLoader", yaml.SafeLoader)) or {}
    return tuple((re.compile(pattern), repl) for pattern, repl in data.get(lang) or [])


@functools.lru_cache(maxsize=4096)
def cite(source: str, lang: str) -> str:
    """``source`` as a reader of ``lang`` reads it (unchanged when there are no terms for ``lang``)."""
    for pattern, repl in _terms(lang):
        source = pattern.sub(repl, source)
    return source
