"""A workbook cannot make the reader inflate, parse or hold without end: limits checked while it is read."""

from __future__ import annotations

import io
import zipfile

import pytest
from click.testing import CliRunner

NS = "http://schemas.openxmlformats.org/spreadsheetml/2006/main"
REL = "http://schemas.openxmlformats.org/officeDocument/2006/relationships"
HEADER = '<row r="1">' + "".join(f'<c r="{c}1" t="inlineStr"><is><t>{n}</t></is></c>'
                                 for c, n in zip("ABCDE", ["name", "size", "sector", "privacy", "budget"])) + "</row>"


def book(path, rows: str, strings: str = "") -> str:
    """A minimal valid workbook whose one sheet holds the header row and then ``rows`` (XML),
    deflated; ``strings``: the shared strings' ``<si>`` elements."""
    ct = ('<?xml version="1.0"?><Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types">'
          '<Default Extension="xml" ContentType="application/xml"/><Default Extension="rels" '
          'ContentType="application/vnd.openxmlformats-package.relationships+xml"/><Override '
          'PartName="/xl/workbook.xml" ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.'
          'sheet.main+xml"/><Override PartName="/xl/worksheets/sheet1.xml" ContentType="application/vnd.'
          'openxmlformats-officedocument.spreadsheetml.worksheet+xml"/><Override PartName="/xl/sharedStrings.xml" '
          'ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.sharedStrings+xml"/></Types>')
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as z:
        z.writestr("[Content_Types].xml", ct)
        z.writestr("_rels/.rels", f'<?xml version="1.0"?><Relationships xmlns="http://schemas.openxmlformats.org/'
                                  f'package/2006/relationships"><Relationship Id="rId1" Type="{REL}/officeDocument" '
                                  'Target="xl/workbook.xml"/></Relationships>')
        z.writestr("xl/workbook.xml", f'<?xml version="1.0"?><workbook xmlns="{NS}" xmlns:r="{REL}"><sheets>'
                                      '<sheet name="S" sheetId="1" r:id="rId1"/></sheets></workbook>')
        z.writestr("xl/_rels/workbook.xml.rels",
                   '<?xml version="1.0"?><Relationships xmlns="http://schemas.openxmlformats.org/package/2006/'
                   f'relationships"><Relationship Id="rId1" Type="{REL}/worksheet" Target="worksheets/sheet1.xml"/>'
                   f'<Relationship Id="rId2" Type="{REL}/sharedStrings" Target="sharedStrings.xml"/></Relationships>')
        z.writestr("xl/sharedStrings.xml", f'<?xml version="1.0"?><sst xmlns="{NS}">{strings}</sst>')
        z.writestr("xl/worksheets/sheet1.xml", f'<?xml version="1.0"?><worksheet xmlns="{NS}"><sheetData>'
                                               f"{HEADER}{rows}</sheetData></worksheet>")
    path.write_bytes(buffer.getvalue())
    return str(path)


def batch(path: str, *more: str):
    from advisor.cli import cli

    return CliRunner().invoke(cli, ["batch", path, "--format", "jsonl", "--lang", "en", *more])


def test_millions_of_empty_rows_deflated_to_kilobytes_are_refused_before_reading(tmp_path):
    path = book(tmp_path / "rows.xlsx", "<row/>" * 3_000_000)  # 18 MB of XML in about 30 KB
    assert (tmp_path / "rows.xlsx").stat().st_size < 100_000
    result = batch(path)
    assert result.exit_code == 2, result.output
    assert "rows.xlsx: refused: its part xl/worksheets/sheet1.xml inflates from" in result.stderr
    assert "over 100 times its stored size" in result.stderr
    assert "Traceback" not in result.output


def test_one_shared_string_of_millions_of_characters_is_refused(tmp_path):
    path = book(tmp_path / "sst.xlsx", '<row r="2"><c r="A2" t="s"><v>0</v></c></row>',
                strings="<si><t>" + "A" * 20_000_000 + "</t></si>")
    result = batch(path)
    assert result.exit_code == 2
    assert "sst.xlsx: refused: its part xl/sharedStrings.xml inflates from" in result.stderr


def test_a_cell_longer_than_excel_allows_is_refused_naming_row_and_column(tmp_path):
    path = book(tmp_path / "cell.xlsx", '<row r="2"><c r="B2" t="inlineStr"><is><t>' + "A" * 40_000
                + "</t></is></c></row>")
    result = batch(path)
    assert result.exit_code == 2
    assert ("cell.xlsx, sheet 'S': refused: row 2, column B: the cell holds 40,000 characters; "
            "a cell holds at most 32,767, as in Excel") in result.stderr


def test_rows_and_cells_are_counted_while_reading(tmp_path, monkeypatch):
    from advisor.sources import xlsx

    monkeypatch.setattr(xlsx, "MAX_ROWS", 1000)
    path = book(tmp_path / "many.xlsx", "<row/>" * 1000)  # 1,001 rows with the header, all but one empty
    result = batch(path)
    assert result.exit_code == 2
    assert "many.xlsx, sheet 'S': refused: the sheet holds more than 1,000 rows (empty ones included)" in result.stderr

    monkeypatch.setattr(xlsx, "MAX_CELLS", 10)
    path = book(tmp_path / "wide.xlsx", '<row r="2">' + "<c/>" * 11 + "</row>")
    result = batch(path)
    assert result.exit_code == 2
    assert "wide.xlsx, sheet 'S': refused: row 2 holds 11 cells; a row holds at most 10" in result.stderr


def test_a_workbook_within_the_limits_is_read(tmp_path):
    path = book(tmp_path / "ok.xlsx", '<row r="2">' + "".join(
        f'<c r="{c}2" t="inlineStr"><is><t>{v}</t></is></c>'
        for c, v in zip("ABCDE", ["Acme", "large", "finance", "high", "high"])) + "</row>" + "<row/>" * 1000)
    result = batch(path)
    assert result.exit_code == 0, result.output
    assert '"profile":"Acme"' in result.stdout.replace(" ", "")
