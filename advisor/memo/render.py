"""Render a ``Memo``: Markdown and HTML through Jinja2 templates, Word through python-docx.

The packaged templates live in ``advisor/memo/templates``; ``template`` names a user's own file
instead. Templates run in Jinja2's sandbox, with undefined names as errors, and HTML output
escapes every string.
"""

from __future__ import annotations

import re
from importlib import resources
from pathlib import Path

from advisor.errors import RenderError
from advisor.memo.model import Memo

TEMPLATES = {"markdown": "memo.md.j2", "html": "memo.html.j2"}

_SPACES = re.compile(r"\s+")
_MD_SPECIAL = re.compile(r"([\\`*_\[\]<>|~&])")
_MD_LINE_START = re.compile(r"^([#+\-=])")
_MD_NUMBERED = re.compile(r"^(\d+)([.)])")  # "1." would start a numbered list


def md_escape(text: object, line_start: bool = True) -> str:
    """Text safe in Markdown: one line, every character Markdown could read as markup escaped.

    ``line_start`` also escapes what would start a heading or a list at the beginning of a line
    (not needed inside a table cell).
    """
    escaped = _MD_SPECIAL.sub(r"\\\1", _SPACES.sub(" ", str(text)))
    if line_start:
        escaped = _MD_LINE_START.sub(r"\\\1", escaped)
        escaped = _MD_NUMBERED.sub(r"\1\\\2", escaped)
    return escaped


def md_cell(cell: object) -> str:
    """A Markdown table cell: escaped, several lines joined with ``<br>``."""
    lines = cell if isinstance(cell, list) else [cell]
    return "<br>".join(md_escape(line, line_start=False) for line in lines)


def render_memo(memo: Memo, fmt: str, template: str | Path | None = None) -> str | bytes:
    """The memo as Markdown or HTML text, or as the bytes of a Word document."""
    if fmt == "docx":
        if template is not None:
            raise RenderError("--template applies to the markdown and html formats, not docx")
        from advisor.memo.word import render_docx

        return render_docx(memo)
    if fmt not in TEMPLATES:
        raise RenderError(f"unknown memo format '{fmt}'; allowed: markdown, html, docx")
    source, name = _template_source(fmt, template)
    return _render_text(memo, source, name, html=fmt == "html")


def _template_source(fmt: str, template: str | Path | None) -> tuple[str, str]:
    if template is None:
        packaged = resources.files("advisor.memo").joinpath("templates", TEMPLATES[fmt])
        return packaged.read_text(encoding="utf-8"), TEMPLATES[fmt]
    path = Path(template)
    try:
        return path.read_bytes().decode("utf-8-sig"), str(template)
    except OSError as exc:
        raise RenderError(f"{template}: cannot read the template: {exc.strerror}") from None
    except UnicodeDecodeError as exc:
        raise RenderError(f"{template}: the template is not UTF-8 text (byte {exc.start})") from None


def _render_text(memo: Memo, source: str, name: str, html: bool) -> str:
    import jinja2
    from jinja2.sandbox import SandboxedEnvironment

    env = SandboxedEnvironment(autoescape=html, undefined=jinja2.StrictUndefined, trim_blocks=True,
                               lstrip_blocks=True, keep_trailing_newline=True)
    env.filters["md"] = md_escape
    env.filters["md_cell"] = md_cell
    try:
        out = env.from_string(source).render(memo=memo)
    except jinja2.TemplateSyntaxError as exc:
        raise RenderError(f"{name}: line {exc.lineno}: template syntax error: {exc.message}") from None
    except jinja2.TemplateError as exc:
        raise RenderError(f"{name}: the template failed: {exc}") from None
    return out if out.endswith("\n") else out + "\n"
