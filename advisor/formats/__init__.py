"""Renderers of a recommendation: pure functions, ``Recommendation`` in, ``str`` out.

The CLI writes what they return; the questionnaire and the batch table reuse the same ones.
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Callable

if TYPE_CHECKING:  # the models import pydantic: keep `--help` fast
    from advisor.recommendation import Recommendation

# format name -> module in this package with a ``render(rec) -> str`` function
FORMATS: dict[str, str] = {"table": "table", "json": "json", "yaml": "yaml", "markdown": "markdown"}


def renderer(name: str) -> Callable[["Recommendation"], str]:
    """The ``render`` function of the format ``name`` (imported only when used)."""
    return importlib.import_module(f"advisor.formats.{FORMATS[name]}").render


def render(rec: "Recommendation", name: str, encoding: str | None = None) -> str:
    """Render ``rec`` in the format ``name``. ``encoding``: what the text will be written in (the
    console's): json and yaml then write the characters it lacks as escapes, losing nothing."""
    if encoding is not None and name in ("json", "yaml"):
        return renderer(name)(rec, encoding=encoding)
    return renderer(name)(rec)
