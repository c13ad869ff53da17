"""The pages and the API speak the language asked for, in words that fit a web page: every message
of a page follows its language (whatever the language a result was made in), every page exists in
zh and en, no terminal instruction reaches a page, and zh messages keep the project's punctuation."""

from __future__ import annotations

import re
import warnings
from html import unescape

import pytest

BASE = "http://127.0.0.1:8000"
BAD_ROWS = ("name,sector,size,privacy,budget\n"
            "Acme,finance,large,high,high\nBanana Co,banana,large,high,high\nNo Budget,finance,large,high,\n").encode()


@pytest.fixture(scope="module")
def web():
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        from fastapi.testclient import TestClient

    from advisor.web.app import create_app

    return TestClient(create_app(), base_url=BASE, raise_server_exceptions=False)


def _text(html: str) -> str:
    return unescape(re.sub(r"<[^>]+>", " ", html))


def _errors_card(html: str) -> str:
    return _text(re.search(r'<section class="card warn" id="batch-errors">.*?</section>', html, re.S).group(0))


@pytest.mark.parametrize("uploaded_in", ["zh", "en"])
def test_batch_row_errors_follow_the_page_language(web, uploaded_in):
    sent = web.post(f"/batch?lang={uploaded_in}", files={"file": ("list.csv", BAD_ROWS, "text/csv")},
                    follow_redirects=False)
    assert sent.status_code == 303
    page = sent.headers["location"].split("?")[0]
    english = _errors_card(web.get(page + "?lang=en").text)
    assert "list.csv, record 2, line 3: invalid profile: field 'sector': value 'banana' is not allowed" in english
    assert "record 3, line 4: invalid profile: field 'budget' is required" in english
    assert "画像无效" not in english and "条记录" not in english
    chinese = _errors_card(web.get(page + "?lang=zh").text)
    assert "list.csv，第 2 条记录，第 3 行：画像无效：字段“sector”：值 'banana' 不允许" in chinese
    assert "第 3 条记录，第 4 行：画像无效：缺少必填字段“budget”" in chinese
    # the download from a page is in that page's language, as its messages
    html = web.get(page + "?lang=en").text
    csv = web.get(unescape(re.search(r'href="([^"]+results\.csv[^"]*)"', html).group(1))).text
    assert "record 2, line 3: invalid profile" in csv and "画像无效" not in csv


def test_a_long_list_of_bad_rows_is_counted_past_what_the_page_lists(web):
    from advisor.web.pages import SHOWN_ERRORS

    rows = "".join(f"Bad {n},banana,large,high,high\n" for n in range(SHOWN_ERRORS + 3))
    sent = web.post("/batch?lang=en", files={"file": ("many.csv", ("name,sector,size,privacy,budget\n" + rows).encode(),
                                                      "text/csv")}, follow_redirects=False)
    html = web.get(sent.headers["location"]).text
    assert html.count('<td class="pre">') == SHOWN_ERRORS
    assert "3 more invalid records are not listed here" in unescape(html)
    assert f"Invalid records ({SHOWN_ERRORS + 3:,})" in unescape(html)
