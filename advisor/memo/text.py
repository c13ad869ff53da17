"""The memo's wording and layout settings (``memo_text.yaml``), loaded once per process."""

from __future__ import annotations

import functools
from importlib import resources
from typing import Any

from advisor.ui_text import fill


@functools.cache
def _data() -> dict[str, Any]:
    import yaml

    text = resources.files("advisor.memo").joinpath("memo_text.yaml").read_text(encoding="utf-8")
    return yaml.load(text, Loader=getattr(yaml, "CSafeLoader", yaml.SafeLoader))


def mt(key: str, lang: str, **values: object) -> str:
    """The memo string ``key`` in ``lang``, with ``values`` filled in (and its choices by number,
    ``{count?one|other}``, made: ``advisor.ui_text.fill``)."""
    text = _data()["text"][key][lang]
    return fill(text, values) if values else text


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
