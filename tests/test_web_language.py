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


# Requests the API refuses, each with a message to say in the request's language.
JSON = {"content-type": "application/json"}
PROFILE = {"name": "Acme", "sector": "finance", "size": "large", "privacy": "high", "budget": "high"}
REFUSED = [
    ("/api/v1/advise", b"{bad", JSON),
    ("/api/v1/advise", b'{"name": "x",}', JSON),
    ("/api/v1/advise", b'{"a" 1}', JSON),
    ("/api/v1/advise", b"[1 2]", JSON),
    ("/api/v1/advise", b'{"a": 01}', JSON),
    ("/api/v1/advise", b'"\\q"', JSON),
    ("/api/v1/advise", b"\xff\xfe{}", JSON),
    ("/api/v1/advise", b"", JSON),
    ("/api/v1/advise", b"[]", JSON),
    ("/api/v1/advise", b'{"sector": "finance"}', {"content-type": "text/plain"}),
    ("/api/v1/advise", b'{"a": 1, "a": 2}', JSON),
    ("/api/v1/whatif", b'{"x": 1}', JSON),
    ("/api/v1/whatif", b'{"profile": {}, "set": {}}', JSON),
    ("/api/v1/whatif", b'{"profile": %s, "set": {"privacy": "x"}}' % __import__("json").dumps(PROFILE).encode(), JSON),
    ("/api/v1/batch", b"{}", JSON),
    ("/api/v1/batch", b"[]", JSON),
    ("/api/v1/batch?format=pdf", b"[]", JSON),
    ("/api/v1/memo?date=2020-13-45", b"{}", JSON),
]


def _messages(body: dict) -> list[str]:
    return [body["error"]] if "error" in body else [e["message"] for e in body["errors"]]


@pytest.mark.parametrize(("path", "body", "headers"), REFUSED, ids=[f"{p}:{b[:12]!r}" for p, b, _ in REFUSED])
def test_api_refusals_are_said_in_chinese_by_default(web, path, body, headers):
    response = web.post(path, content=body, headers=headers)
    assert 400 <= response.status_code < 500
    for message in _messages(response.json()):
        assert re.search(r"[\u4e00-\u9fff]", message), message
        # no English sentence left: the words of an English message
        assert not re.search(r"\b(the|is|are|must|not|expected|unexpected|send|give|got)\b", message), message
    english = web.post(path + ("&" if "?" in path else "?") + "lang=en", content=body, headers=headers)
    assert english.status_code == response.status_code
    assert all(not re.search(r"[\u4e00-\u9fff]", m.split("allowed")[0]) for m in _messages(english.json()))


def test_the_415_message_quotes_its_headers_as_written(web):
    """A header is quoted as it is sent, with its ASCII colon; the Chinese sentence around it keeps
    full-width punctuation (the message was said twice: its colons became full-width)."""
    response = web.post("/api/v1/advise", content=b"{}", headers={"content-type": "text/plain"})
    assert response.status_code == 415
    assert response.json()["error"] == ("请以 JSON 发送请求体，并加上请求头 Content-Type: application/json"
                                        "（收到的是 Content-Type: text/plain）。")


def test_a_message_said_in_chinese_is_not_translated_again(web):
    """The API's Chinese messages are the command line's, character for character."""
    from advisor.errors import ProfileError
    from advisor.profile import parse_profile

    with pytest.raises(ProfileError) as raised:
        parse_profile([])
    said = raised.value.details("zh")[0]["message"]
    response = web.post("/api/v1/advise", json=[])
    assert response.json()["errors"][0]["message"] == said and "“字段: 值”" in said


def test_zh_wording_of_the_pages_keeps_its_punctuation():
    """Chinese sentences take full-width punctuation, even after an ASCII word (``JSON：``); a
    header or code quoted inside keeps its ASCII colon (``Content-Type: text/plain``)."""
    import yaml

    from conftest import ROOT

    data = yaml.safe_load((ROOT / "advisor" / "web" / "text.yaml").read_text(encoding="utf-8"))
    for key, texts in data.items():
        zh = texts["zh"]
        # (a query string quoted, ?lang=en, keeps its ASCII question mark)
        assert not re.search(r"[\u4e00-\u9fff“”「」（）](?:[,;!]|\?(?![a-z]))|[,;!?][\u4e00-\u9fff“「（]", zh), (key, zh)
        assert not re.search(r"\b(Content-Type|Authorization)：", zh), (key, zh)  # a header as written


BANK = [("sector", "finance"), ("size", "large"), ("use_cases", ""), ("use_cases", "risk_control"), ("privacy", "high"),
        ("budget", "amount"), ("budget_amount", "3000万"), ("personal_info", "sensitive"),
        ("critical_infrastructure", "true"), ("name", "江南银行")]


def _visible(html: str) -> list[str]:
    """The lines of text a reader sees (code, commands and the chart left out)."""
    body = html.split("<body", 1)[1]
    body = re.sub(r"<(code|pre|script|style|svg)\b.*?</\1>", " ", body, flags=re.S)
    return [line.strip() for line in unescape(re.sub(r"<[^>]+>", "\n", body)).split("\n") if line.strip()]


def _pages(web) -> list[tuple[str, list[tuple[str, str]]]]:
    sent = web.post("/batch", files={"file": ("list.csv", BAD_ROWS, "text/csv")}, follow_redirects=False)
    return [("/", []), ("/", [("employees", "abc"), ("sector", "zzz")]), ("/result", BANK), ("/result", [("sector", "finance")]),
            ("/result", BANK + [("as_of", "soon")]), ("/result", BANK + [("as_of", "1990-01-01")]),
            ("/whatif", BANK + [("set.privacy", "low")]), ("/whatif", BANK + [("set.privacy", "zzz")]),
            ("/batch", []), (sent.headers["location"].split("?")[0], []), ("/batch/gone", []), ("/api", []),
            ("/login", []), ("/no-such-page", [])]


def test_every_page_reads_in_chinese(web):
    """No English sentence (three English words in a row) on any page in Chinese, the default."""
    for path, params in _pages(web):
        response = web.get(path, params=params)
        assert '<html lang="zh-CN">' in response.text, path
        english = [line for line in _visible(response.text) if re.search(r"\b[A-Za-z]{2,}( [A-Za-z]{2,}){2,}\b", line)]
        assert english == [], (path, params, english)


def test_the_api_page_lists_every_endpoint_in_the_page_language(web):
    spec = web.get("/openapi.json").json()
    endpoints = [(method.upper(), path, op["summary"]) for path, ops in spec["paths"].items() for method, op in ops.items()]
    assert len(endpoints) == 5
    chinese, english = unescape(web.get("/api").text), unescape(web.get("/api?lang=en").text)
    for method, path, summary in endpoints:
        assert f"<code>{path}</code>" in chinese and f"<code>{path}</code>" in english
        assert summary in english and summary not in chinese  # the OpenAPI description's English, on the English page
    assert "为一份画像给出建议" in chinese and "Recommend for one profile" in english


# The terminal's instructions (advisor ask): keys to press, numbers to type, '-' and '?'.
TERMINAL = re.compile(r"回车|press Enter|Enter =|Enter or -|输入编号|type a (?:band's )?number|\? for help|\? 查看说明"
                      r"|- 表示|- for none")


@pytest.mark.parametrize("lang", ["zh", "en"])
def test_no_page_gives_the_terminals_instructions(web, lang):
    """The questionnaire's help is shared with ``advisor ask``; a page says how to leave a question
    unanswered in its own words (choose its empty answer, leave the box empty)."""
    for path, params in _pages(web):
        said = [line for line in _visible(web.get(path, params=params + [("lang", lang)]).text) if TERMINAL.search(line)]
        assert said == [], (path, said)
    form = unescape(web.get("/", params={"lang": lang}).text)
    assert ("不清楚时留空" if lang == "zh" else "if you do not know, leave the box empty") in form
    assert ("不确定划型时选“不确定，下一题填写员工人数”" if lang == "zh" else 'choose "not sure, give the headcount next"') in form


def test_the_terminal_keeps_its_own_instruction():
    from advisor.ask.present import help_block
    from advisor.ask.questionnaire import load_questionnaire

    questions = load_questionnaire()
    assert "不清楚时直接回车" in help_block(questions.question("users"), "zh")
    assert "if you do not know, press Enter" in " ".join(help_block(questions.question("users"), "en").split())
    for q in questions.questions:  # {skip} says how to leave a question unanswered: only one that may be
        if "{skip}" in q.help.zh + q.help.en:
            assert q.empty is not None and "{skip}" in q.help.zh and "{skip}" in q.help.en, q.field


@pytest.mark.parametrize("lang", ["zh", "en"])
def test_a_huge_answer_is_quoted_cut_short_with_the_reason(web, lang):
    """A 5,000-character answer is not echoed whole beside its field; a name that is too long
    says so and the limit, as a profile file with that name is told (not 'type it again')."""
    response = web.get("/result", params={"sector": "z" * 5000, "size": "large", "privacy": "high", "budget": "high",
                                          "name": "x" * 3000, "lang": lang})
    assert response.status_code == 422
    errors = dict(re.findall(r'<p class="error" id="err-(\w+)"[^>]*>(.*?)</p>', unescape(response.text)))
    assert len(errors["sector"]) < 400 and ("（共 5,000 个字符）" if lang == "zh" else "(5,000 characters)") in errors["sector"]
    from advisor.ask.fields import normalise
    from advisor.messages import translate

    with pytest.raises(ValueError) as raised:
        normalise("name", "x" * 3000)
    assert errors["name"] == translate(str(raised.value), lang)
    assert ("最多 1,000 个字符" if lang == "zh" else "at most 1,000 characters") in errors["name"]
    head = unescape(re.search(r'id="errors-head">(.*?)<', response.text).group(1))
    assert head == ("有 2 个回答需要修改，已在下方标出。" if lang == "zh" else
                    "Answers that need attention: 2; they are marked below.")


@pytest.mark.parametrize("lang", ["zh", "en"])
def test_every_part_of_a_whatif_difference_has_its_heading(web, lang):
    """The what-if table names the part of the recommendation each difference is in: every key
    of the recommendation has a heading in both languages (no raw key, no '{date}' left unfilled)."""
    from advisor.web.view import SHOWN, View

    view = View(web.app.state.ctx, lang, "/whatif", {})
    labels = {key: view.path_label(f"{key}.x") for key in SHOWN}
    assert all(label != key and "{" not in label for key, label in labels.items()), labels
    assert labels["as_of"] == ("评估日期" if lang == "zh" else "Checklist date")
    html = unescape(web.get("/whatif", params=BANK + [("set.critical_infrastructure", "false"), ("lang", lang)]).text)
    parts = re.findall(r'<span class="part">(.*?)</span>', html)
    assert parts and set(parts) <= set(labels.values())


def test_every_way_a_mode_is_decided_has_its_sentence():
    from advisor.ranking import BY_SCORE, DECIDED_BY
    from advisor.web.text import wt

    for how in DECIDED_BY:
        if how != BY_SCORE:  # (the highest score needs no sentence)
            assert f"decided_{how}" in wt.entries, how


def test_the_pages_wording_gives_each_key_once():
    """A key given twice in text.yaml silently keeps the last: a heading took a message's
    template and showed '{name}（set.{field}）：{error}'."""
    import yaml

    from conftest import ROOT

    root = yaml.compose((ROOT / "advisor" / "web" / "text.yaml").read_text(encoding="utf-8"))
    keys = [key.value for key, _ in root.value]
    assert sorted(k for k in set(keys) if keys.count(k) > 1) == []


@pytest.mark.parametrize("lang", ["zh", "en"])
def test_no_page_shows_a_placeholder_unfilled(web, lang):
    for path, params in _pages(web):
        left = [line for line in _visible(web.get(path, params=params + [("lang", lang)]).text)
                if re.search(r"\{[a-z_]+\}", line)]
        assert left == [], (path, left)


@pytest.mark.parametrize("lang", ["zh", "en"])
def test_answers_that_make_no_profile_are_told_why_in_the_page_language(web, lang, monkeypatch):
    """Answers each valid that still make no profile (no size and no headcount, from a hand-made
    address) are told the profile's reason in the page's language, not the English raised."""
    import advisor.web.pages as pages
    from advisor.web.form import Answers

    monkeypatch.setattr(pages, "read_answers", lambda *args, **kwargs: Answers([], {
        "name": "Acme", "sector": "finance", "privacy": "high", "budget": "high"}))
    html = unescape(web.get("/result", params={"lang": lang}).text)
    said = re.search(r'id="profile-error">(.*?)</div>', html).group(1)
    assert said.startswith("画像不完整：“size”（规模）和“employees”（员工人数）至少要填一个" if lang == "zh"
                           else "The profile is not complete: one of 'size' or 'employees' is required")


def test_labels_on_the_pages_take_the_punctuation_of_their_language(web):
    """A label before what it names takes 规则：/ Rules: , a count 有误的记录（1）/ Invalid records (1)."""
    for lang, colon, count in (("zh", "：", "有误的记录（1）"), ("en", ": ", "Invalid records (1)")):
        lines = _visible(web.get("/result", params=BANK + [("lang", lang)]).text)
        rules = "规则" if lang == "zh" else "Rules"
        assert f"{rules}{colon}".strip() in lines and f"{rules}{':' if lang == 'zh' else '：'}" not in lines
        sent = web.post(f"/batch?lang={lang}", files={"file": ("list.csv", BAD_ROWS[:BAD_ROWS.rindex(b"No Budget")],
                                                               "text/csv")}, follow_redirects=False)
        page = unescape(web.get(sent.headers["location"]).text)
        assert f"<h2>{count}</h2>" in page
        assert ("下载结果：" if lang == "zh" else "Download the results: ") in page
