"""Messages that stayed in English under the default Chinese interface: bad CSV rows, workbooks,
price files, outputs that cannot be written, memo names, values cut short. Each in Chinese here,
with no English left but ids, file names and the user's own values."""

from __future__ import annotations

import re

import pytest

from conftest import PROFILES
from test_chinese_first import advisor, english_left

ALLOWED = {"encoding", "utf-8", "xlsx", "md", "html", "docx", "prices", "items", "servers", "rules", "yaml",
           "FILE", "UTF", "xls", "format", "pdf", "million"}  # option names and suffixes
BANK = str(PROFILES / "05-hybrid-bank.yaml")


def cases(tmp_path) -> list[list[str]]:
    rows = tmp_path / "rows.csv"
    rows.write_bytes(b"name,size,sector,privacy,budget\nA,small,finance,high,low\n"
                     b"B\xff\xfe,small,finance,high,low\n"  # bytes no encoding of the file has
                     b"C,small,finance,high,low,extra\n"  # a cell more than the header
                     b'"' + b"x" * 140_000 + b'",small,finance,high,low\n'  # a cell over csv's limit
                     + ("N" * 1500 + ",small,finance,high,low\n").encode())  # a value cut short
    unnamed = tmp_path / "unnamed.csv"
    unnamed.write_text("name,size,sector,privacy,budget,\nA,small,finance,high,low,x\n", "utf-8")
    fake_book = tmp_path / "book.xlsx"
    fake_book.write_bytes(b"not a zip")
    prices = tmp_path / "prices.yaml"
    prices.write_text("items: []\n", "utf-8")
    broken_prices = tmp_path / "broken.yaml"
    broken_prices.write_text("prices: [\n", "utf-8")
    import openpyxl

    book = openpyxl.Workbook()
    sheet = book.active
    sheet.title = "客户"
    sheet.append(["企业名称", "员工人数", "行业", "隐私要求", "预算"])
    sheet.append(["甲", "很多", "物流", "高", "低"])
    sheet.append(["乙", None, "金融", "高", "低"])
    workbook = tmp_path / "clients.xlsx"
    book.save(workbook)
    return [
        ["batch", str(workbook), "-q"],
        ["batch", str(rows), "-q"],
        ["batch", str(unnamed), "-q"],
        ["batch", str(fake_book)],
        ["advise", BANK, "--prices", str(prices)],
        ["advise", BANK, "--prices", str(broken_prices)],
        ["batch", BANK, "-q", "-o", "/dev/full"],
        ["memo", BANK, "-o", str(tmp_path / "memo")],
        ["ask", "--memo", str(tmp_path / "memo.pdf")],
        ["advise", str(tmp_path / "big.yaml")],
    ]


def test_these_messages_are_said_in_chinese(tmp_path):
    (tmp_path / "big.yaml").write_text("name: A\nsize: small\nsector: finance\nprivacy: high\nbudget: "
                                       + "9" * 5000 + "\n", "utf-8")
    for args in cases(tmp_path):
        result = advisor(*args, stdin=b"")
        message = result.stderr.decode("utf-8")
        assert result.returncode in (1, 2), (args, message)
        assert re.search(r"[\u4e00-\u9fff]", message), (args, message)
        left = english_left(re.sub(r"'[^']*'…", " ", message), ALLOWED)
        assert not left, (args, left, message)


@pytest.mark.skipif(not __import__("os").path.exists("/dev/full"), reason="needs /dev/full")
def test_a_full_disk_is_said_in_chinese_with_the_output_named(tmp_path):
    result = advisor("batch", BANK, "-q", "-o", "/dev/full")
    assert result.returncode == 2
    assert result.stderr.decode("utf-8").strip() == "advisor：错误：/dev/full：磁盘空间不足"


def test_a_drafts_answer_no_longer_allowed_is_explained_in_chinese(tmp_path):
    draft = tmp_path / "draft.yaml"
    draft.write_text("name: 甲\nprivacy: 不确定\n", "utf-8")
    result = advisor("ask", "--from", str(draft), stdin=b"")
    out = result.stdout.decode("utf-8")
    note = out[out.index("隐私要求（privacy）"):out.index("重新询问")]
    assert "不再允许" in note and not english_left(note, {"low", "medium", "high"}), note


def test_every_message_template_is_written_once():
    """The first template a message matches is used: a second entry of the same English text
    would be a translation nobody sees, and one of two wordings nobody chose."""
    from collections import Counter

    from advisor.ui_text import package_data

    counts = Counter(entry["en"] for entry in package_data("advisor", "messages.yaml")["messages"])
    assert [en for en, n in counts.items() if n > 1] == []
