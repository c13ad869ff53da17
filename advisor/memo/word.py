"""The memo as a Word document (python-docx): real headings, lists and tables the client can edit.

The bytes are reproducible: the document properties carry the memo's date, and the zip entries a
fixed timestamp, so the same memo gives the same file.
"""

from __future__ import annotations

import datetime as dt
import io
import zipfile
from typing import Any

from advisor.memo.model import Bullets, Entry, Figure, Formula, Memo, Paragraph, Subheading, Table
from advisor.memo.text import layout

PAGE_MM = (210, 297)  # A4
MARGIN_MM = (18, 16)  # top/bottom, left/right
SHADE = "EEF2F7"
MUTED = (0x5F, 0x6B, 0x7A)


def render_docx(memo: Memo) -> bytes:
    """The memo as the bytes of a .docx file."""
    import docx

    document = docx.Document()
    _page_setup(document)
    _styles(document, memo)
    _properties(document, memo)

    document.add_heading(memo.title, level=0)
    _meta_table(document, memo)
    for section in memo.sections:
        document.add_heading(section.heading, level=1)
        for block in section.blocks:
            _block(document, block, memo)
    footer = document.sections[0].footer.paragraphs[0]
    footer.text = memo.footer
    _muted(footer.runs[0], 8)

    buffer = io.BytesIO()
    document.save(buffer)
    return _fixed_zip(buffer.getvalue(), dt.date.fromisoformat(memo.date))


# --- page, styles and properties --------------------------------------------------------------


def _page_setup(document: Any) -> None:
    from docx.shared import Mm

    section = document.sections[0]
    section.page_width, section.page_height = Mm(PAGE_MM[0]), Mm(PAGE_MM[1])
    section.top_margin = section.bottom_margin = Mm(MARGIN_MM[0])
    section.left_margin = section.right_margin = Mm(MARGIN_MM[1])


def _styles(document: Any, memo: Memo) -> None:
    """Latin and East Asian fonts on every style used, and the document language for proofing."""
    from docx.oxml.ns import qn
    from docx.shared import Pt

    fonts = layout()["docx"]
    names = ["Normal", "Title", "Heading 1", "Heading 2", "List Bullet", "List Number", "Table Grid"]
    for name in names:
        style = document.styles[name]
        rpr = style.element.get_or_add_rPr()
        rfonts = rpr.find(qn("w:rFonts"))
        if rfonts is None:
            rfonts = rpr.makeelement(qn("w:rFonts"), {})
            rpr.insert(0, rfonts)
        for attr in ("w:asciiTheme", "w:hAnsiTheme", "w:eastAsiaTheme", "w:cstheme"):
            rfonts.attrib.pop(qn(attr), None)
        for attr in ("w:ascii", "w:hAnsi", "w:cs"):
            rfonts.set(qn(attr), fonts["latin_font"])
        rfonts.set(qn("w:eastAsia"), fonts["east_asian_font"])
    normal = document.styles["Normal"]
    normal.font.size = Pt(10.5)
    lang = normal.element.get_or_add_rPr().makeelement(qn("w:lang"), {
        qn("w:val"): "en-US", qn("w:eastAsia"): "zh-CN"})
    normal.element.get_or_add_rPr().append(lang)
    normal.paragraph_format.space_after = Pt(4)
    document.styles["Title"].font.size = Pt(20)
    document.styles["Heading 1"].font.size = Pt(15)
    document.styles["Heading 2"].font.size = Pt(12)


# The most characters a text property of the file (title, author, …) can hold: python-docx refuses
# more, as the Open Packaging Conventions' core properties are meant to be short.
PROPERTY_CHARS = 255
ELLIPSIS = "…"


def _properties(document: Any, memo: Memo) -> None:
    """The file's core properties: every text one cut to ``PROPERTY_CHARS`` (a client's name may
    be 1,000 characters; the document itself shows it whole)."""
    moment = dt.datetime.combine(_stamped(dt.date.fromisoformat(memo.date)), dt.time())
    props = document.core_properties
    texts = {"title": memo.title, "author": layout()["docx"]["author"], "language": memo.html_lang,
             "keywords": "", "comments": "", "subject": "", "category": ""}
    texts["last_modified_by"] = texts["author"]
    for name, text in texts.items():
        setattr(props, name, property_text(text))
    props.created = props.modified = moment
    props.last_printed = moment
    props.revision = 1


def property_text(text: str, limit: int = PROPERTY_CHARS) -> str:
    """``text`` as a core property can hold it: whole when it fits in ``limit`` characters, else
    its first ``limit - 1`` characters and an ellipsis."""
    return text if len(text) <= limit else text[: limit - len(ELLIPSIS)] + ELLIPSIS


# --- blocks -------------------------------------------------------------------------------------


def _block(document: Any, block: Any, memo: Memo) -> None:
    if isinstance(block, Subheading):
        document.add_heading(block.text, level=2)
    elif isinstance(block, Paragraph):
        paragraph = document.add_paragraph(block.text)
        if block.style == "small":
            _muted(paragraph.runs[0], 8.5)
    elif isinstance(block, Bullets):
        style = "List Number" if block.ordered else "List Bullet"
        for item in block.items:
            _entry(document.add_paragraph(style=style), item, memo)
    elif isinstance(block, Formula):
        from docx.shared import Pt

        run = document.add_paragraph().add_run(block.text)
        run.font.name = layout()["docx"]["mono_font"]
        run.font.size = Pt(9)
    elif isinstance(block, Table):
        _table(document, block)
    elif isinstance(block, Figure):
        _figure(document, block)


def _figure(document: Any, block: Figure) -> None:
    """The chart's PNG at its width on paper (at most the text width), with its alt text, and its caption."""
    import base64

    from docx.shared import Mm

    width = min(block.width_mm, PAGE_MM[0] - 2 * MARGIN_MM[1])
    shape = document.add_picture(io.BytesIO(base64.b64decode(block.png)), width=Mm(width))
    shape._inline.docPr.set("descr", block.alt)  # the alt text Word reads aloud, as HTML's alt
    _muted(document.add_paragraph().add_run(block.caption), 8.5)


def _entry(paragraph: Any, item: Entry, memo: Memo) -> None:
    if item.label:
        paragraph.add_run(item.label).bold = True
        paragraph.add_run(memo.label_sep)
    paragraph.add_run(item.text)
    if item.ref:
        _muted(paragraph.add_run(item.ref), 9)


def _table(document: Any, block: Table) -> None:
    from docx.shared import Mm, Pt

    table = document.add_table(rows=1 + len(block.rows), cols=len(block.headers))
    table.style = document.styles["Table Grid"]
    table.autofit = False
    text_width = PAGE_MM[0] - 2 * MARGIN_MM[1]
    widths = block.widths or [100 // len(block.headers)] * len(block.headers)
    for col, width in enumerate(widths):  # the grid (read by LibreOffice) and each cell (read by Word)
        table.columns[col].width = Mm(text_width * width / sum(widths))
    for row_index, values in enumerate([block.headers, *block.rows]):
        row = table.rows[row_index]
        for col, value in enumerate(values):
            cell = row.cells[col]
            cell.width = Mm(text_width * widths[col] / sum(widths))
            lines = value if isinstance(value, list) else [value]
            cell.paragraphs[0].text = lines[0] if lines else ""
            for line in lines[1:]:
                cell.add_paragraph(line)
            for paragraph in cell.paragraphs:
                paragraph.paragraph_format.space_after = Pt(2)
                for run in paragraph.runs:
                    run.font.size = Pt(9)
                    run.bold = row_index == 0 or None
            if row_index == 0:
                _shade(cell)
    _repeat_header(table.rows[0])


def _shade(cell: Any) -> None:
    from docx.oxml.ns import qn

    tcpr = cell._tc.get_or_add_tcPr()
    shading = tcpr.makeelement(qn("w:shd"), {qn("w:val"): "clear", qn("w:color"): "auto", qn("w:fill"): SHADE})
    tcpr.append(shading)


def _repeat_header(row: Any) -> None:
    """Repeat the header row on every page a long table runs over."""
    from docx.oxml.ns import qn

    trpr = row._tr.get_or_add_trPr()
    trpr.append(trpr.makeelement(qn("w:tblHeader"), {qn("w:val"): "true"}))


def _meta_table(document: Any, memo: Memo) -> None:
    from docx.shared import Mm, Pt

    table = document.add_table(rows=len(memo.meta), cols=2)
    table.autofit = False
    table.columns[0].width, table.columns[1].width = Mm(35), Mm(PAGE_MM[0] - 2 * MARGIN_MM[1] - 35)
    for row, field in zip(table.rows, memo.meta):
        label, value = row.cells
        label.width, value.width = Mm(35), Mm(PAGE_MM[0] - 2 * MARGIN_MM[1] - 35)
        label.paragraphs[0].text, value.paragraphs[0].text = field.label, field.value
        _muted(label.paragraphs[0].runs[0], 10)
        value.paragraphs[0].runs[0].font.size = Pt(10)
    document.add_paragraph()


def _muted(run: Any, size: float) -> None:
    from docx.shared import Pt, RGBColor

    run.font.size = Pt(size)
    run.font.color.rgb = RGBColor(*MUTED)


# --- reproducible bytes ---------------------------------------------------------------------------


_ZIP_FIRST_DAY, _ZIP_LAST_DAY = dt.date(1980, 1, 1), dt.date(2107, 12, 31)  # what a zip entry's time can hold


def _stamped(day: dt.date) -> dt.date:
    """The day the file's timestamps carry for a memo dated ``day``: ``day`` itself from 1980 to
    2107, else the nearest of those years' first and last days. A zip entry's time holds no other
    years (and python-docx writes a year before 1000 in a form Word refuses); the memo's date as
    given is in its text."""
    return min(max(day, _ZIP_FIRST_DAY), _ZIP_LAST_DAY)


def _fixed_zip(data: bytes, day: dt.date) -> bytes:
    """The same archive with every entry stamped ``day`` (see ``_stamped``) at midnight, in the same order."""
    day = _stamped(day)
    stamp = (day.year, day.month, day.day, 0, 0, 0)
    out = io.BytesIO()
    with zipfile.ZipFile(io.BytesIO(data)) as source, zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as target:
        for info in source.infolist():
            entry = zipfile.ZipInfo(info.filename, date_time=stamp)
            entry.compress_type = zipfile.ZIP_DEFLATED
            entry.external_attr = 0o644 << 16
            target.writestr(entry, source.read(info.filename))
    return out.getvalue()
