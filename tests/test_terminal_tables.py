"""Terminal tables fit the terminal and break lines by Unicode's rules (UAX #14, tailored).

The command runs as a user runs it (a process of its own, COLUMNS set as a shell sets it); every
line is measured in terminal columns, a Chinese character counting two.
"""

from __future__ import annotations

import os
import re
import subprocess
import sys

import pytest

from conftest import PROFILES, ROOT

CLOSING = set("）)、。，,；;：:！!？?」』》〉】")
CODES = ["GB/T 22239-2019", "TC260-003", "GB/T 45652-2025", "GB 45438-2025", "personal-information-protection",
         "NOTE-PAIN-COMPLIANCE-SCREENING", "DEP-PRIVACY-LOCAL", "person_day_services", "2021-11-01"]


def advise(*args: str, columns: int | None) -> str:
    env = {k: v for k, v in os.environ.items() if k != "COLUMNS"}
    if columns:
        env["COLUMNS"] = str(columns)
    result = subprocess.run([sys.executable, "-m", "advisor", "advise", *args], capture_output=True, env=env,
                            cwd=ROOT, timeout=120)
    assert result.returncode == 0, result.stderr
    return result.stdout.decode("utf-8")


def _width(line: str) -> int:
    from advisor.formats.lines import width

    return width(line)


@pytest.mark.parametrize("columns", [40, 60, 100])
def test_every_line_fits_and_no_line_starts_with_closing_punctuation(columns):
    text = advise(str(PROFILES / "05-hybrid-bank.yaml"), columns=columns)
    lines = text.splitlines()
    too_wide = [line for line in lines if _width(line) > columns]
    assert not too_wide, too_wide[:3]
    starts = [line for line in lines if line.strip() and line.lstrip()[0] in CLOSING]
    assert not starts, starts[:3]
    for code in CODES:  # each code whole on one line, wherever it is
        assert code in text, (code, columns)


def test_numbers_are_never_broken(tmp_path):
    text = advise(str(PROFILES / "05-hybrid-bank.yaml"), columns=40)
    for line in text.splitlines():
        # a line never ends inside a number whose rest starts the next line: no digit-hyphen at the end
        assert not re.search(r"\d[-–~,.]$", line), line


def test_without_a_terminal_the_width_is_80():
    text = advise(str(PROFILES / "05-hybrid-bank.yaml"), columns=None)
    assert max(_width(line) for line in text.splitlines()) <= 80
    wide = advise(str(PROFILES / "05-hybrid-bank.yaml"), columns=200)
    assert max(_width(line) for line in wide.splitlines()) > 80  # a wide terminal is used


def test_a_narrow_terminal_shows_rows_as_blocks():
    text = advise(str(PROFILES / "05-hybrid-bank.yaml"), columns=40)
    assert "\n事项\n  个人信息保护（《个人信息保护法》义务）\n  personal-information-protection\n状态\n  必须\n" in text


def test_the_english_report_fits_as_well():
    text = advise(str(PROFILES / "05-hybrid-bank.yaml"), "--lang", "en", columns=50)
    assert max(_width(line) for line in text.splitlines()) <= 50
    assert "GB/T 22239-2019" in text


# --- the wrapping itself ------------------------------------------------------------------------

def test_wrap_breaks_by_uax14_and_keeps_codes_whole():
    from advisor.formats.lines import wrap

    text = "《网络安全法》（2025年修正）第二十三条；GB/T 22239-2019；TC260-003《生成式人工智能服务安全基本要求》。"
    for limit in range(17, 40):  # from the widest unit, "GB/T 22239-2019；"
        lines = wrap(text, limit)
        assert "".join(lines) == text
        assert all(_width(line) <= limit for line in lines), (limit, lines)
        assert all(line[0] not in CLOSING for line in lines if line), (limit, lines)
        assert any("GB/T 22239-2019" in line for line in lines) and any("TC260-003" in line for line in lines)
        assert any("第二十三条" in line for line in lines)


def test_wide_characters_take_two_columns():
    from advisor.formats.lines import table, width

    assert width("金融") == 4 and width("ab") == 2
    out = table([["金融", "1"], ["finance", "2"]], ["行业", "数量"], 80)
    lines = out.splitlines()
    assert {_width(line[: line.rindex(" ") + 1]) for line in lines if line.endswith(("1", "2"))} == {9}


def test_a_unit_wider_than_the_line_is_cut_but_not_before_closing_punctuation():
    from advisor.formats.lines import wrap

    lines = wrap("personal-information-protection）", 10)
    assert all(_width(line) <= 11 for line in lines) and lines[-1].endswith("）") and lines[-1] != "）"


def test_a_column_kept_whole_is_never_wrapped():
    from advisor.formats.lines import table

    rows = [["DEP-IND-ELASTIC", "未触发（排除）", "需要行业为“工业”（画像：“法律”）；需要未推导出事实 sensitive_data（已推导）" * 2]]
    wrapped = table(rows, ["规则", "作用", "原因"], 60)
    kept = table(rows, ["规则", "作用", "原因"], 60, whole=(1,))
    assert "未触发（排除）" not in wrapped  # without it, the label is the column that gives way
    assert "未触发（排除）" in kept and all(len(line) <= 60 for line in kept.splitlines())


def test_explain_keeps_each_rules_effect_on_one_line():
    done = subprocess.run([sys.executable, "-m", "advisor", "explain", str(PROFILES / "16-law-firm-local-data.yaml")],
                          capture_output=True, cwd=ROOT, timeout=120, env=dict(os.environ, COLUMNS="80"))
    out = done.stdout.decode("utf-8")
    assert done.returncode == 0 and "未触发（排除）" in out
    assert not re.search(r"未触发（[^）\n]*\n", out) and not re.search(r"（排\s*\n", out)
