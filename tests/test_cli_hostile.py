"""The one-profile commands as a hostile user meets them on a terminal: YAML types no field takes,
full-width letters from a Chinese input method, narrow console encodings, every message in both
languages."""

from __future__ import annotations

import pytest

from advisor.safe_load import TEXT, Written, load_yaml

BASE = "name: 测试公司\nsize: small\nsector: ecommerce\nprivacy: low\nbudget: low\n"


def profile(tmp_path, text: str, name: str = "p.yaml"):
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    return str(path)


# --- YAML types that no field takes are quoted as written ----------------------------------------

@pytest.mark.parametrize("written, kind", [
    ("!!binary aGlnaA==", "binary"),
    ("!!timestamp 2024-01-01", "timestamp"),
    ("!!set {high: null}", "set"),
    ("!!omap [a: 1]", "omap"),
    ("!!pairs [a: 1, b: 2]", "pairs"),
    ("&anchor !!binary aGk=", "binary"),
])
def test_a_value_of_a_type_no_field_takes_is_read_as_written(written, kind):
    value = load_yaml(f"a: 1\nprivacy: {written}  # a comment\n", TEXT)["privacy"]
    assert isinstance(value, Written) and value.kind == kind
    assert str(value) == written and repr(value) == f"'{written}'"


def test_a_multi_line_value_is_written_on_one_line():
    value = load_yaml("privacy: !!set {\n  high: null,\n  low: null }\nsize: small\n", TEXT)["privacy"]
    assert value.text == "!!set { high: null, low: null }"


@pytest.mark.parametrize("line, field, shown, allowed", [
    ("privacy: !!binary aGlnaA==", "privacy", "value '!!binary aGlnaA==' is not allowed", "allowed: low (低), medium (中), high (高)"),
    ("privacy: !!timestamp 2024-01-01", "privacy", "value '!!timestamp 2024-01-01' is not allowed", "allowed: low (低)"),
    ("privacy: !!set {high: null}", "privacy", "value '!!set {high: null}' is not allowed", "allowed: low (低)"),
    ("budget: !!binary aGlnaA==", "budget", "value '!!binary aGlnaA==' is not a number", "allowed: low (低)"),
    ("name: !!binary aGlnaA==", "name", "value '!!binary aGlnaA==' is not allowed", "allowed: a non-empty name"),
    ("use_cases: [!!binary aGlnaA==]", "use_cases", "item '!!binary aGlnaA==' is not allowed", "allowed items: knowledge_search"),
    ("public_facing: !!timestamp 2024-01-01 10:00:00", "public_facing",
     "value '!!timestamp 2024-01-01 10:00:00' is not a yes/no value", "allowed: true/false"),
])
def test_advise_quotes_a_tagged_value_as_written_with_its_field_and_what_is_allowed(cli, tmp_path, line, field, shown,
                                                                                    allowed):
    key = line.split(":")[0]
    text = "".join(row + "\n" for row in BASE.splitlines() if not row.startswith(key + ":")) + line + "\n"
    path = profile(tmp_path, text)
    for command in (["advise"], ["memo"], ["explain"], ["whatif", "--set", "minors=yes"]):
        en = cli(*command, path, "--lang", "en")
        assert en.exit_code == 2, (command, en.stderr)
        assert f"field '{field}': {shown}; {allowed}" in en.stderr
        assert "b'" not in en.stderr and "datetime" not in en.stderr and "{'" not in en.stderr
        assert "hint: the YAML tag !!" in en.stderr and "write the value as text, without the tag" in en.stderr
    zh = cli("advise", path, "--lang", "zh")
    assert f"字段“{field}”：" in zh.stderr and shown.split("'")[1] in zh.stderr
    assert "is not" not in zh.stderr
    assert "提示：YAML 标签 !!" in zh.stderr and "请去掉标签，把值写成文字" in zh.stderr


def test_a_tagged_key_is_named_as_written(cli, tmp_path):
    path = profile(tmp_path, BASE + "!!binary aGk=: x\n")
    en = cli("advise", path, "--lang", "en")
    assert en.exit_code == 2 and "unknown field '!!binary aGk='; allowed fields: name" in en.stderr


def test_batch_quotes_a_tagged_value_as_written_too(cli, tmp_path):
    path = profile(tmp_path, "- " + BASE.replace("\n", "\n  ").replace("privacy: low", "privacy: !!binary aGk="),
                   "list.yaml")
    result = cli("batch", path, "-f", "jsonl", "--lang", "en")
    assert result.exit_code == 1
    assert "field 'privacy': value '!!binary aGk=' is not allowed" in result.stdout + result.stderr
    assert "b'" not in result.stdout + result.stderr


# --- full-width letters and digits (a Chinese input method) --------------------------------------

FULL_WIDTH = ("name: 测试公司\nsize: ＳＭＡＬＬ\nsector: ｅ－ｃｏｍｍｅｒｃｅ\nprivacy: ＨＩＧＨ\nbudget: ｌｏｗ\n"
              "public_facing: ｙｅｓ\nminors: １\nuse_cases: [ｃｕｓｔｏｍｅｒ＿ｓｅｒｖｉｃｅ, ｍａｒｋｅｔｉｎｇ]\n"
              "ｍｌ＿ｔｅａｍ: ｂａｓｉｃ\n")
ASCII = ("name: 测试公司\nsize: small\nsector: e-commerce\nprivacy: high\nbudget: low\npublic_facing: yes\n"
         "minors: 1\nuse_cases: [customer_service, marketing]\nml_team: basic\n")


def test_full_width_words_are_read_as_their_ascii_forms_by_every_command(cli, tmp_path):
    wide, narrow = profile(tmp_path, FULL_WIDTH, "wide.yaml"), profile(tmp_path, ASCII, "narrow.yaml")
    for command in (["advise", "-f", "json"], ["explain", "-f", "json"], ["memo"],
                    ["whatif", "--set", "privacy=low", "-f", "json"]):
        got, expected = cli(*command, wide), cli(*command, narrow)
        assert got.exit_code == 0, (command, got.stderr)
        assert got.stdout == expected.stdout.replace("narrow.yaml", "wide.yaml")


def test_batch_reads_full_width_words_and_headers_alike(cli, tmp_path):
    wide = tmp_path / "wide.csv"
    wide.write_text("name,ｓｉｚｅ,sector,privacy,budget,public_facing\nA,ＳＭＡＬＬ,ｅ－ｃｏｍｍｅｒｃｅ,ＨＩＧＨ,８００万,ｙｅｓ\n",
                    encoding="utf-8")
    narrow = tmp_path / "narrow.csv"
    narrow.write_text("name,size,sector,privacy,budget,public_facing\nA,small,e-commerce,high,800万,yes\n", encoding="utf-8")
    got, expected = cli("batch", str(wide), "-f", "jsonl"), cli("batch", str(narrow), "-f", "jsonl")
    assert got.exit_code == 0 and got.stdout == expected.stdout


def test_whatif_reads_full_width_fields_values_and_equals_signs(cli, tmp_path):
    path = profile(tmp_path, ASCII)
    expected = cli("whatif", path, "--set", "privacy=low", "--set", "sector=finance", "-f", "json")
    for changes in (["--set", "privacy=ＬＯＷ", "--set", "ｓｅｃｔｏｒ=ｆｉｎａｎｃｅ"],
                    ["--set", "隐私要求＝低", "--set", "sector＝finance"]):
        got = cli("whatif", path, *changes, "-f", "json")
        assert got.exit_code == 0, got.stderr
        assert got.stdout == expected.stdout
    assert cli("whatif", path, "--set", "name=a＝b", "-f", "json").exit_code == 0


def test_options_read_full_width_choices_languages_and_dates(cli, tmp_path):
    path = profile(tmp_path, ASCII)
    expected = cli("advise", path, "-f", "json", "--lang", "en", "--as-of", "2026-01-01")
    got = cli("advise", path, "-f", "ＪＳＯＮ", "--lang", "ＥＮ", "--as-of", "２０２６－０１－０１")
    assert got.exit_code == 0, got.stderr
    assert got.stdout == expected.stdout
    assert cli("explain", path, "-f", "ｍａｒｋｄｏｗｎ").stdout.startswith("# ")
    assert cli("rules", "list", "-f", "ｊｓｏｎ").exit_code == 0
    import json

    wide = json.loads(cli("rules", "list", "--grep", "ＤＥＰ－ＯＮＰＲＥＭ", "-f", "json").stdout)
    assert wide and wide == json.loads(cli("rules", "list", "--grep", "dep-onprem", "-f", "json").stdout)


def test_only_full_width_forms_are_folded_not_every_compatibility_form(cli, tmp_path):
    """① and ² are no 1 and 2: NFKC would make them yes/no answers."""
    for odd in ("①", "²"):
        path = profile(tmp_path, ASCII.replace("minors: 1", f"minors: {odd}"))
        result = cli("advise", path, "--lang", "en")
        assert result.exit_code == 2
        assert f"field 'minors': value '{odd}' is not a yes/no value" in result.stderr


# --- a console whose encoding is narrow (latin-1, cp1252, Shift-JIS) -------------------------------

def _run_many(jobs, encoding):
    from test_console import run_many

    return run_many(jobs, {"PYTHONIOENCODING": encoding, "LANG": "C.UTF-8", "LC_ALL": None})


def test_a_latin1_console_gets_json_and_yaml_whole_and_a_clear_error_for_text(tmp_path):
    path = profile(tmp_path, BASE)
    escaped = [["advise", path, "-f", "json"], ["advise", path, "-f", "yaml"], ["explain", path, "-f", "json"],
               ["whatif", path, "--set", "privacy=high", "-f", "json"], ["rules", "list", "-f", "json"]]
    text = [(["advise", path], "-f json / -f yaml\n"), (["advise", path, "-f", "markdown"], "-f json / -f yaml\n"),
            (["explain", path], "-f json\n"), (["explain", path, "-f", "markdown"], "-f json\n"),
            (["whatif", path, "--set", "privacy=high"], "-f json / --lang en\n"), (["rules", "list"], "-f json\n"),
            (["rules", "lint"], "-f json / --lang en\n"), (["memo", path], "-o FILE\n")]
    results = _run_many(escaped + [args for args, _ in text], "latin-1")
    for args, (code, out, err) in zip(escaped, results):
        assert code == 0 and err == b"", (args, err)
        assert b"?" not in out.replace(b'"?"', b"")  # nothing became '?'
        assert "测试公司" in (json_or_yaml := out.decode("latin-1")) or "\\u6d4b" in json_or_yaml.lower() or args[0] == "rules"
    import json

    assert json.loads(results[0][1].decode("latin-1"))["profile"] == "测试公司"
    assert json.loads(results[4][1].decode("latin-1"))[0]["description"]  # the rules' Chinese text, escaped
    for (args, ways), (code, out, err) in zip(text, results[len(escaped):]):
        message = err.decode("latin-1")
        assert code == 2 and out == b"", (args, message)
        assert message.startswith("advisor: error: standard output is iso8859-1, which cannot show '\\u"), message
        assert "nothing was" in message and f"or use: {ways}" in message and "PYTHONIOENCODING=utf-8" in message


def test_a_latin1_console_gets_english_text_that_it_can_show(tmp_path):
    path = profile(tmp_path, BASE.replace("测试公司", "Test Co"))
    jobs = [["whatif", path, "--set", "privacy=high", "--lang", "en"], ["rules", "lint", "--lang", "en"],
            ["advise", path, "--lang", "en"]]
    (code, out, err), (lint, lint_out, _), (advise, _, advise_err) = _run_many(jobs, "latin-1")
    assert code == 0 and b"If privacy needs were high instead of low" in out and b"?" not in out
    assert lint == 0 and lint_out.startswith(b"advisor-default sha256:")
    # English output still cites Chinese laws by their Chinese names: refused, nothing lost
    assert advise == 2 and b"or use: -f json / -f yaml\n" in advise_err and b"--lang en" not in advise_err


@pytest.mark.parametrize("encoding", ["latin-1", "cp1252", "shift_jis"])
def test_error_messages_on_a_narrow_console_are_english_and_lose_nothing(tmp_path, encoding):
    path = profile(tmp_path, BASE.replace("privacy: low", "privacy: 很高"))
    (code, out, err), = _run_many([["advise", path]], encoding)
    message = err.decode(encoding)
    assert code == 2 and out == b""
    assert "invalid profile: field 'privacy': value '" in message
    assert "?" not in message
    if encoding == "shift_jis":  # it has these two characters (and not 错误: the message is English)
        assert "value '很高' is not allowed" in message
    else:
        assert "value '\\u5f88\\u9ad8' is not allowed" in message


def test_ask_on_a_narrow_console_refuses_chinese_and_escapes_the_rest(tmp_path):
    path = profile(tmp_path, BASE.replace("测试公司", "Test Co"))
    from test_console import run

    env = {"PYTHONIOENCODING": "latin-1", "LANG": "C.UTF-8", "LC_ALL": None}
    zh = run(["ask", "--from", path], env, stdin=b"\n" * 40)
    assert zh.returncode == 2 and zh.stdout == b""
    assert zh.stderr.decode("latin-1").startswith("advisor: error: standard output is iso8859-1, which cannot "
                                                   "show Chinese; nothing was asked")
    en = run(["ask", "--from", path, "--lang", "en"], env, stdin=b"\n" * 40)
    assert en.returncode == 0, en.stderr
    assert b"80\\u4e07" in en.stdout and b"80?" not in en.stdout


def test_the_unshown_output_message_reads_in_chinese():
    import io

    from advisor.console import UnshownOutput, check_shown

    class Latin1(io.StringIO):
        encoding = "latin-1"

    with pytest.raises(UnshownOutput) as caught:
        check_shown("江州市政务服务", "zh", ("-f json",), Latin1())
    assert caught.value.text("zh") == ("标准输出的编码为 iso8859-1，无法显示 '江', '州', '市' 及另外 3 个字符（本输出中共 7 个字符）；"
                                       "没有输出任何内容\n  提示：请使用 UTF-8 编码（PYTHONIOENCODING=utf-8，或 LANG=zh_CN.UTF-8 "
                                       "等 UTF-8 区域设置）；或改用：-f json / --lang en")
    check_shown("café ✓ 10⁹", "en", (), Latin1())  # substitutes exist (√, ^9): shown


# --- rules lint speaks the reader's language whole ---------------------------------------------

def _pack_with_findings(tmp_path):
    import shutil

    from conftest import RULES

    pack = tmp_path / "pack"
    shutil.copytree(RULES, pack)
    deployment = pack / "deployment.yaml"
    text = deployment.read_text("utf-8")
    text = text.replace("      zh: 隐私安全要求高、处理敏感个人信息或属于关键信息基础设施，说明所涉数据较为敏感。\n",
                        '      zh: "High privacy"\n', 1)
    text = text.replace('    source: "report §1.4; points: project assumption"', '    source: "report §1.4"', 1)
    text = text.replace('    zh: 既无AI技术团队也无自有算力\n', '    zh: 既无AI技术团队也无自有算力\n  orphan:\n    en: "nothing"\n    zh: 无\n', 1)
    deployment.write_text(text, "utf-8")
    return str(pack)


def test_rules_lint_lines_are_chinese_whole_in_chinese(cli, tmp_path):
    pack = _pack_with_findings(tmp_path)
    zh = cli("rules", "lint", "--rules", pack, "--lang", "zh")
    assert zh.exit_code == 1
    lines = zh.stdout.splitlines()
    assert "deployment.yaml：事实 orphan：[未使用的事实] 已声明，但没有规则推导它，也没有规则测试它" in lines
    assert "deployment.yaml：规则 FACT-SENSITIVE-DATA：[文字] description：缺少中文文本（zh：'High privacy'）" in lines
    assert any(line.startswith("deployment.yaml：规则 DEP-ONPREM-SIZE：[项目假设] 它给出得分") for line in lines)
    for english in ("[text]", "[unused_fact]", "[assumption]", ": rule ", ": fact "):
        assert english not in zh.stdout
    en = cli("rules", "lint", "--rules", pack, "--lang", "en")
    assert "deployment.yaml: fact orphan: [unused_fact] declared, but no rule derives it and no rule tests it" in en.stdout
    assert "deployment.yaml: rule FACT-SENSITIVE-DATA: [text] description: no Chinese text (zh: 'High privacy')" in en.stdout


def test_every_kind_of_lint_finding_has_its_words_in_both_languages():
    from advisor.analysis import lint
    from advisor.analysis.explain import at

    kinds = set()
    import inspect
    import re

    kinds = set(re.findall(r'_finding\("([a-z_]+)"', inspect.getsource(lint)))
    assert {"unfireable", "text", "skipped", "date"} <= kinds
    for kind in kinds:
        zh, en = at(f"lint_kind_{kind}", "zh"), at(f"lint_kind_{kind}", "en")
        assert en == kind and re.search(r"[\u4e00-\u9fff]", zh), (kind, zh)


def test_a_rule_condition_on_a_value_no_field_has_reads_in_chinese_and_quotes_it_as_written(cli, tmp_path):
    import shutil

    from conftest import RULES

    pack = tmp_path / "pack"
    shutil.copytree(RULES, pack)
    deployment = pack / "deployment.yaml"
    deployment.write_text(deployment.read_text("utf-8").replace("        - privacy: high\n",
                                                                "        - privacy: !!set {high: null}\n", 1), "utf-8")
    zh = cli("rules", "lint", "--rules", str(pack), "--lang", "zh")
    assert zh.exit_code == 2
    assert "deployment.yaml：规则 FACT-SENSITIVE-DATA：“privacy”没有取值 '!!set {high: null}'；可填：low, medium, high" in zh.stderr
    en = cli("rules", "lint", "--rules", str(pack), "--lang", "en")
    assert "rule FACT-SENSITIVE-DATA: 'privacy' has no value '!!set {high: null}'; allowed: low, medium, high" in en.stderr


def test_rules_coverage_names_a_rule_no_case_fires_in_chinese_whole(cli, tmp_path):
    pack = tmp_path / "pack"
    import shutil

    from conftest import RULES

    shutil.copytree(RULES, pack)
    (pack / "extra.yaml").write_text("""
rules:
  - id: EXTRA-NEVER-TESTED
    description: {en: "A high budget under 1 million.", zh: 高预算但不足100万。}
    source: "project assumption"
    when:
      all:
        - budget: high
        - budget_cny: {lt: 1000000}
    then:
      - comply: {item: genai-service-filing, status: recommended}
""", encoding="utf-8")
    zh = cli("rules", "coverage", "--rules", str(pack), "--lang", "zh")
    assert "没有任何用例触发的规则：\n  extra.yaml：EXTRA-NEVER-TESTED\n" in zh.stdout
    en = cli("rules", "coverage", "--rules", str(pack), "--lang", "en")
    assert "Rules no case fires:\n  extra.yaml: EXTRA-NEVER-TESTED\n" in en.stdout


@pytest.mark.parametrize("line, expected", [
    ("budget: !!float .nan", "field 'budget': value '.nan' is not a number"),
    ("budget: !!float .inf", "field 'budget': value '.inf' is not a number"),
    ("budget: !!bool yes", "field 'budget': value 'yes' is not a number"),
    ("privacy: !!bool true", "field 'privacy': value 'true' is not allowed"),
    ("privacy: !!int 0x10", "field 'privacy': value '0x10' is not allowed"),
])
def test_a_number_or_yes_no_with_its_tag_is_quoted_as_written(cli, tmp_path, line, expected):
    key = line.split(":")[0]
    text = "".join(row + "\n" for row in BASE.splitlines() if not row.startswith(key + ":")) + line + "\n"
    result = cli("advise", profile(tmp_path, text), "--lang", "en")
    assert result.exit_code == 2 and expected in result.stderr
    for python in ("nan is", "inf is", "True is", "16 is"):
        assert python not in result.stderr


def test_a_tag_that_changes_nothing_is_read_as_without_it(cli, tmp_path):
    tagged = BASE.replace("budget: low", "budget: !!int 800000") + "employees: !!int 500\npublic_facing: !!bool yes\n"
    plain = BASE.replace("budget: low", "budget: 800000") + "employees: 500\npublic_facing: yes\n"
    got = cli("advise", profile(tmp_path, tagged, "t.yaml"), "-f", "json")
    assert got.exit_code == 0 and got.stdout == cli("advise", profile(tmp_path, plain, "p.yaml"), "-f", "json").stdout


def test_a_full_width_advisor_lang_is_read_as_typed(tmp_path):
    from test_console import run

    path = profile(tmp_path, BASE)
    for value in ("ＥＮ", "ｅｎ＿ＵＳ"):
        result = run(["advise", path, "-f", "json"], {"ADVISOR_LANG": value, "LANG": "C.UTF-8"})
        assert result.returncode == 0 and result.stderr == b"", result.stderr
        assert b'"label": "SaaS' in result.stdout or b'"label": "Cloud' in result.stdout


def test_a_profile_typed_in_a_terminal_is_asked_for_not_waited_on_in_silence(tmp_path):
    import os
    import sys

    import pexpect
    from conftest import ROOT

    env = {k: v for k, v in os.environ.items() if k not in ("LANGUAGE", "ADVISOR_LANG")}
    child = pexpect.spawn(sys.executable, ["-m", "advisor", "advise", "-", "--lang", "en", "-f", "json"], cwd=str(ROOT),
                          env={**env, "LANG": "C.UTF-8"}, encoding="utf-8", timeout=60)
    child.expect_exact("advisor: reading the profile from the terminal: type its 'field: value' lines, then Ctrl-D")
    child.sendline("name: Typed Co\nsize: small\nsector: ecommerce\nprivacy: low\nbudget: low")
    child.sendeof()
    child.expect_exact('"profile": "Typed Co"')
    child.expect(pexpect.EOF)
    child.close()
    assert child.exitstatus == 0
    # a pipe is read without a word
    from test_console import run

    piped = run(["advise", "-", "-f", "json"], {}, stdin=BASE.encode())
    assert piped.returncode == 0 and piped.stderr == b""


def test_every_example_file_the_readme_reads_is_provided(cli):
    import glob
    import re

    from conftest import ROOT

    readme = (ROOT / "README.md").read_text("utf-8")
    paths = set(re.findall(r"docs/examples/[\w.*-]+", readme))
    assert "docs/examples/clients-*.csv" in paths
    for path in paths:
        assert glob.glob(str(ROOT / path)), path
    scored = cli("batch", str(ROOT / "docs/examples/clients-1.csv"), "-f", "jsonl", "-q")
    assert scored.exit_code == 1 and scored.stdout.count('"error"') == 4
    assert sum(1 for _ in open(ROOT / "docs/examples/clients-1.csv", encoding="utf-8-sig")) == 51


def test_a_full_width_key_without_a_space_after_its_colon_is_pointed_at(cli, tmp_path):
    result = cli("advise", profile(tmp_path, "ｎａｍｅ:x\nsize: small\n"), "--lang", "en")
    assert result.exit_code == 2
    assert "line 1: ｎａｍｅ:x" in result.stderr and "^ no space after ':': write 'ｎａｍｅ: x'" in result.stderr
