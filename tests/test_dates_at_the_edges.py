"""Every date a user may give (``--as-of``, ``memo --date``) works, from 0001-01-01 to 9999-12-31.

A zip entry's time holds only the years 1980 to 2107 (a Word memo dated outside them ended in
exit 3), and the upcoming window of an as-of date in the calendar's last year ran past year 9999.
"""

from __future__ import annotations

import io
import zipfile

import pytest

from conftest import PROFILES, as_json

PROFILE = str(PROFILES / "05-hybrid-bank.yaml")
EDGES = ["0001-01-01", "1979-12-31", "2108-01-01", "9999-12-31"]


@pytest.mark.parametrize("day", EDGES)
def test_any_as_of_date_gives_a_recommendation(cli, day):
    result = cli("advise", PROFILE, "--as-of", day, "-f", "json")
    assert result.exit_code == 0, result.stderr
    assert as_json(result)["as_of"] == day


@pytest.mark.parametrize("day", EDGES)
@pytest.mark.parametrize("option", ["--date", "--as-of"])
def test_a_word_memo_of_any_date_is_written(cli, tmp_path, day, option):
    out = tmp_path / "memo.docx"
    result = cli("memo", PROFILE, option, day, "-o", str(out))
    assert result.exit_code == 0, result.stderr
    with zipfile.ZipFile(io.BytesIO(out.read_bytes())) as archive:
        stamps = {info.date_time[:3] for info in archive.infolist()}
        core = archive.read("docProps/core.xml").decode()
    if option == "--date":
        year = int(day[:4])
        nearest = (1980, 1, 1) if year < 1980 else (2107, 12, 31) if year > 2107 else (year, 12, 31)
        assert stamps == {nearest}
        assert ">{:04}-{:02}-{:02}T00:00:00Z<".format(*nearest) in core  # the properties: the same day
        assert f"{int(day[:4])}" in _text(out)  # the memo's date as given, in its text
    else:
        assert len(stamps) == 1


def _text(path) -> str:
    import docx

    return "\n".join(p.text for p in docx.Document(str(path)).paragraphs) + "\n".join(
        cell.text for table in docx.Document(str(path)).tables for row in table.rows for cell in row.cells)


def test_the_upcoming_window_stops_at_the_calendars_last_day():
    import datetime as dt

    from advisor.compliance import window_end

    assert window_end(dt.date(9999, 1, 1)) == dt.date.max
    assert window_end(dt.date(2024, 2, 29)) == dt.date(2025, 2, 28)
