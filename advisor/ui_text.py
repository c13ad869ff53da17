"""Interface wording in both languages (``ui_text.yaml``)."""

from __future__ import annotations

import functools
from importlib import resources


@functools.cache
def _table() -> dict[str, dict[str, str]]:
    import yaml

    text = resources.files("advisor").joinpath("ui_text.yaml").read_text(encoding="utf-8")
    return yaml.load(text, Loader=getattr(yaml, "CSafeLoader", yaml.SafeLoader))


def t(key: str, lang: str, **values: object) -> str:
    """The interface string ``key`` in ``lang``, with ``values`` filled in."""
    text = _table()[key][lang]
    return text.format(**values) if values else text
