"""The most common errors read as Chinese under the default zh, with their location in order."""

from __future__ import annotations

import shutil

import pytest
from conftest import RULES

from advisor.messages import translate

BASE = "name: 测试公司\nsize: 小型\nsector: 电商\nprivacy: 低\nbudget: 低\n"


def test_a_location_and_a_rule_stay_in_order(cli, tmp_path):
    pack = tmp_path / "pack"
    shutil.copytree(RULES, pack)
    path = pack / "deployment.yaml"
    text = path.read_text(encoding="utf-8")
    path.write_text(text.replace("  - id: FACT-LACKS-AI-CAPACITY", "  - id: FACT-LACKS-AI-CAPACITY\n  x: [unclosed", 1),
                    encoding="utf-8")
    profile = tmp_path / "p.yaml"
    profile.write_text(BASE, encoding="utf-8")
    zh = cli("advise", str(profile), "--rules", str(pack), "--lang", "zh")
    assert zh.exit_code == 2
    assert "deployment.yaml：第 49 行第 3 列：规则 FACT-LACKS-AI-CAPACITY：YAML 格式错误：缺少预期的“-”" in zh.stderr
    en = cli("advise", str(profile), "--rules", str(pack), "--lang", "en")
    assert "deployment.yaml: line 49, column 3: rule FACT-LACKS-AI-CAPACITY: broken YAML: " in en.stderr


def test_a_questionnaire_problem_names_the_question_in_order(cli, tmp_path):
    from advisor.ask import questionnaire

    source = (questionnaire.__file__.rsplit("/", 1)[0]) + "/questionnaire.yaml"
    custom = tmp_path / "q.yaml"
    text = open(source, encoding="utf-8").read()
    assert "ask_if: {size: absent}" in text
    custom.write_text(text.replace("ask_if: {size: absent}", "ask_if: {sise: absent}"), encoding="utf-8")
    result = cli("ask", "--questionnaire", str(custom), "--lang", "zh", input="\n")
    assert result.exit_code == 2
    assert "：第 3 题（employees）：ask_if：未知字段“sise”" in result.stderr


@pytest.mark.parametrize("text, zh", [
    ("name: 甲\n\tsize: 小型\n", "第 2 行第 1 列：不是有效的 YAML/JSON：出现了破坏缩进的制表符（Tab）；请用空格缩进"),
    ("name: 甲\nsize: 小型\n sector: 电商\n", "第 3 行第 8 列：不是有效的 YAML/JSON：此处不能出现“键: 值”；"
                                          "请检查这一行的缩进是否与上一行对齐，以及值中是否有多余的“: ”（含冒号的值请加引号）"),
    ("name: 甲\n---\nname: 乙\n", "第 2 行第 1 列：不是有效的 YAML/JSON：出现了第二个文档（“---”之后）；一个文件只能有一个文档"),
    ("name: !foo 甲\n", "第 1 行第 7 列：不是有效的 YAML/JSON：无法识别的标签“!foo”（以 ! 开头）；请删除标签，或给值加引号"),
    ('{"name":"甲"} trailing\n', "第 1 行第 14 列：不是有效的 YAML/JSON：文档结束后还有多余的内容"),
    ("[" * 2000 + "]" * 2000, "第 1 行第 1001 列：不是有效的 YAML/JSON：嵌套超过 1,000 层"),
    ("? [a, b]\n: 1\nname: 甲\n", "第 1 行第 3 列：不是有效的 YAML/JSON：出现了不能作为键的值（键应为文字）"),
])
def test_yaml_mistakes_made_editing_a_profile_by_hand_are_said_in_chinese(cli, tmp_path, text, zh):
    path = tmp_path / "p.yaml"
    path.write_text(text, encoding="utf-8")
    result = cli("advise", str(path), "--lang", "zh")
    assert result.exit_code == 2
    assert result.stderr == f"advisor：错误：{path}：{zh}\n"
    assert "not valid YAML/JSON" in cli("advise", str(path), "--lang", "en").stderr


def test_clicks_own_words_for_paths_and_numbers_are_chinese(cli, tmp_path):
    profile = tmp_path / "p.yaml"
    profile.write_text(BASE, encoding="utf-8")
    folder = tmp_path / "adir"
    folder.mkdir()
    cases = [(["rules", "coverage", "--min", "abc"], "'--min' 的值无效：'abc' 不是有效的数字。"),
             (["advise", str(profile), "--rules", str(profile)], f"'--rules' 的值无效：'{profile}' 是文件，此处应为文件夹。"),
             (["advise", str(profile), "--prices", "nope.yaml"], "'--prices' 的值无效：'nope.yaml' 不存在。"),
             (["advise", str(profile), "--prices", str(folder)], f"'--prices' 的值无效：'{folder}' 是文件夹，此处应为文件。")]
    for args, said in cases:
        result = cli(*args, "--lang", "zh")
        assert result.exit_code == 2
        assert result.stderr.rstrip("\n").endswith("错误：" + said), result.stderr
    en = cli("rules", "coverage", "--min", "abc", "--lang", "en")
    assert "'abc' is not a valid float range." in en.stderr


def test_pydantic_limits_and_template_lines_are_whole_chinese():
    assert translate("costs.usage.estimate_digits: Input should be greater than or equal to 1", "zh") == \
        "costs.usage.estimate_digits：应大于或等于 1"
    assert translate("x: Input should be less than or equal to 9", "zh") == "x：应小于或等于 9"
    assert translate("t4.md.j2: line 1: a repeated string or list would be longer than 1,000,000 characters or "
                     "items; stopped", "zh") == "t4.md.j2：第 1 行：重复后的字符串或列表将超过 1,000,000 个字符或项；已停止"
    assert translate("t3.md.j2: line 12: a number above 1,000,000 given to a function or filter; stopped", "zh") == \
        "t3.md.j2：第 12 行：传给函数或过滤器的数字超过 1,000,000；已停止"


def test_a_memo_template_that_loops_too_long_is_reported_in_chinese(cli, tmp_path):
    profile = tmp_path / "p.yaml"
    profile.write_text(BASE, encoding="utf-8")
    template = tmp_path / "t.md.j2"
    template.write_text("{{ 'x' * 1000000000 }}\n", encoding="utf-8")
    result = cli("memo", str(profile), "--template", str(template), "-o", str(tmp_path / "m.md"), "--lang", "zh")
    assert result.exit_code == 2
    assert result.stderr == f"advisor：错误：{template}：第 1 行：重复后的字符串或列表将超过 1,000,000 个字符或项；已停止\n"


def test_an_alias_bomb_is_refused_with_its_line_in_chinese(tmp_path):
    import subprocess
    import sys

    path = tmp_path / "bomb.yaml"
    path.write_text("a: &a [1, 1, 1, 1, 1, 1, 1, 1, 1, 1]\nb: &b [*a, *a, *a, *a, *a, *a, *a, *a, *a, *a]\n"
                    "c: &c [*b, *b, *b, *b, *b, *b, *b, *b, *b, *b]\nd: &d [*c, *c, *c, *c, *c, *c, *c, *c, *c, *c]\n"
                    "e: [*d, *d, *d, *d, *d, *d, *d, *d, *d, *d]\n", encoding="utf-8")
    result = subprocess.run([sys.executable, "-m", "advisor", "advise", str(path), "--lang", "zh"],
                            capture_output=True, timeout=120)
    err = result.stderr.decode()
    assert result.returncode == 2, err
    assert "bomb.yaml：第 1 行：不是有效的 YAML/JSON：别名" in err and "line" not in err
