"""Inputs people and their tools really produce (the files in fixtures/real-world), each with the
value the user means as the expectation; and hostile or huge inputs, each with one clear error."""

from __future__ import annotations

import json
import time
from pathlib import Path

import pytest
import yaml
from conftest import as_json

import advisor
from advisor.errors import ProfileError

CASES = Path(__file__).parent / "fixtures" / "real-world"


def jsonl(result) -> list[dict]:
    return [json.loads(line) for line in result.stdout.splitlines() if line.strip()]


def given(result_json: dict, field: str) -> str:
    """The number a threshold was applied to, as the result shows it (``employees = 350``)."""
    return next(t["given"] for t in result_json["thresholds"] if t["field"] == field)


# --- numbers as people and Excel write them ------------------------------------------------------


def test_excel_text_wrappers_are_excels_not_the_users(cli):
    result = cli("batch", str(CASES / "excel-text-wrappers.csv"), "--format", "jsonl", "--lang", "en", "-q")
    assert result.exit_code == 0, result.stderr
    first, second = jsonl(result)
    assert first["profile"] == "华东精密机械有限公司"  # ="华东精密机械有限公司" in the file
    assert given(first, "size") == "employees = 350" and given(first, "budget") == "budget = CNY 8,000,000"
    assert given(second, "size") == "employees = 120" and given(second, "budget") == "budget = CNY 2,000,000"


def test_a_decimal_comma_in_a_semicolon_file_is_a_decimal_never_100_times_the_amount(cli):
    result = cli("batch", str(CASES / "semicolon-decimal-comma.csv"), "--format", "jsonl", "--lang", "en", "-q")
    assert result.exit_code == 0, result.stderr
    first, second = jsonl(result)
    assert given(first, "budget") == "budget = CNY 8,000,000"  # 8000000,00 — not 800,000,000
    assert given(second, "budget") == "budget = CNY 2,000,000"


def test_an_ambiguous_number_in_a_semicolon_file_is_a_bad_row_not_a_guess(cli, tmp_path):
    path = tmp_path / "eu.csv"
    path.write_text("name;size;sector;privacy;budget\nA;small;finance;low;1,500\nB;small;finance;low;2.000.000,50\n",
                    encoding="utf-8")
    result = cli("batch", str(path), "--format", "jsonl", "--lang", "en", "-q")
    assert result.exit_code == 1
    bad, good = jsonl(result)
    assert "column 'budget': value '1,500' is ambiguous" in bad["error"]
    assert given(good, "budget") == "budget = CNY 2,000,000.50"


def test_amounts_as_people_write_them(cli):
    result = cli("advise", str(CASES / "budget-with-yen-sign.yaml"), "--format", "json", "--lang", "en")
    assert result.exit_code == 0, result.stderr
    assert given(as_json(result), "budget") == "budget = CNY 8,000,000"  # ￥800万


def test_a_budget_just_below_a_band_stays_below_it(cli):
    result = as_json(cli("advise", str(CASES / "budget-just-below-band.yaml"), "--format", "json", "--lang", "en"))
    budget = next(t for t in result["thresholds"] if t["field"] == "budget")
    assert budget["value"] == "low" and budget["given"] == "budget = CNY 499,999.99"


def test_a_leading_zero_is_decimal_not_octal(cli):
    result = as_json(cli("advise", str(CASES / "yaml-leading-zero.yaml"), "--format", "json", "--lang", "en"))
    assert given(result, "size") == "employees = 350"  # YAML 1.1 would read 0350 as 232


@pytest.mark.parametrize("text,name", [
    ("name: yes\n", "yes"), ("name: off\n", "off"), ("name: 2024-01-01\n", "2024-01-01"),
    ("name: 1.50\n", "1.50"), ("name: 0x1F\n", "0x1F"), ("name: '007'\n", "007"), ("name: 12:30\n", "12:30"),
])
def test_yaml_names_are_the_text_as_written(cli, tmp_path, text, name):
    path = tmp_path / "p.yaml"
    path.write_text(text + "size: small\nsector: finance\nprivacy: low\nbudget: low\nstartup: on\n", encoding="utf-8")
    result = cli("advise", str(path), "--format", "json")
    assert result.exit_code == 0, result.stderr
    assert as_json(result)["profile"] == name


# --- files -----------------------------------------------------------------------------------


def test_a_line_break_in_a_quoted_list_cell_separates_items(cli):
    from advisor.profile import parse_profile
    from advisor.sources.inputs import read_inputs

    result = cli("batch", str(CASES / "multiline-list-cell.csv"), "--format", "csv", "-q")
    assert result.exit_code == 0, result.stderr
    records = list(read_inputs([str(CASES / "multiline-list-cell.csv")]))
    assert [r.line for r in records] == [2, 4]
    assert parse_profile(records[0].data).name == "华东精密\n机械"  # a line break in a name is kept
    assert parse_profile(records[1].data).use_cases == ["knowledge_search", "office_assistant"]


def test_a_full_width_bar_separates_list_items(recommend):
    from advisor.profile import parse_profile

    p = parse_profile({"name": "A", "size": "small", "sector": "金融", "privacy": "低", "budget": "低",
                       "use_cases": "知识搜索｜智能办公", "modalities": "文本\r\n图像"})
    assert p.use_cases == ["knowledge_search", "office_assistant"] and p.modalities == ["text", "image"]


@pytest.mark.parametrize("encoding", ["gbk", "gb18030", "utf-16", "utf-8-sig", "utf-16-le"])
def test_advise_memo_and_ask_read_every_encoding_batch_reads(cli, tmp_path, encoding):
    text = (CASES / "gbk-profile.yaml").read_bytes().decode("gbk")
    path = tmp_path / "p.yaml"
    path.write_bytes(text.encode(encoding))
    advised = cli("advise", str(path), "--format", "json")
    assert advised.exit_code == 0, advised.stderr
    assert as_json(advised)["profile"] == "康宁口腔医疗连锁"
    memo = cli("memo", str(path))
    assert memo.exit_code == 0 and memo.stdout.startswith("# 康宁口腔医疗连锁")
    asked = cli("ask", "--from", str(path), "--format", "json", input="\n" * 40)
    assert asked.exit_code == 0, asked.stderr
    assert '"profile": "康宁口腔医疗连锁"' in asked.stdout
    batch = cli("batch", str(path), "--format", "jsonl", "-q")
    assert jsonl(batch)[0]["deployment"] == as_json(advised)["deployment"]


def test_chinese_field_names_work_as_yaml_and_json_keys(cli, tmp_path):
    result = cli("advise", str(CASES / "chinese-keys.yaml"), "--format", "json", "--lang", "en")
    assert result.exit_code == 0, result.stderr
    data = as_json(result)
    assert data["profile"] == "某市城市投资集团" and given(data, "budget") == "budget = CNY 2,000,000"
    path = tmp_path / "p.json"
    path.write_text(json.dumps(yaml.safe_load((CASES / "chinese-keys.yaml").read_text(encoding="utf-8")),
                               ensure_ascii=False), encoding="utf-8")
    assert cli("advise", str(path), "--format", "json", "--lang", "en").stdout == result.stdout


def test_a_field_given_by_both_names_is_an_error(cli, tmp_path):
    path = tmp_path / "p.yaml"
    path.write_text("name: A\n企业名称: B\nsize: small\nsector: finance\nprivacy: low\nbudget: low\n", encoding="utf-8")
    result = cli("advise", str(path))
    assert result.exit_code == 2 and "keys 'name' and '企业名称' both give field 'name'" in result.stderr


def test_a_duplicate_key_is_an_error_naming_the_key_and_both_lines(cli, tmp_path):
    result = cli("advise", str(CASES / "yaml-duplicate-key.yaml"))
    assert result.exit_code == 2
    assert "key 'privacy' is given twice (lines 4 and 7)" in result.stderr
    path = tmp_path / "p.json"
    path.write_text('{"name": "A", "size": "small", "sector": "finance",\n "privacy": "low",\n'
                    ' "budget": "low", "privacy": "high"}\n', encoding="utf-8")
    result = cli("advise", str(path))
    assert result.exit_code == 2 and "key 'privacy' is given twice (lines 2 and 3)" in result.stderr


@pytest.mark.parametrize("text,line,what,fixed", [
    ("name: A\nsector：金融\nsize: small\nprivacy: low\nbudget: low\n", 2, "a full-width colon '：'", "sector: 金融"),
    ("name: A\nsize: small\nprivacy:low\nsector: finance\nbudget: low\n", 3, "no space after ':'", "privacy: low"),
    ("name: A\n  隐私要求：高\nsize: small\nsector: finance\nbudget: low\n", 2, "a full-width colon '：'", "隐私要求: 高"),
])
def test_a_bad_colon_is_pointed_at_on_its_own_line(cli, tmp_path, text, line, what, fixed):
    path = tmp_path / "p.yaml"
    path.write_text(text, encoding="utf-8")
    result = cli("advise", str(path))
    assert result.exit_code == 2
    lines = result.stderr.splitlines()
    at = next(i for i, s in enumerate(lines) if s.startswith(f"    line {line}: "))
    written = lines[at]
    caret = lines[at + 1]
    assert caret.strip() == f"^ {what}: write '{fixed}'"
    from advisor.safe_load import _width

    colon = max(written.find("："), written.find(":", len(f"    line {line}: ")))
    assert _width(caret[: caret.index("^")]) == _width(written[:colon])  # the caret is under the colon


@pytest.mark.parametrize("suffix", [".csv", ".tsv", ".jsonl", ".xlsx"])
def test_advise_given_a_table_says_to_use_batch(cli, tmp_path, suffix):
    path = tmp_path / f"clients{suffix}"
    path.write_text("name,size\nA,small\n", encoding="utf-8")
    for command in (("advise",), ("memo",), ("ask", "--from")):
        result = cli(*command, str(path), input="")
        assert result.exit_code == 2 and f"advisor batch {path}" in result.stderr


def test_advise_given_a_list_of_profiles_says_to_use_batch(cli, tmp_path):
    path = tmp_path / "list.yaml"
    path.write_text("- {name: A, size: small, sector: finance, privacy: low, budget: low}\n", encoding="utf-8")
    result = cli("advise", str(path))
    assert result.exit_code == 2 and "holds a list of 1 profiles" in result.stderr and "advisor batch" in result.stderr


class Answering:
    """A console that answers by question (its title), and Enter to the rest; keeps what was shown."""

    def __init__(self, answers: dict[str, str]) -> None:
        self.answers, self.shown, self.question = answers, [], ""
        self.prompts: list[tuple[str, str]] = []  # (question, prompt) as asked

    def say(self, text: str) -> None:
        self.shown.append(text)
        if text.lstrip().startswith("["):
            self.question = text

    def ask(self, prompt: str) -> str:
        self.shown.append(prompt)
        self.prompts.append((self.question, prompt))
        return next((a for title, a in self.answers.items() if title in self.question), "")


def resume(path, save, answers: dict[str, str]) -> tuple[int, str, list[tuple[str, str]]]:
    from advisor.ask.run import run

    console = Answering(answers)
    code = run(from_file=str(path), save=str(save), fmt="json", memo_file=None, questionnaire_file=None,
               lang="en", rules_dir=None, console=console)
    return code, "\n".join(console.shown), console.prompts


def test_an_old_questionnaire_draft_resumes_with_what_is_still_valid(tmp_path):
    out = tmp_path / "p.yaml"
    code, shown_, prompts = resume(CASES / "old-questionnaire-draft.yaml", out,
                                   {"Privacy": "中", "Budget": "低", "Name": "华东机械"})
    assert code == 0, shown_
    assert "No longer fields of the questionnaire, dropped: 'data_residency'." in shown_
    assert "The answer '不确定' to privacy is no longer allowed" in shown_
    saved = yaml.safe_load(out.read_text(encoding="utf-8"))
    assert saved["sector"] == "industrial" and saved["size"] == "medium"  # kept from the draft
    assert saved["privacy"] == "medium"  # asked again
    assert "data_residency" not in saved
    assert "[Enter = industrial]" in shown_ and "[Enter = medium]" in shown_
    privacy = [prompt for question, prompt in prompts if "Privacy" in question]
    sector = [prompt for question, prompt in prompts if "Sector" in question]
    assert sector == ["[Enter = industrial] > "]
    assert privacy == ["> "]  # asked again, without the old answer as a default


def test_drafts_are_not_read_as_profiles_by_a_folder_batch(cli, tmp_path):
    folder = tmp_path / "clients"
    folder.mkdir()
    (folder / "a.yaml").write_text("name: A\nsize: small\nsector: finance\nprivacy: low\nbudget: low\n", encoding="utf-8")
    (folder / "b.draft.yaml").write_text("size: small\n", encoding="utf-8")
    (folder / "old.yaml").write_bytes((CASES / "old-questionnaire-draft.yaml").read_bytes())
    result = cli("batch", str(folder), "--format", "jsonl", "-q")
    assert result.exit_code == 0, result.stderr
    assert [r["profile"] for r in jsonl(result)] == ["A"]


def test_the_draft_header_is_what_a_folder_batch_recognises():
    from advisor.ask.profile_file import draft_header
    from advisor.sources.folder import DRAFT_FIRST_LINES

    for lang in ("zh", "en"):
        assert ("# " + draft_header("p.yaml", lang)).startswith(DRAFT_FIRST_LINES)


# --- huge and hostile input ------------------------------------------------------------------------


@pytest.mark.parametrize("name", ["01-budget-overflow.yaml", "02-budget-5000-digit-int.yaml"])
def test_huge_numbers_are_one_clear_error_naming_the_field(cli, name):
    result = cli("advise", str(CASES / name))
    assert result.exit_code == 2
    assert "invalid profile: field 'budget': value '" in result.stderr and "is far too large" in result.stderr
    assert len(result.stderr) < 1000  # the 5,000 digits are cut


def test_huge_numbers_in_a_batch_are_error_rows_and_every_good_row_is_written(cli, tmp_path):
    path = tmp_path / "big.csv"
    path.write_text("name,size,sector,privacy,budget\nA,small,finance,low,1e1000000\n"
                    f"B,small,finance,low,{'9' * 5000}\nC,small,finance,low,low\n", encoding="utf-8")
    lines_ = tmp_path / "big.jsonl"
    lines_.write_text("".join(json.dumps({"name": n, "size": "small", "sector": "finance", "privacy": "low",
                                          "budget": b}) .replace('"@', "").replace('@"', "") + "\n"
                              for n, b in [("A", "@1e1000000@"), ("B", "@" + "9" * 5000 + "@"), ("C", "low")]),
                      encoding="utf-8")
    for source in (path, lines_):
        result = cli("batch", str(source), "--format", "jsonl", "-q", "--lang", "en")
        assert result.exit_code == 1, result.stderr
        rows = jsonl(result)
        assert [r.get("record") for r in rows[:2]] == [1, 2] and rows[2]["profile"] == "C"
        assert all("field 'budget'" in r["error"] for r in rows[:2])


def test_deep_nesting_through_score_is_a_short_profile_error():
    nested: list = []
    inner = nested
    for _ in range(5000):
        inner.append([])
        inner = inner[0]
    for field in ("name", "sector", "use_cases", "budget"):
        with pytest.raises(ProfileError) as info:
            advisor.score({"name": "A", "size": "small", "sector": "finance", "privacy": "low", "budget": "low",
                           field: nested})
        assert len(str(info.value)) < 600 and f"field '{field}'" in str(info.value)


def test_deep_nesting_in_files_is_refused(cli, tmp_path):
    for text in ("name: " + "[" * 5000 + "]" * 5000 + "\n", "- " * 2000 + "x\n"):
        path = tmp_path / "deep.yaml"
        path.write_text(text, encoding="utf-8")
        result = cli("advise", str(path))
        assert result.exit_code == 2 and "nested more than 1,000 levels deep" in result.stderr
    path = tmp_path / "deep.jsonl"
    path.write_text('{"name": ' + "[" * 5000 + "]" * 5000 + "}\n", encoding="utf-8")
    result = cli("batch", str(path), "-q", "--format", "jsonl", "--lang", "en")
    assert result.exit_code == 1 and "nested too deeply" in jsonl(result)[0]["error"]


def test_a_billion_laughs_is_refused_at_once(cli):
    started = time.monotonic()
    result = cli("advise", str(CASES / "05-billion-laughs.yaml"))
    assert time.monotonic() - started < 5
    assert result.exit_code == 2 and "aliases (*name) expand this document to 926,177,123 values" in result.stderr


def test_a_few_aliases_and_merge_keys_are_fine(cli, tmp_path):
    path = tmp_path / "list.yaml"
    path.write_text("- &base {name: A, size: small, sector: finance, privacy: low, budget: low}\n"
                    "- <<: *base\n  name: B\n", encoding="utf-8")
    result = cli("batch", str(path), "--format", "jsonl", "-q", "--lang", "en")
    assert result.exit_code == 0 and [r["profile"] for r in jsonl(result)] == ["A", "B"]


def test_a_cell_over_the_csv_limit_is_an_error_row_and_the_rest_is_scored(cli, tmp_path):
    path = tmp_path / "long.csv"
    path.write_text("name,size,sector,privacy,budget\nA,small,finance,high,low\n"
                    f'"{"N" * 200_000}",small,finance,high,low\nC,small,finance,high,low\n', encoding="utf-8")
    result = cli("batch", str(path), "--format", "jsonl", "-q", "--lang", "en")
    assert result.exit_code == 1
    rows = jsonl(result)
    assert [r.get("profile") for r in rows] == ["A", None, "C"]
    assert "line 3" in rows[1]["error"] and "a cell is longer than 131,072 characters" in rows[1]["error"]


def test_a_row_in_another_encoding_is_an_error_row_with_its_line(cli, tmp_path):
    path = tmp_path / "mixed.csv"
    good = "".join(f"甲{i},small,金融,high,low\n" for i in range(30_000))
    path.write_bytes(("name,size,sector,privacy,budget\n" + good).encode()
                     + "乙,small,金融,high,low\n".encode("gbk") + "丙,small,金融,high,low\n".encode())
    out = tmp_path / "m.csv"
    result = cli("batch", str(path), "-o", str(out), "-q")
    assert result.exit_code == 1
    assert "record 30001, line 30002: invalid profile: this line is not valid UTF-8 text" in result.stderr
    assert "it reads as GB18030: '乙,small,金融,high,low'" in result.stderr
    rows = out.read_text(encoding="utf-8-sig").splitlines()
    assert len(rows) == 1 + 30_002 and rows[-1].startswith("30002,丙,")
    assert rows[30_001].startswith("30001,,,")


def test_a_50_mb_value_is_never_echoed_whole():
    with pytest.raises(ProfileError) as info:
        advisor.score({"name": "A", "size": "small", "sector": "x" * 50_000_000, "privacy": "low", "budget": "low"})
    assert len(str(info.value)) < 1000 and "(50,000,000 characters)" in str(info.value)


def test_the_engine_compares_an_amount_with_fen_exactly(tmp_path):
    import shutil

    from conftest import MINIPACK

    from advisor.pipeline import Advisor
    from advisor.profile import parse_profile

    pack = tmp_path / "pack"
    shutil.copytree(MINIPACK, pack)
    (pack / "budget.yaml").write_text("""
rules:
  - id: B-BELOW
    description: {en: below, zh: 以下}
    source: test
    when: {budget_cny: {lt: 500000}}
    then: [{note: {en: below, zh: 以下}}]
  - id: B-AT-MOST
    description: {en: at most, zh: 不超过}
    source: test
    when: {budget_cny: {lte: 499999}}
    then: [{note: {en: at most, zh: 不超过}}]
""", encoding="utf-8")
    engine = Advisor.load(str(pack))
    base = {"name": "A", "size": "small", "sector": "finance", "privacy": "low"}
    for amount, fired in (("499999.99", {"B-BELOW"}), ("499999", {"B-BELOW", "B-AT-MOST"}), ("500000", set()),
                          ("499999.01", {"B-BELOW"}), ("0.01", {"B-BELOW", "B-AT-MOST"})):
        result = engine.recommend(parse_profile({**base, "budget": amount}), "en")
        assert {t.rule for t in result.trace} & {"B-BELOW", "B-AT-MOST"} == fired, amount


def test_ask_saves_an_amount_with_fen_as_written(cli, tmp_path):
    out = tmp_path / "p.yaml"
    code, shown_, _ = resume(CASES / "old-questionnaire-draft.yaml", out,
                             {"Privacy": "中", "Budget": "499999.99", "Name": "华东机械"})
    assert code == 0, shown_
    assert "budget: 499999.99\n" in out.read_text(encoding="utf-8")
    advised = as_json(cli("advise", str(out), "--format", "json", "--lang", "en"))
    assert given(advised, "budget") == "budget = CNY 499,999.99"


def test_broken_rule_packs_are_load_errors_on_the_command_line(cli, tmp_path):
    import shutil

    from conftest import MINIPACK

    pack = tmp_path / "pack"
    shutil.copytree(MINIPACK, pack)
    (pack / "cycle.yaml").write_text("""
facts: {a: {en: a, zh: a}, b: {en: b, zh: b}}
rules:
  - id: C-1
    description: {en: e, zh: z}
    source: s
    when: {fact: b}
    then: [{derive: a}]
  - id: C-2
    description: {en: e, zh: z}
    source: s
    when: {fact: a}
    then: [{derive: b}, {score: {mode: saas, points: .nan}}]
""", encoding="utf-8")
    for args in (("rules", "test", "--rules", str(pack)),
                 ("advise", str(CASES / "yaml-leading-zero.yaml"), "--rules", str(pack))):
        result = cli(*args)
        assert result.exit_code == 2, result.output
        assert "cycle.yaml: rule C-2: then.1.score.points: nan is not a number (NaN or infinite)" in result.stderr


def test_a_huge_value_in_a_file_is_cut_in_the_message(cli, tmp_path):
    path = tmp_path / "p.yaml"
    path.write_text("name: A\nsize: small\nprivacy: low\nbudget: low\nsector: " + "x" * 1_000_000 + "\n",
                    encoding="utf-8")  # just under the 1 MB a profile may have (advisor.bounded)
    result = cli("advise", str(path))
    assert result.exit_code == 2 and "(1,000,000 characters)" in result.stderr and len(result.stderr) < 1000
