"""The pages, server side: the questionnaire from questionnaire.yaml, results, what-if, batch, escaping."""

from __future__ import annotations

import re
import warnings
from html import unescape
from urllib.parse import parse_qsl, urlsplit

import pytest
import yaml

from conftest import PROFILES

BASE = "http://127.0.0.1:8000"
BANK = [("sector", "finance"), ("size", "large"), ("use_cases", ""), ("use_cases", "risk_control"),
        ("privacy", "high"), ("budget", "amount"), ("budget_amount", "3000万"), ("personal_info", "sensitive"),
        ("critical_infrastructure", "true"), ("name", "江南银行")]


@pytest.fixture(scope="module")
def web():
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        from fastapi.testclient import TestClient

    from advisor.web.app import create_app

    return TestClient(create_app(), base_url=BASE, raise_server_exceptions=False)


def errors_in(html: str) -> dict[str, str]:
    return {field: unescape(text) for field, text in re.findall(r'<p class="error" id="err-(\w+)"[^>]*>(.*?)</p>', html)}


def fieldsets(html: str) -> dict[str, bool]:
    """Each question's field -> whether the page shows it."""
    found = re.findall(r'<fieldset class="q[^"]*" id="q-(\w+)"[^>]*?(hidden disabled)?\s*(?:aria|>)', html)
    return {field: not hidden for field, hidden in found}


def test_the_form_has_every_question_of_the_questionnaire(web):
    from advisor.ask.questionnaire import load_questionnaire

    from advisor.web.view import View

    html = web.get("/").text
    questions = load_questionnaire().questions
    assert list(fieldsets(html)) == [q.field for q in questions]
    view = View(web.app.state.ctx, "zh", "/", {})
    for q in questions:
        assert unescape(q.prompt.zh) in unescape(html) and view.help_text(q) in unescape(html)
    english = web.get("/?lang=en").text
    assert all(q.prompt.en in unescape(english) for q in questions)


def test_help_shows_the_rule_packs_bands_with_their_source(web, advisor):
    from advisor.citations import cite

    for lang in ("zh", "en"):  # the source as a reader of the page's language reads it, as `advisor ask` shows it
        html = unescape(web.get("/", params={"lang": lang}).text)
        assert cite(advisor.pack.thresholds.size.source, lang) in html
        assert cite(advisor.pack.thresholds.budget.source, lang) in html
    assert "project assumption" not in unescape(web.get("/").text)


@pytest.mark.parametrize("query", [[], [("size", "large")], [("size", "")], [("use_cases", ""), ("use_cases", "marketing")],
                                   [("public_facing", "true")], [("sector", "finance"), ("use_cases", "")]])
def test_skip_logic_is_the_questionnaires(web, query):
    """A question is shown exactly when ``advisor ask`` would ask it, given the answers before it."""
    from advisor.ask.questionnaire import load_questionnaire
    from advisor.web.form import Query, read_answers

    shown = fieldsets(web.get("/", params=query).text)
    answers = read_answers(Query(dict((k, [v for kk, v in query if kk == k]) for k, _ in query)), load_questionnaire(),
                           "zh", check=False)
    state: dict = {}
    for q in load_questionnaire().questions:
        asked = q.applies(state)
        assert shown[q.field] == asked, q.field
        if asked and q.field in answers.values:
            state[q.field] = answers.values[q.field]


def test_answers_in_the_address_fill_the_form(web):
    html = web.get("/", params=BANK).text
    assert re.search(r'name="sector" value="finance" checked', html)
    assert re.search(r'name="budget" value="amount" id="budget-amount-choice" checked', html)
    assert 'value="3000万"' in html and 'value="江南银行"' in html
    assert re.search(r'name="use_cases" value="risk_control" checked', html)
    assert not re.search(r'name="use_cases" value="marketing" checked', html)


def test_validation_messages_stand_beside_their_fields_and_keep_the_answers(web):
    response = web.get("/result", params=[("sector", "金融"), ("size", ""), ("employees", "三百"), ("privacy", "high"),
                                          ("budget", "amount"), ("budget_amount", "很多"), ("name", "")])
    assert response.status_code == 422
    errors = errors_in(response.text)
    assert errors == {
        "employees": "「三百」不是有效的人数。请输入 1 到 100000000 之间的整数，如 350。",
        "budget": "「很多」不是有效的预算。请选择档位，或填写每年金额（元），如 300000、80万、1.2亿。",
        "name": "这个问题需要回答。",
    }
    assert 'value="三百"' in response.text and 'value="很多"' in response.text  # nothing typed is lost
    assert re.search(r'name="sector" value="finance" checked', response.text)
    english = errors_in(web.get("/result", params=[("lang", "en"), ("employees", "x")]).text)
    assert english["employees"].startswith("'x' is not a headcount.")
    assert english["sector"] == "This question needs an answer."


def test_the_result_page_shows_the_recommendation(web, recommend):
    html = unescape(web.get("/result", params=BANK).text)
    rec = recommend({"name": "江南银行", "sector": "finance", "size": "large", "use_cases": ["risk_control"],
                     "privacy": "high", "budget": "3000万", "personal_info": "sensitive",
                     "critical_infrastructure": True}, lang="zh")
    assert re.search(rf'id="mode"><strong>{rec["deployment"]["label"]}</strong> <code>{rec["deployment"]["mode"]}', html)
    for item in rec["compliance"]:
        assert f'id="item-{item["id"]}"' in html and item["basis"] in html
    from advisor.citations import cite

    for entry in rec["trace"]:  # sources as a Chinese reader reads them, as in the table output
        assert entry["rule"] in html and cite(entry["source"], "zh") in html
    for alt in rec["deployment"]["alternatives"]:
        assert alt["label"] in html
    assert 'href="/memo.docx?' in html and 'href="/?sector=finance' in html  # downloads, and back to the answers


def test_new_keys_of_the_recommendation_have_their_blocks(web):
    """Keys of contract §4.3 that other parts of the project add are rendered when present."""
    from advisor.web.app import templates
    from advisor.web.view import View

    ctx = web.app.state.ctx
    rec = ctx.engine.recommend(_bank_profile(), "zh")
    rec["deployment"]["excluded"] = [{"mode": "saas", "rules": ["DEP-X"], "reason": "数据不得出本单位"}]
    rec["deployment"]["alternatives"][0]["excluded"] = True
    rec["conflicts"] = [{"fields": ["privacy", "budget"], "text": "数据须留在本地，但预算负担不起本地服务器", "rules": ["C-1"]}]
    rec["as_of"] = "2025-03-01"
    rec["upcoming"] = [dict(rec["compliance"][0], id="future-item", title="将来的义务")]
    rec["costs"] = [{"mode": "hybrid", "first_year_cny": [1_000_000, 2_000_000], "three_year_cny": [2_000_000, 5_000_000],
                     "within_budget": True, "components": [{"item": "GPU 服务器", "cny": [500_000, 800_000], "source": "报价"}],
                     "assumptions": ["三年折旧"]}]
    rec["break_even"] = {"months": 14, "capex_cny": 800_000, "monthly_api_cny": 60_000, "monthly_power_cny": 3_000,
                         "monthly_tokens": 2_000_000_000}
    rec["counterfactuals"] = [{"change": {"privacy": "low"}, "mode": "saas"}]
    rec["brand_new_key"] = {"anything": [1, "二"]}
    rec["deployment"].update(decided_by="tie_break", tied_with=["saas"], tie_break_source="report §1.4",
                             sub_key_added_later="深层的新键")
    rec["pricing"]["excluded"] = [{"model": "advertising", "label": "广告收入", "rules": ["P-X"], "reason": "不面向公众"}]
    rec["model_size"]["chosen_by"] = "vendor"
    module = templates().get_template("_rec.html.j2").make_module({"v": View(ctx, "zh", "/result", {})})
    html = unescape(str(module.recommendation(rec, [("name", "江南银行")])))
    for marker in ('id="excluded"', "数据不得出本单位", 'class="excluded"', 'id="conflicts"', "隐私要求、预算",
                   'id="as-of"', "2025-03-01", 'id="upcoming"', "将来的义务", 'id="costs"', "100万–200万", "GPU 服务器",
                   'id="break-even"', "约 14 个月回本", "80万", 'id="counterfactuals"', "隐私要求为低",
                   "set.privacy=low", 'id="other"', "brand_new_key", "二", 'id="decided"',
                   "按规则包的优先顺序选定（出处：report §1.4）", "sub_key_added_later", "深层的新键",
                   'id="pricing-excluded"', "不面向公众", 'id="chosen-by"'):
        assert marker in html, marker


def _bank_profile():
    from advisor.profile import parse_profile

    return parse_profile(yaml.safe_load((PROFILES / "05-hybrid-bank.yaml").read_text(encoding="utf-8")))


def test_every_user_string_is_escaped(web):
    name = '<script>alert("x")</script><img src=x onerror=alert(1)>'
    html = web.get("/result", params=BANK[:-1] + [("name", name)]).text
    assert "<script>alert" not in html and "<img src=x" not in html
    assert "&lt;script&gt;" in html
    bad = web.get("/result", params=[("employees", "<b>bold</b>")]).text
    assert "<b>bold</b>" not in bad and "&lt;b&gt;bold&lt;/b&gt;" in bad


def test_pages_load_nothing_from_another_origin(web):
    for path in ("/", "/result?" + "&".join(f"{k}={v}" for k, v in BANK), "/batch", "/api", "/login"):
        html = web.get(path).text
        assert not re.search(r'(src|href|action)="(https?:)?//', html), path
        assert "<script>" not in html and "style=" not in html  # no inline script or style (the CSP allows none)


def test_the_language_switch_keeps_the_answers(web):
    html = web.get("/result", params=BANK).text
    link = unescape(re.search(r'id="lang-switch" href="([^"]+)"', html).group(1))
    target = urlsplit(link)
    assert target.path == "/result"
    assert ("lang", "en") in parse_qsl(target.query) and ("name", "江南银行") in parse_qsl(target.query)
    assert web.get(link).status_code == 200


def test_whatif_page_shows_the_difference_and_the_full_result(web):
    from advisor.profile import parse_profile
    from advisor.whatif import compare

    html = unescape(web.get("/whatif", params=BANK + [("set.critical_infrastructure", "false")]).text)
    assert "假如 关键信息基础设施 由 是 改为 否" in html
    before = _bank_from(BANK)
    after = parse_profile({**before.model_dump(), "critical_infrastructure": False})
    result = compare(before, after, lang="zh")
    for d in result["diff"]:
        assert d["path"] in html
    assert 'id="keep" href="/result?' in html and "critical_infrastructure=false" in html


def _bank_from(items):
    from advisor.ask.questionnaire import load_questionnaire
    from advisor.profile import parse_profile
    from advisor.web.form import Query, read_answers

    params: dict = {}
    for k, v in items:
        params.setdefault(k, []).append(v)
    return parse_profile(read_answers(Query(params), load_questionnaire(), "zh", check=True).values)


def test_whatif_with_a_wrong_value_says_why(web):
    response = web.get("/whatif", params=BANK + [("set.employees", "0")])
    # a change is applied whatever the other answers (as `advisor whatif --set employees=0`): 0 is no headcount
    assert response.status_code == 422 and "员工人数（set.employees）：「0」不是有效的人数" in unescape(response.text)
    bad = web.get("/whatif", params=BANK + [("set.budget", "很多")])
    assert bad.status_code == 422 and "「很多」不是有效的预算" in unescape(bad.text)


def test_memo_downloads(web):
    docx = web.get("/memo.docx", params=BANK)
    assert docx.status_code == 200 and docx.content[:2] == b"PK"
    assert "attachment" in docx.headers["content-disposition"]
    assert web.get("/memo.md", params=BANK).text.startswith("# 江南银行")
    assert web.get("/memo.pdf", params=BANK).status_code == 404


def test_batch_upload_summary_chart_and_downloads(web):
    csv = ("企业名称,规模,行业,隐私要求,预算\n"
           "甲,中型,金融,高,800万\n乙,小型,电商,低,低\n丙,大型,金融,中,高\n丁,巨型,金融,高,低\n").encode("utf-8")
    response = web.post("/batch?lang=zh", files={"file": ("客户名单.csv", csv, "text/csv")}, follow_redirects=False)
    assert response.status_code == 303
    page = web.get(response.headers["location"])
    html = unescape(page.text)
    assert "共 4 条记录：已评分 3 条，有误 1 条" in html
    assert "客户名单.csv，第 4 条记录，第 5 行" in html and "巨型" in html  # the page's language
    assert re.search(r'<svg class="chart" role="img"', html) and html.count("<rect ") >= 3
    assert "金融" in html and "电商" in html
    jsonl = web.get(re.search(r'href="([^"]+results\.jsonl[^"]*)"', html).group(1))
    assert jsonl.status_code == 200 and len(jsonl.text.splitlines()) == 4
    csv_out = web.get(re.search(r'href="([^"]+results\.csv[^"]*)"', html).group(1))
    assert csv_out.content.startswith("\ufeff".encode()) and csv_out.text.count("\n") == 5


def test_batch_page_states_its_limits_and_refuses_what_it_cannot_read(web):
    html = unescape(web.get("/batch").text)
    assert "文件最大 10 MB，最多 10,000 行" in html and ".csv" in html and ".jsonl" in html
    refused = web.post("/batch", files={"file": ("list.pdf", b"%PDF", "application/pdf")})
    assert refused.status_code == 422 and "list.pdf：不接受“.pdf”文件" in unescape(refused.text)  # the page's language
    assert web.get("/batch/unknown-id").status_code == 404


def test_an_uploaded_name_is_never_a_path():
    from advisor.web.batch import display_name, suffix_of

    assert display_name("../../etc/passwd") == "passwd"
    assert display_name("C:\\Users\\x\\名单.csv") == "名单.csv"
    assert display_name("a\x00b\n.csv") == "ab.csv"
    assert suffix_of("/tmp/evil.CSV") == ".csv"


def test_the_result_page_evaluates_the_checklist_on_a_date(web):
    html = unescape(web.get("/result", params=BANK + [("as_of", "2024-06-01")]).text)
    assert 'id="as-of"' in html and "2024-06-01" in html
    assert "as_of=2024-06-01" in html  # downloads and what-if keep the date
    docx = web.get("/memo.md", params=BANK + [("as_of", "2024-06-01")])
    assert "2024-06-01" in docx.text or "2024年6月1日" in docx.text
    bad = unescape(web.get("/result", params=BANK + [("as_of", "soon")]).text)
    assert 'id="as-of-error"' in bad and "“soon”不是日期" in bad  # in the page's language


def test_every_wording_of_the_pages_has_exactly_its_two_languages():
    # an unquoted comma in a YAML flow mapping ({en: Every mode, best first}) silently cuts the text
    import yaml

    from conftest import ROOT

    data = yaml.safe_load((ROOT / "advisor" / "web" / "text.yaml").read_text(encoding="utf-8"))
    wrong = {key: sorted(map(str, texts)) for key, texts in data.items() if set(texts) != {"zh", "en"}}
    assert wrong == {}
    assert all(isinstance(t, str) and t for texts in data.values() for t in texts.values())


def test_every_key_of_the_recommendation_has_its_own_heading():
    """The result page shows each key of the recommendation under a heading of its own (no key
    reaches the page by its raw name): the keys it knows are exactly the model's."""
    from advisor.recommendation import Recommendation
    from advisor.web.view import SHOWN

    assert sorted(SHOWN) == sorted(Recommendation.model_fields)


def _profile_items(path):
    from advisor.ask.questionnaire import load_questionnaire
    from advisor.sources.document import read_profile
    from advisor.web.form import query_items

    return query_items(read_profile(str(path)).model_dump(mode="json", exclude_none=True), load_questionnaire())


@pytest.mark.parametrize("lang", ["zh", "en"])
@pytest.mark.parametrize("as_of", ["", "1990-01-01"])
def test_no_result_page_shows_a_raw_key(web, lang, as_of):
    """Every profile, both languages, today and a day before every law of the pack: no card of
    raw keys (``compliance_notice``), no sub-key shown by its raw name."""
    for path in sorted(PROFILES.glob("*.yaml")):
        html = web.get("/result", params=_profile_items(path) + [("as_of", as_of), ("lang", lang)]).text
        assert 'id="other"' not in html and 'class="generic rest"' not in html, path.name
        assert "compliance_notice" not in html, path.name


@pytest.mark.parametrize("lang", ["zh", "en"])
def test_a_checklist_empty_because_of_its_date_says_why_in_the_checklist(web, lang):
    rec = web.app.state.ctx.engine.recommend(_bank_profile(), lang, __import__("datetime").date(1990, 1, 1))
    assert rec["compliance"] == [] and rec["compliance_notice"]
    html = unescape(web.get("/result", params=_profile_items(PROFILES / "05-hybrid-bank.yaml")
                            + [("as_of", "1990-01-01"), ("lang", lang)]).text)
    checklist = re.search(r'<section class="card" id="compliance">(.*?)</section>', html, re.S).group(1)
    assert f'<p class="notice" id="compliance-notice">{rec["compliance_notice"]}</p>' in checklist
    assert ("1990-01-01 早于" if lang == "zh" else "1990-01-01 is before") in checklist
