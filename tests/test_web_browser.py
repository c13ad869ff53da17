"""The questionnaire in a real browser (headless Chromium): filled in Chinese end to end.

Needs Debian's Chromium (``apt-get install -y chromium chromium-driver``) and the Python package
playwright (in the ``test`` extra; its own browser download is never used). Without a browser
these tests are skipped, saying how to install one — unless ``ADVISOR_REQUIRE_BROWSER=1`` (set by
``.ci/run``), which turns the skip into a failure. ``ADVISOR_SCREENSHOTS=DIR`` saves a screenshot
of every page in both languages into DIR.
"""

from __future__ import annotations

import os
import shutil
import socket
import subprocess
import sys
import tempfile
import time
import urllib.parse
import urllib.request
import zipfile
from pathlib import Path

import pytest

from conftest import ROOT

LAUNCH_FLAGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
                "--disable-background-networking", "--disable-component-update", "--disable-sync"]
CLIENTS = "企业名称,规模,行业,隐私要求,预算,应用场景,面向公众\n" + "\n".join([
    "江南银行,大型,金融,高,3000万,智能风控;智能客服,否", "云帆电商,小型,电商,低,低,智能营销;内容生成,是",
    "明德学校,中型,教育,中,中,知识搜索,是", "北岭矿业,大型,矿山,高,高,数据分析,否",
    "华东制造,中型,工业,中,800万,代码生成,否", "星河传媒,小型,影视游戏,低,中,内容生成;数字人,是",
    "仁心医院,大型,医疗,高,高,智能客服,是", "海湾银行,中型,金融,高,中,智能风控,否",
    "远山文旅,小型,文旅,低,低,智能客服,是", "坏数据,巨型,金融,高,低,,否"]) + "\n"
INSTALL = "install it with: apt-get install -y chromium chromium-driver (Debian), then pip install -e '.[test]'"


def _chromium() -> str | None:
    for candidate in (os.environ.get("ADVISOR_CHROMIUM"), "/usr/bin/chromium", shutil.which("chromium"),
                      shutil.which("chromium-browser")):
        if candidate and Path(candidate).exists():
            return candidate
    return None


def _unavailable(reason: str) -> None:
    if os.environ.get("ADVISOR_REQUIRE_BROWSER") == "1":
        pytest.fail(f"the browser tests must run here (ADVISOR_REQUIRE_BROWSER=1), but {reason}")
    pytest.skip(f"no browser for the web tests: {reason}; {INSTALL}")


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.fixture(scope="module")
def server():
    """``advisor serve`` in its own process on a free port; its base URL."""
    port = _free_port()
    log = tempfile.TemporaryFile()
    process = subprocess.Popen([sys.executable, "-m", "advisor", "serve", "--port", str(port)], cwd=ROOT,
                               stdout=log, stderr=log)
    base = f"http://127.0.0.1:{port}"
    deadline = time.monotonic() + 30
    while True:
        try:
            urllib.request.urlopen(base + "/static/style.css", timeout=1).read()
            break
        except OSError:
            if process.poll() is not None or time.monotonic() > deadline:
                process.kill()
                log.seek(0)
                pytest.fail(f"advisor serve did not start:\n{log.read().decode(errors='replace')}")
            time.sleep(0.1)
    yield base
    process.terminate()
    process.wait(timeout=10)
    log.close()


@pytest.fixture(scope="module")
def browser():
    executable = _chromium()
    if executable is None:
        _unavailable("Chromium was not found")
    try:
        from playwright.sync_api import sync_playwright
    except ImportError:
        _unavailable("the Python package playwright is not installed")
    profile = tempfile.mkdtemp(prefix="advisor-chromium-")
    with sync_playwright() as p:
        context = p.chromium.launch_persistent_context(profile, executable_path=executable, args=LAUNCH_FLAGS,
                                                       accept_downloads=True, viewport={"width": 1280, "height": 900},
                                                       locale="zh-CN")
        yield context
        context.close()
    shutil.rmtree(profile, ignore_errors=True)


@pytest.fixture()
def page(browser):
    page = browser.new_page()
    problems: list[str] = []
    # A page answered with 422 (a form with mistakes) is expected; anything else logged as an error
    # (a script error, a resource the Content-Security-Policy refused) is not.
    page.on("console", lambda m: problems.append(m.text)
            if m.type == "error" and "status of 422" not in m.text else None)
    page.on("pageerror", lambda e: problems.append(str(e)))
    yield page
    page.close()
    assert problems == []  # no script error, no resource refused by the Content-Security-Policy


def _choose(page, field: str, label: str) -> None:
    page.locator(f"#q-{field} label.choice", has_text=label).first.click()


def test_questionnaire_in_chinese_end_to_end(server, page, tmp_path, recommend):
    page.goto(server + "/")
    assert page.title().startswith("企业画像问卷")
    _choose(page, "sector", "金融")
    # the size is not known: the headcount question appears (skip logic in the page)
    assert page.locator("#q-employees").is_visible()
    page.fill("#in-employees", "三百五十")
    _choose(page, "use_cases", "智能客服")
    _choose(page, "use_cases", "智能风控")
    _choose(page, "privacy", "高")
    page.locator("#q-budget label.choice", has_text="每年金额").click()
    page.fill("#budget-amount", "800万")
    page.fill("#in-name", "华东城市银行")
    page.click("#submit")

    # a validation message beside the field, and every answer kept
    message = page.locator("#err-employees")
    assert message.inner_text() == "「三百五十」不是有效的人数。请输入 1 到 100000000 之间的整数，如 350。"
    assert page.locator("#in-employees").get_attribute("aria-invalid") == "true"
    assert page.input_value("#in-name") == "华东城市银行"
    assert page.locator("#q-sector input[value=finance]").is_checked()

    page.fill("#in-employees", "350")
    page.click("#submit")
    page.wait_for_url("**/result?**")
    expected = recommend({"name": "华东城市银行", "sector": "finance", "employees": 350,
                          "use_cases": ["customer_service", "risk_control"], "privacy": "high", "budget": "800万"},
                         lang="zh")
    assert page.locator("#mode strong").inner_text() == expected["deployment"]["label"]
    assert page.locator("#mode code").inner_text() == expected["deployment"]["mode"]

    with page.expect_download() as caught:
        page.click("#memo-docx")
    download = caught.value
    assert download.suggested_filename == "华东城市银行.docx"
    saved = tmp_path / "memo.docx"
    download.save_as(saved)
    with zipfile.ZipFile(saved) as word:
        assert "word/document.xml" in word.namelist()
        assert "华东城市银行" in word.read("word/document.xml").decode("utf-8")
    import docx

    assert any("华东城市银行" in p.text for p in docx.Document(str(saved)).paragraphs)

    page.go_back()  # back to the form: every answer is still there
    assert page.locator("#q-sector input[value=finance]").is_checked()
    assert page.locator("#q-use_cases input[value=risk_control]").is_checked()
    assert page.input_value("#in-name") == "华东城市银行"


def test_skip_logic_and_reload_keep_the_answers(server, page):
    page.goto(server + "/")
    assert not page.locator("#q-modalities").is_visible()
    _choose(page, "public_facing", "是")
    assert page.locator("#q-modalities").is_visible()  # asked for a public service
    _choose(page, "size", "大型")
    assert not page.locator("#q-employees").is_visible()  # the size is known
    _choose(page, "sector", "医疗")
    page.reload()
    assert page.locator("#q-sector input[value=healthcare]").is_checked()
    assert page.locator("#q-size input[value=large]").is_checked()
    assert page.locator("#q-modalities").is_visible()


def test_whatif_from_the_result_page(server, page):
    page.goto(server + "/result?sector=finance&size=large&privacy=high&budget=high&critical_infrastructure=true"
                       "&name=%E6%B1%9F%E5%8D%97%E9%93%B6%E8%A1%8C")
    page.select_option("#set-critical_infrastructure", "false")
    page.locator("#wi-critical_infrastructure button").click()
    page.wait_for_url("**/whatif?**")
    assert "假如 关键信息基础设施 由 是 改为 否" in page.locator("#whatif-head h1").inner_text()
    assert page.locator("#diff").inner_text().count("compliance[") >= 1


def test_whatif_in_the_browser_agrees_with_the_api(server, page):
    """The what-if form on the result page gives the API's difference (the same engine path): a
    size given where only the headcount was keeps the headcount, as advisor whatif --set does."""
    import json

    profile = {"name": "启明设计工作室", "sector": "culture_tourism", "employees": 8, "use_cases": ["content_generation"],
               "privacy": "medium", "budget": "low", "public_facing": True}
    request = urllib.request.Request(server + "/api/v1/whatif?lang=en&as_of=2026-01-01",
                                     data=json.dumps({"profile": profile, "set": {"size": "small"}}).encode(),
                                     headers={"Content-Type": "application/json"})
    expected = json.loads(urllib.request.urlopen(request, timeout=30).read())["diff"]
    assert expected
    page.goto(server + "/result?sector=culture_tourism&employees=8&use_cases=&use_cases=content_generation"
                       "&privacy=medium&budget=low&public_facing=true&lang=en&as_of=2026-01-01&name="
                       + urllib.parse.quote(profile["name"]))
    page.select_option("#set-size", "small")
    page.locator("#wi-size button").click()
    page.wait_for_url("**/whatif?**")
    shown = page.locator("#diff tbody tr td:first-child code").all_inner_texts()
    assert shown == [d["path"] for d in expected]


def test_batch_errors_follow_the_language_switch(server, page, tmp_path):
    source = tmp_path / "clients.csv"
    source.write_text("name,sector,size,privacy,budget\nAcme,finance,large,high,high\nBad,banana,large,high,high\n",
                      encoding="utf-8")
    page.goto(server + "/batch")  # uploaded from the Chinese page
    page.set_input_files("#file", str(source))
    page.click("#upload")
    page.wait_for_url("**/batch/**")
    assert "第 2 条记录" in page.locator("#batch-errors").inner_text()
    page.click("#lang-switch")
    page.wait_for_url("**lang=en**")
    errors = page.locator("#batch-errors").inner_text()
    assert "clients.csv, record 2, line 3: invalid profile" in errors and "画像无效" not in errors


RESULT = ("/result?sector=finance&size=large&use_cases=&use_cases=risk_control&use_cases=customer_service&privacy=high"
          "&budget=amount&budget_amount=3000%E4%B8%87&personal_info=sensitive&customization=rag&ml_team=strong"
          "&critical_infrastructure=true&name=%E6%B1%9F%E5%8D%97%E5%86%9C%E6%9D%91%E5%95%86%E4%B8%9A%E9%93%B6%E8%A1%8C")


def test_a_counterfactual_applied_on_the_result_page_changes_the_mode(server, page, recommend):
    page.goto(server + RESULT)
    before = page.locator("#mode code").inner_text()
    rows = page.locator("#counterfactuals tbody tr")
    assert rows.count() >= 1
    first = rows.first
    expected_mode = first.locator("td").nth(1).locator("code").inner_text()
    assert expected_mode != before
    first.locator("a.cf-link").click()
    page.wait_for_url("**/whatif?**")
    # the what-if page shows the change and the whole recommendation after it, with the mode the row named
    assert expected_mode in page.locator("#mode-change").inner_text()
    assert page.locator("#mode code").inner_text() == expected_mode
    page.click("#keep")  # keeping the changed answers: the result page now recommends that mode
    page.wait_for_url("**/result?**")
    assert page.locator("#mode code").inner_text() == expected_mode


def test_the_costs_table_and_the_break_even_on_the_result_page(server, page, recommend):
    page.goto(server + RESULT + "&lang=en")
    expected = recommend({"name": "江南农村商业银行", "sector": "finance", "size": "large",
                          "use_cases": ["risk_control", "customer_service"], "privacy": "high", "budget": "3000万",
                          "personal_info": "sensitive", "customization": "rag", "ml_team": "strong",
                          "critical_infrastructure": True}, lang="en")
    rows = page.locator("#costs table.costs tbody tr")
    assert rows.count() == len(expected["costs"])
    assert [rows.nth(i).locator("code").inner_text() for i in range(rows.count())] == [c["mode"] for c in expected["costs"]]
    from advisor.costs.money import money_range

    first = expected["costs"][0]
    assert rows.first.locator("td").nth(1).inner_text() == money_range(first["first_year_cny"], "en")
    # the components are there on demand: hidden until their summary is clicked
    parts = page.locator(f"#components-{first['mode']} table.parts")
    assert not parts.is_visible()
    page.locator(f"#components-{first['mode']} summary").click()
    assert parts.is_visible()
    assert parts.locator("tbody tr").count() == len(first["components"])
    result = page.locator("#break-even-result").inner_text()
    assert ("never pay back" in result) if expected["break_even"]["months"] is None else "months" in result
    assert page.locator("#break-even-sum").inner_text() == expected["break_even"]["formula"]


def test_batch_upload_in_the_browser(server, page, tmp_path):
    source = tmp_path / "客户名单.csv"
    source.write_text("企业名称,规模,行业,隐私要求,预算\n甲,中型,金融,高,800万\n乙,小型,电商,低,低\n", encoding="utf-8")
    page.goto(server + "/batch")
    page.set_input_files("#file", str(source))
    page.click("#upload")
    page.wait_for_url("**/batch/**")
    assert "共 2 条记录" in page.locator("#batch-counts").inner_text()
    assert page.locator("svg.chart rect").count() >= 2


def test_screenshots_of_every_page(server, page, tmp_path):
    """Every page renders in both languages (kept in ADVISOR_SCREENSHOTS=DIR to look at)."""
    out = Path(os.environ.get("ADVISOR_SCREENSHOTS") or tmp_path / "shots")
    out.mkdir(parents=True, exist_ok=True)
    answers = ("sector=finance&size=large&use_cases=&use_cases=risk_control&use_cases=customer_service&privacy=high"
               "&budget=amount&budget_amount=3000%E4%B8%87&personal_info=sensitive&customization=rag&ml_team=strong"
               "&critical_infrastructure=true&name=%E6%B1%9F%E5%8D%97%E5%86%9C%E6%9D%91%E5%95%86%E4%B8%9A%E9%93%B6%E8%A1%8C")
    pages = {"questionnaire": "/?", "invalid": "/result?employees=abc&", "result": f"/result?{answers}&",
             "result-dated": f"/result?{answers}&as_of=2025-06-01&",
             "whatif": f"/whatif?{answers}&set.privacy=low&set.budget=low&", "batch": "/batch?", "api": "/api?"}
    for lang in ("zh", "en"):
        for name, path in pages.items():
            page.goto(f"{server}{path}lang={lang}")
            page.screenshot(path=str(out / f"{name}-{lang}.png"), full_page=True)
        page.goto(f"{server}/result?{answers}&lang={lang}")
        page.screenshot(path=str(out / f"result-top-{lang}.png"))
        source = tmp_path / "clients.csv"
        source.write_text(CLIENTS, encoding="utf-8")
        page.goto(f"{server}/batch?lang={lang}")
        page.set_input_files("#file", str(source))
        page.click("#upload")
        page.wait_for_url("**/batch/**")
        page.screenshot(path=str(out / f"batch-result-{lang}.png"), full_page=True)
    shots = sorted(out.glob("*.png"))
    assert len(shots) == 2 * (len(pages) + 2)
    for shot in shots:
        data = shot.read_bytes()
        width, height = int.from_bytes(data[16:20], "big"), int.from_bytes(data[20:24], "big")
        assert data[:8] == b"\x89PNG\r\n\x1a\n" and width == 1280 and height >= 600, shot.name


def test_without_a_browser_the_tests_skip_with_the_install_hint_unless_required(monkeypatch):
    monkeypatch.delenv("ADVISOR_REQUIRE_BROWSER", raising=False)
    with pytest.raises(pytest.skip.Exception, match="apt-get install -y chromium chromium-driver"):
        _unavailable("Chromium was not found")
    monkeypatch.setenv("ADVISOR_REQUIRE_BROWSER", "1")
    with pytest.raises(pytest.fail.Exception, match="must run here"):
        _unavailable("Chromium was not found")
