"""Recommendation memos: a client-ready document built from one recommendation.

``write_memo(rec, profile, fmt, lang, path)`` writes one memo, from the dict ``advisor.score``
returns (or None) and the profile mapping; ``build_memo`` makes the content model (from a
``Recommendation`` and a ``Profile``), ``render_memo`` lays it out as Markdown, HTML or Word,
and ``MemoNamer`` gives safe, unique file names for a folder of memos. Importing this package is
cheap: the heavy parts load when used.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

FORMATS = ("markdown", "html", "docx")
EXTENSIONS = {"markdown": ".md", "html": ".html", "docx": ".docx"}

__all__ = ["EXTENSIONS", "FORMATS", "MemoNamer", "build_memo", "render_memo", "write_memo"]

if TYPE_CHECKING:
    from advisor.memo.builder import build_memo
    from advisor.memo.namer import MemoNamer
    from advisor.memo.render import render_memo
    from advisor.memo.writer import write_memo

_LAZY = {
    "build_memo": "advisor.memo.builder",
    "render_memo": "advisor.memo.render",
    "write_memo": "advisor.memo.writer",
    "MemoNamer": "advisor.memo.namer",
}


def __getattr__(name: str) -> Any:
    if name in _LAZY:
        import importlib

        return getattr(importlib.import_module(_LAZY[name]), name)
    raise AttributeError(f"module 'advisor.memo' has no attribute {name!r}")
