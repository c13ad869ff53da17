"""The memo's wording and layout settings (``memo_text.yaml``), loaded once per process."""

from __future__ import annotations

import functools
import re
from importlib import resources
from typing import Any


@functools.cache
def _data() -> dict[str, Any]:
    import yaml

    text = resources.files("advisor.memo").joinpath("memo_text.yaml").read_text(encoding="utf-8")
    return yaml.load(text, Loader=getattr(yaml, "CSafeLoader", yaml.SafeLoader))


# A choice by number in a memo string: ``{count?one|other}`` is ``one`` when the value ``count``
# is 1, else ``other``; either may hold placeholders (``{count?this item|these {count} items}``).
CHOICE = re.compile(r"\{(\w+)\?((?:[^{}|]|\{\w+\})*)\|((?:[^{}|]|\{\w+\})*)\}")


def mt(key: str, lang: str, **values: object) -> str:
    """The memo string ``key`` in ``lang``, with ``values`` filled in (and its choices by number,
    ``{count?one|other}``, made)."""
    text = _data()["text"][key][lang]
    if not values:
        return text
    text = CHOICE.sub(lambda m: m.group(2) if _is_one(values[m.group(1)]) else m.group(3), text)
    return text.format(**values)


def _is_one(value: object) -> bool:
    """Whether ``value`` (a number, or a number as text) is one."""
    return str(value).strip() == "1"


def mlist(key: str, lang: str) -> list[str]:
    """A ``|``-separated memo string as a list (month names, numerals)."""
    return mt(key, lang).split("|")


def layout() -> dict[str, Any]:
    """How the memo is laid out: note routing, next steps, fonts."""
    return _data()["layout"]


def cite(source: str, lang: str) -> str:
    """A rule's source as the memo shows it (``advisor.citations.cite``)."""
    from advisor.citations import cite as cited

    return cited(source, lang)
