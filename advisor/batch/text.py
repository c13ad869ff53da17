"""The wording of ``advisor batch`` in both languages (``text.yaml`` beside this module)."""

from __future__ import annotations

import functools
from importlib import resources


@functools.cache
def _table() -> dict[str, dict[str, str]]:
    import yaml

    text = resources.files("advisor.batch").joinpath("text.yaml").read_text(encoding="utf-8")
    return yaml.load(text, Loader=getattr(yaml, "CSafeLoader", yaml.SafeLoader))


def say(key: str, lang: str, **values: object) -> str:
    """The text ``key`` in ``lang``, with ``values`` filled in."""
    text = _table()[key][lang]
    return text.format(**values) if values else text
