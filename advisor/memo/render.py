"""Render a ``Memo``: Markdown and HTML through Jinja2 templates, Word through python-docx.

The packaged templates live in ``advisor/memo/templates``; ``template`` names a user's own file
instead. Every string of the memo is first made fit for a document (``document_text``: no
control characters, nothing XML cannot hold), so a name typed with a stray vertical tab still
gives a memo in every format.

Templates run in Jinja2's sandbox, with undefined names as errors, and HTML output escapes every
string. A user's template is one self-contained file, within explicit limits: it may not include,
import or extend other files, and its size, the loops it runs, the strings it builds, the time
it takes and the memo it makes are bounded (``advisor.memo.sandbox``); crossing one is a ``RenderError``
naming the template and line, never a hang.
"""

from __future__ import annotations

from importlib import resources
from pathlib import Path
from typing import Any

from advisor.errors import RenderError
from advisor.formats.escape import document_text, md_cell, md_escape
from advisor.memo import sandbox
from advisor.memo.model import Memo

TEMPLATES = {"markdown": "memo.md.j2", "html": "memo.html.j2"}

__all__ = ["TEMPLATES", "clean_memo", "md_cell", "md_escape", "render_memo"]


def render_memo(memo: Memo, fmt: str, template: str | Path | None = None) -> str | bytes:
    """The memo as Markdown or HTML text, or as the bytes of a Word document.

    Raises ``RenderError`` for an unknown format, a template that cannot be read, that uses what
    the sandbox forbids, or that crosses a limit of ``advisor.memo.sandbox``.
    """
    memo = clean_memo(memo)
    if fmt == "docx":
        if template is not None:
            raise RenderError("--template applies to the markdown and html formats, not docx")
        from advisor.memo.word import render_docx

        return render_docx(memo)
    if fmt not in TEMPLATES:
        raise RenderError(f"unknown memo format '{fmt}'; allowed: markdown, html, docx")
    if template is None:
        packaged = resources.files("advisor.memo").joinpath("templates", TEMPLATES[fmt])
        return sandbox.render(packaged.read_text(encoding="utf-8"), TEMPLATES[fmt], memo, html=fmt == "html",
                             filters={"md": md_escape, "md_cell": md_cell}, trusted=True)
    source = sandbox.read_template(template)
    return sandbox.render(source, str(template), memo, html=fmt == "html",
                         filters={"md": md_escape, "md_cell": md_cell}, trusted=False)


def clean_memo(memo: Memo) -> Memo:
    """``memo`` with every string passed through ``document_text`` (the same object when clean)."""
    data, changed = _clean(memo.model_dump())
    return Memo.model_validate(data) if changed else memo


def _clean(value: Any) -> tuple[Any, bool]:
    if isinstance(value, str):
        clean = document_text(value)
        return clean, clean != value
    if isinstance(value, dict):
        changed = False
        out = {}
        for key, item in value.items():
            new_key, key_changed = _clean(key)
            out[new_key], item_changed = _clean(item)
            changed = changed or key_changed or item_changed
        return out, changed
    if isinstance(value, (list, tuple)):
        items = [_clean(item) for item in value]
        return [item for item, _ in items], any(changed for _, changed in items)
    return value, False
