"""The memo's content model: a titled document of numbered sections made of a few block kinds.

The builder decides every word; the renderers (Markdown, HTML, Word) only lay the blocks out, so
the three formats cannot drift apart. ``Memo.data`` keeps the figures behind the text for anyone
writing their own template.
"""

from __future__ import annotations

from typing import Annotated, Any, Literal, Union

from pydantic import BaseModel, ConfigDict, Field


class Block(BaseModel):
    """Base of the blocks: immutable."""

    model_config = ConfigDict(frozen=True)


class Subheading(Block):
    """A heading inside a section."""

    kind: Literal["subheading"] = "subheading"
    text: str


class Paragraph(Block):
    """Running text; ``style`` ``small`` is for fine print (assumptions, disclaimers)."""

    kind: Literal["paragraph"] = "paragraph"
    text: str
    style: Literal["normal", "small"] = "normal"


class Entry(Block):
    """One list entry: an optional bold ``label``, the text, and an optional source reference."""

    label: str | None = None
    text: str
    ref: str | None = None


class Bullets(Block):
    """A bulleted (or, when ``ordered``, numbered) list."""

    kind: Literal["bullets"] = "bullets"
    items: list[Entry]
    ordered: bool = False


Cell = Union[str, list[str]]  # a list is one cell of several lines


class Table(Block):
    """A table with a header row; ``widths`` are relative column widths for the page layouts."""

    kind: Literal["table"] = "table"
    headers: list[str]
    rows: list[list[Cell]]
    widths: list[int] | None = None


class Formula(Block):
    """A formula or calculation, shown in a fixed-width font."""

    kind: Literal["formula"] = "formula"
    text: str


class Figure(Block):
    """A chart: ``png`` and ``svg`` are the same picture, base64-encoded; ``width_mm`` on paper."""

    kind: Literal["figure"] = "figure"
    alt: str
    caption: str
    png: str
    svg: str
    width_mm: float


AnyBlock = Annotated[Union[Subheading, Paragraph, Bullets, Table, Formula, Figure], Field(discriminator="kind")]


class Section(Block):
    """A numbered section: ``key`` is stable across languages (used as an anchor)."""

    key: str
    heading: str
    blocks: list[AnyBlock]


class MetaField(Block):
    """One line of the title block (client, date, language, rule pack)."""

    label: str
    value: str


class Memo(Block):
    """The whole memo in one language."""

    lang: str
    html_lang: str
    title: str
    label_sep: str  # between a bold lead and its text
    meta: list[MetaField]
    sections: list[Section]
    footer: str
    date: str  # ISO date, also used for the document properties
    data: dict[str, Any] = {}
