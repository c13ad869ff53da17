"""Inputs at the edges of what can be represented: dates every output can carry, files no codec
reads, numbers a rule pack may hold, JSON keys given twice, and the rows an unclosed quote
swallows. Each is a clear error (exit 2, a 4xx, or one bad record), never exit 3 or lost work."""

from __future__ import annotations

import datetime as dt
import json
import re
import shutil
import warnings
from html import unescape

import pytest
import yaml

from conftest import PROFILES, RULES, as_json

GOV = PROFILES / "01-gov-onprem.yaml"
RANGE = "1980-01-01 to 2107-12-31"


def jsonl(text: str) -> list[dict]:
    return [json.loads(line) for line in text.splitlines()]


def no_crash(result) -> None:
    assert result.exit_code != 3 and "Traceback" not in result.output
    assert "internal error" not in result.stderr


# --- 1. the dates: what a zip entry (DOCX, XLSX) can carry, checked in one place ------------------


COMMANDS = {
    "advise": ("advise", str(GOV)),
    "explain": ("explain", str(GOV)),
    "memo": ("memo", str(GOV)),
    "batch": ("batch", str(GOV), "-q"),
    "whatif": ("whatif", str(GOV), "--set", "privacy=low"),
}


@pytest.mark.parametrize("command", sorted(COMMANDS))
@pytest.mark.parametrize("day", ["9999-12-31", "9999-01-01", "2108-01-01", "1979-12-31", "0001-01-01"])
def test_a_date_outside_the_range_is_a_usage_error_naming_it(cli, command, day):
    result = cli(*COMMANDS[command], "--as-of", day)
    no_crash(result)
    assert result.exit_code == 2
    assert "--as-of" in result.stderr and f"'{day}' is out of range; use a date from {RANGE}" in result.stderr
    assert result.stdout == ""


@pytest.mark.parametrize("day", ["1980-01-01", "2107-12-31"])
def test_the_ends_of_the_range_work_in_every_output(cli, tmp_path, day):
    assert as_json(cli("advise", str(GOV), "-f", "json", "--as-of", day))["as_of"] == day
    out = tmp_path / "m.docx"
    assert cli("memo", str(GOV), "--as-of", day, "--date", day, "-o", str(out)).exit_code == 0
    assert out.stat().st_size > 0
    book = tmp_path / "b.xlsx"
    assert cli("batch", str(GOV), "--as-of", day, "-o", str(book), "-q").exit_code == 0


def test_the_memo_date_has_the_same_range(cli):
    result = cli("memo", str(GOV), "--date", "2108-01-01")
    assert result.exit_code == 2 and f"'2108-01-01' is out of range; use a date from {RANGE}" in result.stderr


def test_the_library_refuses_such_a_date_too():
    from advisor import score

    with pytest.raises(ValueError, match=RANGE):
        score(yaml.safe_load(GOV.read_text("utf-8")), as_of=dt.date(9999, 12, 31))
    with pytest.raises(ValueError, match=RANGE):
        score(yaml.safe_load(GOV.read_text("utf-8")), as_of="1979-12-31")


@pytest.fixture(scope="module")
def web():
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        from fastapi.testclient import TestClient

    from advisor.web.app import create_app

    return TestClient(create_app(), base_url="http://127.0.0.1:8000", raise_server_exceptions=False)


QUERY = [("sector", "finance"), ("size", "large"), ("use_cases", "risk_control"), ("privacy", "high"),
         ("budget", "high"), ("name", "江南银行")]


@pytest.mark.parametrize("path", ["/api/v1/advise", "/api/v1/batch", "/api/v1/memo"])
def test_the_api_answers_422_for_a_date_outside_the_range(web, path):
    profile = yaml.safe_load(GOV.read_text("utf-8"))
    body = [profile] if path.endswith("batch") else profile
    response = web.post(f"{path}?as_of=9999-12-31&lang=en", json=body)
    assert response.status_code == 422
    (error,) = response.json()["errors"]
    assert error["field"] == "as_of" and RANGE in error["message"]
    memo = web.post("/api/v1/memo?date=2108-01-01&lang=en", json=profile)
    chinese = web.post("/api/v1/memo?date=2108-01-01", json=profile).json()["errors"][0]["message"]
    assert chinese == "“2108-01-01”超出范围；请用 1980-01-01 至 2107-12-31 之间的日期", chinese
    assert memo.status_code == 422 and RANGE in memo.json()["errors"][0]["message"]


def test_the_result_page_names_the_range(web):
    response = web.get("/result", params=[*QUERY, ("as_of", "9999-12-31")])
    assert response.status_code == 200
    assert "“9999-12-31”超出范围；请用 1980-01-01 至 2107-12-31 之间的日期" in unescape(response.text)  # the page's language
    english = web.get("/result", params=[*QUERY, ("as_of", "9999-12-31"), ("lang", "en")])
    assert f"'9999-12-31' is out of range; use a date from {RANGE}" in unescape(english.text)


def test_a_checklist_left_empty_by_its_date_says_so(cli):
    from advisor.compliance import first_in_force
    from advisor.engine.schema import date_start
    from advisor.pipeline import get_advisor

    pack = get_advisor().pack
    first_day, first_text = first_in_force(pack)
    assert (first_day, first_text) <= min((date_start(i.effective), i.effective) for i in pack.instruments.values())
    before = (first_day - dt.timedelta(days=1)).isoformat()
    en = as_json(cli("advise", str(GOV), "-f", "json", "--lang", "en", "--as-of", before))
    assert en["compliance"] == [] and en["compliance_notice"] == (
        f"{before} is before every law and standard of the rule pack came into force (the first from {first_text}): "
        "no duty of the checklist applied on that day.")
    zh = as_json(cli("advise", str(GOV), "-f", "json", "--as-of", before))
    assert zh["compliance_notice"].startswith(f"{before} 早于规则包中所有法规和标准的生效日期")
    # Instruments in force, but none of this profile's duties yet: said with the first date one applies.
    later = as_json(cli("advise", str(GOV), "-f", "json", "--lang", "en", "--as-of", "2010-01-01"))
    assert later["compliance"] == []
    assert re.fullmatch(r"On 2010-01-01 none of the \d+ compliance duties this profile calls for was in force yet; "
                        r"the first one applies from 2017-06-01\.", later["compliance_notice"])
    # Every output shows it; a checklist with items has none.
    for fmt in ("table", "markdown"):
        assert "none of the" in cli("advise", str(GOV), "-f", fmt, "--lang", "en", "--as-of", "2010-01-01").stdout
    assert "none of the" in cli("memo", str(GOV), "--lang", "en", "--as-of", "2010-01-01").stdout
    now = as_json(cli("advise", str(GOV), "-f", "json", "--as-of", "2026-11-30"))
    assert now["compliance"] and now["compliance_notice"] is None


def test_the_batch_gives_the_notice_as_advise_does(cli, tmp_path):
    out = tmp_path / "o.jsonl"
    assert cli("batch", str(GOV), "-o", str(out), "--as-of", "2010-01-01", "-q").exit_code == 0
    advised = as_json(cli("advise", str(GOV), "-f", "json", "--as-of", "2010-01-01"))
    assert json.loads(out.read_text("utf-8"))["compliance_notice"] == advised["compliance_notice"]


# --- 2. and 3. encodings: a folder's unreadable file is one bad record; any codec's error is clear ---


def test_a_file_no_codec_reads_in_a_folder_is_one_bad_record(cli, tmp_path):
    folder = tmp_path / "clients"
    folder.mkdir()
    for name in ("01-gov-onprem.yaml", "02-saas-content-studio.yaml"):
        shutil.copy(PROFILES / name, folder / name)
    (folder / "03-bad-encoding.yaml").write_bytes(b"\xff\xfe\x00\x00garbage")  # a UTF-32 mark, then 7 bytes
    result = cli("batch", str(folder), "-f", "jsonl", "-q", "--lang", "en")
    no_crash(result)
    assert result.exit_code == 1
    rows = jsonl(result.stdout)
    assert [r.get("profile") for r in rows[:2]] == ["江州市政务服务和数据管理局", "杭州青柚文化传媒工作室"]
    assert rows[2]["record"] == 3 and "03-bad-encoding.yaml" in rows[2]["error"]
    assert "not valid utf-32 text" in rows[2]["error"]


def test_a_file_with_a_utf32_byte_order_mark_is_read(cli, tmp_path):
    text = GOV.read_text("utf-8")
    for codec in ("utf-32-le", "utf-32-be"):
        path = tmp_path / f"{codec}.yaml"
        mark = b"\xff\xfe\x00\x00" if codec.endswith("le") else b"\x00\x00\xfe\xff"
        path.write_bytes(mark + text.encode(codec))
        assert as_json(cli("advise", str(path), "-f", "json"))["profile"] == "江州市政务服务和数据管理局"
        assert jsonl(cli("batch", str(path), "-f", "jsonl", "-q").stdout)[0]["profile"] == "江州市政务服务和数据管理局"


@pytest.mark.parametrize("codec", ["utf-32", "utf-32-be", "utf-16", "undefined", "idna", "punycode",
                                   "base64", "rot13", "zlib", "hex", "uu"])
def test_any_codec_that_cannot_read_the_file_is_a_clear_error(cli, tmp_path, codec):
    path = tmp_path / "clients.csv"
    path.write_text("name,size,sector,privacy,budget\n甲,small,finance,low,low\n", encoding="utf-8")
    result = cli("batch", str(path), "--encoding", codec, "-f", "jsonl", "-q")
    no_crash(result)
    assert result.exit_code == 2 and result.stdout == ""
    assert (f"not valid {codec} text" in result.stderr or f"'{codec}' is not a text encoding" in result.stderr)


def test_a_codec_that_reads_the_header_but_not_a_row_makes_that_row_bad(cli, tmp_path):
    path = tmp_path / "clients.csv"
    path.write_text("name,size,sector,privacy,budget\n甲,small,finance,low,low\nB,small,finance,low,low\n", "utf-8")
    result = cli("batch", str(path), "--encoding", "utf-7", "-f", "jsonl", "-q", "--lang", "en")
    no_crash(result)
    assert result.exit_code == 1
    rows = jsonl(result.stdout)
    assert rows[0]["record"] == 1 and "line 2" in rows[0]["error"] and rows[1]["profile"] == "B"


# --- 4. numbers of a rule pack: bounded at load time; JSON never NaN or Infinity --------------------


def pack_with(tmp_path, old: str, new: str):
    pack = tmp_path / "pack"
    shutil.copytree(RULES, pack)
    path = pack / "deployment.yaml"
    text = path.read_text("utf-8")
    assert old in text
    path.write_text(text.replace(old, new, 1), "utf-8")  # the first: rule DEP-ONPREM-SIZE
    return pack


HUGE = [("{mode: on_premise, points: 2, evidence: 1}", "{mode: on_premise, points: 1e308, evidence: 1}",
         "1e+308 is out of range; a number in a rule pack is at most 1,000,000,000,000,000 in size"),
        ("{mode: on_premise, points: 2, evidence: 1}", "{mode: on_premise, points: 2000000, evidence: 1}",
         "less than or equal to 1000000")]


@pytest.mark.parametrize("old,new,said", HUGE)
@pytest.mark.parametrize("command", [("advise", str(GOV), "-f", "json"), ("rules", "lint"), ("batch", str(GOV))])
def test_a_number_beyond_the_bound_is_a_load_error_naming_file_rule_and_bound(cli, tmp_path, old, new, said, command):
    pack = pack_with(tmp_path, old, new)
    result = cli(*command, "--rules", str(pack), "--lang", "en")
    no_crash(result)
    assert result.exit_code == 2 and "Infinity" not in result.stdout
    assert f"deployment.yaml: rule DEP-ONPREM-SIZE: then.0.score.points: " in result.stderr and said in result.stderr


def test_a_price_beyond_the_bound_is_refused(cli, tmp_path):
    prices = tmp_path / "p.yaml"
    prices.write_text("prices:\n  items:\n    api_input:\n      label: {en: a, zh: a}\n      unit: CNY/million tokens\n"
                      "      cny: [1.0e+300, 1.0e+300]\n      source: quote\n      as_of: 2026-11-20\n", "utf-8")
    result = cli("advise", str(GOV), "--prices", str(prices), "--lang", "en")
    no_crash(result)
    assert result.exit_code == 2 and "at most 1,000,000,000,000,000" in result.stderr


def test_no_output_model_holds_nan_or_infinity_and_json_refuses_them():
    from advisor.formats.json import dumps
    from advisor.recommendation import ModeScore

    for bad in (float("inf"), float("-inf"), float("nan")):
        with pytest.raises(ValueError, match="finite"):
            ModeScore(mode="saas", label="SaaS", score=bad, rules=[], excluded=False)
        with pytest.raises(ValueError):  # the validating path (the record's pydantic mirror) refuses it too
            ModeScore.model_validate({"mode": "saas", "label": "SaaS", "score": bad, "rules": [], "excluded": False})
    assert ModeScore(mode="saas", label="SaaS", score=3, rules=[], excluded=False).score == 3.0
    with pytest.raises(ValueError):
        dumps({"score": float("nan")})


# --- 5. JSON keys given twice on the web, and answers given twice in a query -------------------------


def test_the_api_refuses_a_key_given_twice(web):
    body = GOV.read_text("utf-8")
    profile = json.dumps(yaml.safe_load(body), ensure_ascii=False)
    twice = '{"name": "a", ' + profile[1:]
    for path, data in (("/api/v1/advise", twice), ("/api/v1/batch", f"[{twice}]"), ("/api/v1/memo", twice),
                       ("/api/v1/whatif", f'{{"profile": {profile}, "set": {{"privacy": "low", "privacy": "high"}}}}')):
        response = web.post(path + "?lang=en", content=data.encode("utf-8"), headers={"content-type": "application/json"})
        assert response.status_code == 400, path
        assert "is given twice" in response.json()["error"], path
    assert "'name'" in web.post("/api/v1/advise?lang=en", content=twice.encode(),
                                headers={"content-type": "application/json"}).json()["error"]
    assert "键“name”出现了两次" in web.post("/api/v1/advise", content=twice.encode(),
                                        headers={"content-type": "application/json"}).json()["error"]


def test_a_question_answered_twice_in_a_query_is_a_validation_error(web):
    page = unescape(web.get("/result", params=[*QUERY, ("name", "另一家")]).text)
    assert "'name' is given several different answers ('江南银行', '另一家'); give one." in page or \
        "“name”给出了多个不同的答案（'江南银行', '另一家'）；只能给一个。" in page
    same = web.get("/result", params=[*QUERY, ("name", "江南银行")])  # the same answer twice is one answer
    assert same.status_code == 200 and "多个不同的答案" not in unescape(same.text)


# --- 6. an unclosed quote names every line it swallowed ---------------------------------------------


def test_an_unclosed_quote_names_the_lines_and_first_cells_it_swallowed(cli, tmp_path):
    path = tmp_path / "hostile.csv"
    path.write_text('name,size,sector,privacy,budget,use_cases\n'
                    'A,large,finance,high,800万,knowledge_search\n'
                    '"B, unclosed,large,finance,high,800万,knowledge_search\n'
                    'C,large,finance,high,800万,knowledge_search\n'
                    'D,large,finance,high,800万,knowledge_search,extra\n'
                    'E\x1b[2J,large,finance,high,800万,knowledge_search\n'
                    '="F",="large",finance,high,="800万",knowledge_search\n'
                    'G,large,finance,high,800万,knowledge_search\n', "utf-8")
    result = cli("batch", str(path), "-f", "jsonl", "-q", "--lang", "en")
    assert result.exit_code == 1
    rows = jsonl(result.stdout)
    assert [r.get("profile") for r in rows] == ["A", None, "G"]
    assert ("the row runs from line 3 to line 7: a quote (\") in it is probably not closed, so lines 4 to 7 were "
            "read into one cell (their first cells: 'C', 'D', 'E\\x1b[2J', 'F'); check those records too") in rows[1]["error"]


def test_a_cost_beyond_64_bits_is_written_by_the_batch_as_advise_prints_it(cli, tmp_path):
    prices = tmp_path / "p.yaml"
    prices.write_text("prices:\n  items:\n" + "".join(
        f"    {item}:\n      label: {{en: a, zh: a}}\n      unit: CNY/million tokens\n"
        f"      cny: [1000000000000000, 1000000000000000]\n      source: quote\n      as_of: 2026-11-20\n"
        for item in ("api_input", "api_output")), "utf-8")
    profile = tmp_path / "x.yaml"
    profile.write_text("name: X\nsize: large\nsector: finance\nprivacy: low\nbudget: high\n"
                       "monthly_tokens: 1000000000000000\nuse_cases: [customer_service]\n", "utf-8")
    advised = as_json(cli("advise", str(profile), "--prices", str(prices), "-f", "json"))
    assert max(max(c["three_year_cny"]) for c in advised["costs"]) > 2**63  # beyond what orjson writes
    result = cli("batch", str(profile), "--prices", str(prices), "-f", "jsonl", "-q")
    no_crash(result)
    assert result.exit_code == 0 and jsonl(result.stdout) == [advised]
