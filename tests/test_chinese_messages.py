"""Every error message in Chinese under --lang zh (the default), and never a crash translating one.

The messages are raised in English and translated through the templates of
``advisor/messages.yaml``. These tests generate each kind of bad input a user produces (price
files, worksheets, CSV and JSON Lines rows, YAML lists, number hints, rule packs, command-line
values, what-if changes, API bodies) and check that the Chinese message has no English left
but ids and quoted values, and that the English message is unchanged. Every template is filled
with hostile values (braces, format fields), and every English message the code raises is
checked to have a Chinese form.
"""

from __future__ import annotations

import ast
import re
import subprocess
import sys
from pathlib import Path

import openpyxl
import pytest
import yaml

from conftest import PROFILES, ROOT
from test_chinese_first import chinese_env, english_left

BANK = str(PROFILES / "05-hybrid-bank.yaml")
HOSTILE = "a{b}}{0}{name}%s{"


def run(*args: str, lang: str = "zh") -> subprocess.CompletedProcess:
    env = chinese_env() if lang == "zh" else chinese_env(ADVISOR_LANG="en")
    return subprocess.run([sys.executable, "-m", "advisor", *args], capture_output=True, cwd=ROOT, timeout=120,
                          env=env, stdin=subprocess.DEVNULL)


# --- templates never crash --------------------------------------------------------------------

def _entries() -> list[dict[str, str]]:
    return yaml.safe_load((ROOT / "advisor" / "messages.yaml").read_text(encoding="utf-8"))["messages"]


def _sample(name: str) -> str:
    """A value for placeholder ``name`` that the English template accepts, with braces in it."""
    from advisor import messages

    if name in messages._NUMBERS:
        return "12"
    if name == "suggest":
        return " (did you mean '{x}'?)"
    if name == "id":
        return "R-{1}"
    if name == "line_at":  # a template's line: " line N:" (or nothing)
        return " line 12:"
    return HOSTILE


@pytest.mark.parametrize("entry", _entries(), ids=lambda e: e["en"][:60])
def test_every_template_translates_a_message_with_braces_in_its_values(entry):
    from advisor.messages import _PLACEHOLDER, _line, translate

    message = _PLACEHOLDER.sub(lambda m: _sample(m.group(1)), entry["en"])
    assert isinstance(translate(message, "zh"), str)
    zh = _line(message)  # as a whole message, or as a part of one (" (byte 3)")
    assert zh != message, (entry["en"], zh)  # translated: by this template or one before it
    assert re.search(r"[\u4e00-\u9fff]", zh) or not re.search(r"[\u4e00-\u9fff]", entry["zh"]), zh


@pytest.mark.parametrize("entry", _entries(), ids=lambda e: e["en"][:60])
def test_every_chinese_template_fills_any_value(entry):
    from advisor.messages import _PLACEHOLDER, fill

    names = {m.group(1) for m in _PLACEHOLDER.finditer(entry["zh"])}
    assert names <= {m.group(1) for m in _PLACEHOLDER.finditer(entry["en"])}, entry  # nothing it cannot fill
    filled = fill(_PLACEHOLDER.sub(r"{\1}", entry["zh"]), {name: HOSTILE for name in names})
    assert filled.count(HOSTILE) == len(_PLACEHOLDER.findall(entry["zh"]))


def test_the_frames_fill_any_value():
    from advisor.messages import _data, frame

    for key, texts in _data()["frame"].items():
        for lang in ("zh", "en"):
            values = {name: HOSTILE for name in re.findall(r"\{([a-z_]+)\}", texts[lang])}
            assert frame(key, lang, **values).count(HOSTILE) == len(values) if values else frame(key, lang)


def test_a_failing_translation_says_the_english_message(monkeypatch):
    from advisor import messages

    def broken(text: str) -> str:
        raise ValueError("Single '}' encountered in format string")

    monkeypatch.setattr(messages, "_line", broken)
    messages._translate.cache_clear()
    try:
        assert messages.translate("x.yaml: line 2, column 1: a problem never seen", "zh") == \
            "x.yaml: line 2, column 1: a problem never seen"
    finally:
        messages._translate.cache_clear()


def test_a_location_is_never_read_into_a_message():
    from advisor.messages import translate

    assert translate("line 2, column 69: key 'name' is given twice (lines 2 and 2); keep one", "zh") == \
        "第 2 行第 69 列：键“name”出现了两次（第 2 行和第 2 行）；请只保留一个"
    assert translate("item 'x' is not allowed; allowed items: a, b", "zh") == "选项 'x' 不允许；可选项：a, b"
    assert translate("x.csv: line 3: not valid utf-8 text (byte 5)", "zh") == "x.csv：第 3 行：不是有效的 utf-8 文本（第 5 字节）"


# --- every message the code raises has a Chinese form -------------------------------------------

# Keys of rule, price and questionnaire files that a message names as they are written there.
FILE_KEYS = {"prices", "servers", "items", "costs", "modes", "usage", "daily_tokens_by_use_case", "users_by_size",
             "serving_precision", "by_size", "cny", "model_size", "min", "max", "chosen_by", "vendor", "exclude",
             "articles", "actions", "invariant_grid", "ask_if", "choices", "choice", "fact", "when", "pricing", "mode",
             "expect", "profile", "KB", "xls", "YYYY", "JSONL", "explain", "xlsx", "memos", "yaml", "yml", "true", "false",
             "yes", "no", "md", "html", "docx", "markdown", "template", "format", "output", "utf-8", "gbk", "gb18030",
             "utf-8-sig", "set", "rules", "detail", "jsonl", "sheet", "summary", "unit", "priced_as_text", "modalities"}  # (options: --sheet, --summary)
# Names of the Python API that its messages give as they are written (advisor.score_frame, lang=).
API_NAMES = {"lang", "as_of", "first_record", "datetime", "date", "pandas", "DataFrame", "dask", "Dask", "score",
             "read_csv", "fmt", "rec", "path", "str", "pathlib", "Path", "dict", "Recommendation"}  # (write_memo)
INTERNAL = ("module 'advisor.memo'", "sections reading", "the batch summarises",  # faults of the program itself
            "Profile: type 7 is not one", "Profile.7: only BeforeValidator")


def _raised() -> list[tuple[str, str]]:
    """Every message the code raises or collects, with "7" for each value it puts in (no suggestion)."""
    found = []
    for path in sorted((ROOT / "advisor").rglob("*.py")):
        if "web" in path.parts:
            continue
        text = path.read_text(encoding="utf-8")
        for node in ast.walk(ast.parse(text)):
            call = node.exc if isinstance(node, ast.Raise) else node
            if not (isinstance(call, ast.Call) and call.args) or (
                    node is call and not (isinstance(call.func, ast.Attribute) and call.func.attr == "append")):
                continue
            arg = call.args[0]
            if isinstance(arg, ast.Constant) and isinstance(arg.value, str):
                message = arg.value
            elif isinstance(arg, ast.JoinedStr):
                message = "".join(v.value if isinstance(v, ast.Constant) else
                                  "" if "suggest" in (ast.get_source_segment(text, v.value) or "") else "7"
                                  for v in arg.values)
            else:
                continue
            if len(message) > 3 and " " in message and not message.startswith(INTERNAL):
                found.append((f"{path.relative_to(ROOT)}:{node.lineno}", message))
    return found


def test_every_message_the_code_raises_reads_in_chinese():
    from advisor.messages import translate

    raised = _raised()
    assert len(raised) > 150  # the walk finds the messages
    left = {}
    for where, message in raised:
        if message.startswith(("7:7 ", "7: 7broken", "7: 7; 7")) or "7: value 7" in message:
            continue  # a location glued to the name (" line 2, column 3:"), a message made of parts: run below
        words = english_left(translate(message, "zh"), FILE_KEYS | API_NAMES)
        if words:
            left[where] = (message, words)
    assert not left, left


# --- each kind of bad input, run as a user runs it ------------------------------------------------

def _files(tmp: Path) -> dict[str, Path]:
    out = {}

    def put(name: str, text: str | bytes) -> None:
        out[name] = tmp / name
        (out[name].write_bytes if isinstance(text, bytes) else out[name].write_text)(
            text, **({} if isinstance(text, bytes) else {"encoding": "utf-8"}))

    put("cut.json", '{"name": "甲"')
    put("cut.yaml", '{"name": "甲"')
    item = "{label: {en: P, zh: 电}, unit: CNY/kWh, cny: %s, source: x, as_of: %s}"
    put("typo-prices.yaml", f"prices:\n  items:\n    electricty: {item % ('3.0', '2026-11-01')}\n")
    put("neg-prices.yaml", f"prices:\n  items:\n    electricity: {item % ('-1', '2026-11-01')}\n")
    put("date-prices.yaml", f"prices:\n  items:\n    electricity: {item % ('1', '2026-1')}\n")
    put("unit-prices.yaml", "prices:\n  items:\n    electricity: {label: {en: P, zh: 电}, unit: CNY/day, cny: 1, "
                            "source: x, as_of: 2026-11-01}\n")
    put("partial-prices.yaml", "prices:\n  items:\n    electricity: {cny: 1}\n")
    put("rows.csv", 'name,size,sector,privacy,budget,use_cases\nA,large,finance,high,800万,knowledge_search\n'
                    '"B, unclosed,large,finance,high,800万,knowledge_search\nC,large,finance,high,800万,x\n'
                    'D,large,finance,high,800万,knowledge_search,extra\n')
    put("wide.csv", "name,size,sector,privacy,budget,use_cases\nD,large,finance,high,800万,knowledge_search,extra\n")
    put("rows.jsonl", '{"name":"B",\n[1,2]\n"str"\n{"name":"D","size":"large","sector":"finance","privacy":"high",'
                      '"budget":"高","name":"E"}\n')
    put("list.yaml", "- {name: B, size: large, sector: finance, privacy: high, budget: 高, name: C}\n- 42\n")
    put("numbers.yaml", "name: A\nsize: large\nsector: finance\nprivacy: high\nbudget: high\nusers: lots\n"
                        "pi_individuals: many\nmonthly_tokens: x\n")
    put("gbk.yaml", "name: 甲\nsize: large\n".encode("utf-8") + b"sector: \xff\xfe\x00\n")
    put("fake.xlsx", b"not a zip")
    put("broken.xlsx", b"PK\x03\x04" + b"\x00" * 100)
    book = openpyxl.Workbook()
    sheet = book.active
    sheet.title = "客户清单"
    for row in (["企业名称", "员工人数", "行业", "隐私要求", "预算"], ["甲", "很多", "物流", "高", None],
                ["乙", 10, "金融", "高", "高", None, "多余"]):
        sheet.append(row)
    book.save(tmp / "clients.xlsx")
    out["clients.xlsx"] = tmp / "clients.xlsx"
    pack = tmp / "pack"
    pack.mkdir()
    for rule_file in (ROOT / "rules").glob("*.yaml"):
        (pack / rule_file.name).write_text(rule_file.read_text(encoding="utf-8"), encoding="utf-8")
    compliance = pack / "compliance.yaml"
    compliance.write_text(re.sub(r"effective: \d{4}-\d{2}-\d{2}", "effective: 2017-13-45",
                                 compliance.read_text(encoding="utf-8"), count=1), encoding="utf-8")
    out["pack"] = pack
    return out


# (arguments, a fragment of the English message that must stay as it is)
CASES = {
    "cut-advise": (["advise", "{cut.json}"], "did not find expected ',' or '}'"),
    "cut-memo": (["memo", "{cut.yaml}"], "did not find expected ',' or '}'"),
    "cut-whatif": (["whatif", "{cut.json}", "--set", "privacy=low"], "not valid YAML/JSON"),
    "cut-explain": (["explain", "{cut.json}"], "not valid YAML/JSON"),
    "cut-ask": (["ask", "--from", "{cut.json}"], "not valid YAML/JSON"),
    "cut-prices": (["advise", BANK, "--prices", "{cut.yaml}"], "broken YAML: did not find expected ',' or '}'"),
    "cut-batch": (["batch", "{cut.json}"], "not valid YAML/JSON"),
    "prices-typo": (["advise", BANK, "--prices", "{typo-prices.yaml}"],
                    "no item 'electricty' to replace (did you mean 'electricity'?)"),
    "prices-negative": (["advise", BANK, "--prices", "{neg-prices.yaml}"], "a range holds no negative number, got -1"),
    "prices-date": (["advise", BANK, "--prices", "{date-prices.yaml}"], "Input should be a valid date"),
    "prices-unit": (["advise", BANK, "--prices", "{unit-prices.yaml}"], "Input should be 'CNY'"),
    "prices-partial": (["advise", BANK, "--prices", "{partial-prices.yaml}"], "problems"),
    "csv-rows": (["batch", "{rows.csv}", "-q", "-f", "csv"], "holds a line break"),
    "csv-wide": (["batch", "{wide.csv}", "-q", "-f", "csv"], "the row has 7 cells, but the header has 6 columns"),
    "jsonl-rows": (["batch", "{rows.jsonl}", "-q", "-f", "csv"], "got text 'str'"),
    "yaml-list": (["batch", "{list.yaml}", "-q", "-f", "csv"], "key 'name' is given twice"),
    "number-hints": (["advise", "{numbers.yaml}"], "万 and 亿 allowed"),
    "encoding": (["advise", "{gbk.yaml}"], "save the file in one encoding"),
    "xlsx-rows": (["batch", "{clients.xlsx}", "-q", "-f", "csv"], "sheet '客户清单', row 2"),
    "xlsx-sheet": (["batch", "{clients.xlsx}", "--sheet", "无此表"], "no sheet named '无此表'"),
    "xlsx-fake": (["batch", "{fake.xlsx}"], "not an Excel workbook (.xlsx)"),
    "xlsx-broken": (["batch", "{broken.xlsx}"], "not a readable Excel workbook"),
    "rule-pack-date": (["advise", BANK, "--rules", "{pack}"], "is not a date: use YYYY-MM-DD"),
    "as-of-empty": (["advise", BANK, "--as-of", ""], "'' is not a date; use YYYY-MM-DD"),
    "whatif-typo": (["whatif", BANK, "--set", "privac=high"], "unknown field 'privac' (did you mean 'privacy'?)"),
}
# Words a Chinese message may hold besides ids: the user's own values, option names and Excel's.
VALUES = {"electricty", "privac", "sise", "OPTIONS", "PROFILE", "CNY", "kWh", "ratio", "person-day", "card-hour",
          "million", "tokens", "user", "year", "unclosed", "extra", "str", "lots", "many", "null", "BadZipFile",
          "File", "is", "not", "zip", "file", "as-of", "as_of", "label", "source", "unit", "cny", "prices",
          "items", "electricity", "zh", "en", "effective", "YYYY-MM-DD", "YYYY", "xlsx", "WPS", "advise", "pue"}


def _pack_ids() -> set[str]:
    from advisor.engine.loader import load_pack

    return set(load_pack().instruments)


@pytest.fixture(scope="module")
def files(tmp_path_factory):
    return _files(tmp_path_factory.mktemp("zh-messages"))


@pytest.mark.parametrize("case", CASES)
def test_each_kind_of_error_is_said_in_chinese_and_in_english_as_before(case, files):
    args, english = CASES[case]
    args = [str(files[a[1:-1]]) if a[1:-1] in files else a for a in args]  # "{cut.json}": the file made for it
    zh = run(*args)
    message = zh.stderr.decode("utf-8")
    assert zh.returncode in (1, 2), (args, message)
    assert "Traceback" not in message and re.search(r"[\u4e00-\u9fff]", message), message
    left = [w for w in english_left(message, VALUES | {p.name for p in files.values()} | _pack_ids()) if "_" not in w]
    assert not left, (left, message)  # snake_case: an id of the pack (a price item) or a field
    en = run(*args, lang="en")
    assert en.returncode == zh.returncode and english in en.stderr.decode("utf-8"), en.stderr.decode("utf-8")


def test_explain_names_the_mode_by_its_label_in_chinese(cli):
    result = cli("explain", str(PROFILES / "03-paas-ecommerce-startup.yaml"), "--lang", "zh")
    assert "需要部署模式为“本地部署”" in result.stdout and "mode为" not in result.stdout
    english = cli("explain", str(PROFILES / "03-paas-ecommerce-startup.yaml"), "--lang", "en")
    assert "needs mode = on_premise" in english.stdout


# --- the web API --------------------------------------------------------------------------------

def test_api_error_bodies_are_in_the_requests_language():
    from test_web_api import client

    api = client()
    bodies = {"": "请求体为空；请发送 JSON", "{": "请求体不是有效的 JSON：数据意外结束（第 1 行第 2 列，第 1 个字符）"}
    for body, said in bodies.items():
        response = api.post("/api/v1/advise", content=body.encode())
        assert response.status_code == 400 and response.json()["error"] == said
    null = api.post("/api/v1/advise", content=b"null").json()["errors"][0]["message"]
    assert null == "画像应为“字段: 值”的映射，实际为空值（null）"  # as messages.yaml and the command line say it
    assert api.post("/api/v1/advise?lang=en", content=b"null").json()["errors"][0]["message"] == \
        "a profile is a mapping of field: value, got null"
    dated = api.post("/api/v1/advise?as_of=2026-13-01", json={}).json()["errors"][0]["message"]
    assert dated == "“2026-13-01”不是日期；请用 YYYY-MM-DD 格式，如 2025-06-01"
    assert api.post("/api/v1/advise?lang=fr", json={}).json()["errors"][0]["message"] == "应为 'zh' 或 'en'"
    assert api.post("/api/v1/memo?date=1970-01-01&lang=en", json={}).json()["errors"][0]["message"].startswith(
        "'1970-01-01' is out of range")


# --- explain and rules list fit the terminal ----------------------------------------------------

@pytest.mark.parametrize("columns", [40, 60, 200])
def test_explain_and_rules_list_fit_the_terminal(columns):
    from advisor.formats.lines import width

    for args in (["explain", BANK], ["rules", "list"]):
        result = subprocess.run([sys.executable, "-m", "advisor", *args], capture_output=True, cwd=ROOT, timeout=120,
                                env=chinese_env(COLUMNS=str(columns)))
        lines = result.stdout.decode("utf-8").splitlines()
        assert result.returncode == 0 and lines
        too_wide = [line for line in lines if width(line) > columns and " " in line.strip()]  # a lone id may not fit
        assert not too_wide, (args, columns, too_wide[:3])
        if columns == 200 and args[0] == "explain":
            assert max(width(line) for line in lines) > 100  # the room is used, not a fixed 80 columns


def test_batch_lines_beside_the_output_have_the_chinese_frame(tmp_path):
    clients = tmp_path / "clients.csv"
    clients.write_text("企业名称,规模,行业,隐私要求,预算\n甲,中型,金融,高,800万\n丁,巨型,金融,高,低\n", encoding="utf-8")
    result = run("batch", str(clients), "-f", "csv", "-o", str(tmp_path / "out.csv"))
    assert result.returncode == 1
    lines = [line for line in result.stderr.decode("utf-8").splitlines() if line.startswith("advisor")]
    assert lines and all(line.startswith("advisor：") for line in lines), lines
    english = run("batch", str(clients), "-f", "csv", "-o", str(tmp_path / "out.csv"), lang="en")
    assert any(line.startswith("advisor: ") for line in english.stderr.decode("utf-8").splitlines())
