"""What the questionnaire says, in both languages (``messages.yaml``)."""

from __future__ import annotations

import functools
from importlib import resources


@functools.cache
def _table() -> dict[str, dict[str, str]]:
    import yaml

    text = resources.files("advisor.ask").joinpath("messages.yaml").read_text(encoding="utf-8")
    return yaml.load(text, Loader=getattr(yaml, "CSafeLoader", yaml.SafeLoader))


def msg(key: str, lang: str, **values: object) -> str:
    """The message ``key`` in ``lang``, with ``values`` filled in."""
    text = _table()[key][lang]
    return text.format(**values) if values else text
