"""Every date a user may give (``--as-of``, ``memo --date``) works or is refused at the option.

A zip entry's time holds only the years 1980 to 2107 (a Word memo dated outside them ended in
exit 3), and the upcoming window of an as-of date in the calendar's last year ran past year 9999.
"""

from __future__ import annotations

import io
import zipfile

import pytest

from click.testing import CliRunner
from conftest import PROFILES

PROFILE = str(PROFILES / "05-hybrid-bank.yaml")
EDGES = ["0001-01-01", "1979-12-31", "2108-01-01", "9999-12-31"]


@pytest.mark.parametrize("day", EDGES)
@pytest.mark.parametrize("command", [["advise", PROFILE, "-f", "json"], ["memo", PROFILE, "-o", "memo.docx"]])
@pytest.mark.parametrize("option", ["--as-of", "--date"])
def test_a_date_outside_what_files_hold_is_refused_at_the_option(cli, tmp_path, monkeypatch, day, command, option):
    """A zip entry's time holds only 1980 to 2107: such a date either works or, as here, is refused
    with a clear error naming the option (never exit 3)."""
    if option == "--date" and command[0] != "memo":
        return
    monkeypatch.chdir(tmp_path)
    result = CliRunner().invoke(__import__("advisor.cli", fromlist=["cli"]).cli, [*command, option, day])
    assert result.exit_code == 2 and option in result.output and "1980-01-01" in result.output
    assert not (tmp_path / "memo.docx").exists()


@pytest.mark.parametrize("day", ["1980-01-01", "2107-12-31"])
@pytest.mark.parametrize("option", ["--date", "--as-of"])
def test_a_word_memo_at_the_edges_of_the_range_is_written(cli, tmp_path, day, option):
    out = tmp_path / "memo.docx"
    result = cli("memo", PROFILE, option, day, "-o", str(out))
    assert result.exit_code == 0, result.stderr
    with zipfile.ZipFile(io.BytesIO(out.read_bytes())) as archive:
        assert len({info.date_time[:3] for info in archive.infolist()}) == 1


def test_the_upcoming_window_stops_at_the_calendars_last_day():
    import datetime as dt

    from advisor.compliance import window_end

    assert window_end(dt.date(9999, 1, 1)) == dt.date.max
    assert window_end(dt.date(2024, 2, 29)) == dt.date(2025, 2, 28)
