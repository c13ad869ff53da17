"""Small command-line edges: a field changed twice, an empty path, output folders that do not
exist, an unknown ADVISOR_LANG, a home folder that does not exist."""

from __future__ import annotations

import os
import subprocess
import sys

from conftest import PROFILES

BASE = "name: 测试公司\nsize: 小型\nsector: 电商\nprivacy: 低\nbudget: 低\n"


def base(tmp_path):
    path = tmp_path / "base.yaml"
    path.write_text(BASE, encoding="utf-8")
    return path


def test_whatif_refuses_one_field_changed_twice_also_by_its_chinese_name(cli, tmp_path):
    profile = base(tmp_path)
    twice = cli("whatif", str(profile), "--set", "privacy=高", "--set", "privacy=低", "--lang", "zh")
    assert twice.exit_code == 2
    assert "错误：'--set' 的值无效：“privacy=高”和“privacy=低”都修改字段“privacy”；请只保留一个" in twice.stderr
    chinese = cli("whatif", str(profile), "--set", "privacy=高", "--set", "隐私要求=中", "--lang", "en")
    assert chinese.exit_code == 2
    assert "Invalid value for '--set': 'privacy=高' and '隐私要求=中' both change field 'privacy'; keep one" in chinese.stderr
    assert cli("whatif", str(profile), "--set", "privacy=高", "--set", "budget=中").exit_code == 0


def test_an_empty_profile_path_is_named_as_such(cli):
    zh = cli("advise", "", "--lang", "zh")
    assert zh.exit_code == 2
    assert zh.stderr == "advisor：错误：画像文件名为空；请给出 YAML 或 JSON 文件，或用 - 表示标准输入\n"
    en = cli("advise", "", "--lang", "en")
    assert en.stderr == "advisor: error: the profile's file name is empty; name a YAML or JSON file, or - for standard input\n"


def test_memo_and_ask_refuse_an_output_folder_that_does_not_exist_as_ask_save_does(cli, tmp_path):
    profile = base(tmp_path)
    target = tmp_path / "no" / "such" / "m.md"
    memo = cli("memo", str(profile), "-o", str(target), "--lang", "zh")
    assert memo.exit_code == 2
    assert memo.stderr == f"advisor：错误：{target}：文件夹 {target.parent} 不存在\n"
    assert not (tmp_path / "no").exists()
    ask = cli("ask", "--from", str(PROFILES / "05-hybrid-bank.yaml"), "--memo", str(target), "--lang", "en",
              input="\n" * 40)
    assert ask.exit_code == 2
    assert ask.stderr == f"advisor: error: {target}: the folder {target.parent} does not exist\n"
    assert not (tmp_path / "no").exists()
    assert cli("memo", str(profile), "-o", str(tmp_path / "m.md")).exit_code == 0


def test_an_output_inside_a_file_is_refused_naming_the_file(cli, tmp_path):
    profile = base(tmp_path)
    (tmp_path / "notes").write_text("x", "utf-8")
    target = tmp_path / "notes" / "m.md"
    memo = cli("memo", str(profile), "-o", str(target), "--lang", "zh")
    assert memo.exit_code == 2
    assert memo.stderr == f"advisor：错误：{target}：{target.parent} 是文件，不是文件夹\n"
    ask = cli("ask", "--from", str(PROFILES / "05-hybrid-bank.yaml"), "--memo", str(target), "--lang", "en",
              input="\n" * 40)
    assert ask.exit_code == 2
    assert ask.stderr == f"advisor: error: {target}: {target.parent} is a file, not a folder\n"
    assert (tmp_path / "notes").read_text("utf-8") == "x"


def run(*args: str, **env: str) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "advisor", *args], capture_output=True, text=True, timeout=120,
                          env={**os.environ, **env})


def test_an_unknown_advisor_lang_is_warned_about_and_ignored(tmp_path):
    profile = base(tmp_path)
    result = run("advise", str(profile), ADVISOR_LANG="fr", LANG="C.UTF-8", LANGUAGE="", LC_ALL="")
    assert result.returncode == 0
    assert result.stdout.startswith("测试公司 的大模型落地建议")
    assert result.stderr == ("advisor：警告：ADVISOR_LANG='fr' 不是可用的语言（可用：zh、en，或 zh_CN、en_US 等区域设置）；"
                             "已忽略\n")
    en = run("advise", str(profile), "--lang", "en", ADVISOR_LANG="eng")
    assert en.stderr.startswith("advisor: warning: ADVISOR_LANG='eng' is not a language advisor speaks (allowed: zh, en")
    assert run("advise", str(profile), ADVISOR_LANG="en_US").stderr == ""


def test_a_missing_home_folder_is_not_created_by_the_cache(tmp_path):
    home = tmp_path / "nonexistent"
    profile = base(tmp_path)
    result = run("advise", str(profile), HOME=str(home), XDG_CACHE_HOME="", ADVISOR_NO_PACK_CACHE="")
    assert result.returncode == 0 and result.stderr == ""
    assert not home.exists()
    home.mkdir()  # an existing home gets its ~/.cache/advisor
    assert run("advise", str(profile), HOME=str(home), XDG_CACHE_HOME="", ADVISOR_NO_PACK_CACHE="").returncode == 0
    assert any((home / ".cache" / "advisor").iterdir())


def test_format_names_are_case_insensitive_as_lang_is(cli, tmp_path):
    profile = base(tmp_path)
    upper = cli("advise", str(profile), "-f", "JSON")
    assert upper.exit_code == 0 and upper.stdout == cli("advise", str(profile), "-f", "json").stdout
    assert cli("explain", str(profile), "-f", "Markdown").stdout.startswith("# ")


def test_a_nan_coverage_minimum_is_refused(cli):
    zh = cli("rules", "coverage", "--min", "nan", "--lang", "zh")
    assert zh.exit_code == 2
    assert "'--min' 的值无效：“nan”不是数字；请给出 0 到 100 之间的百分比" in zh.stderr
    en = cli("rules", "coverage", "--min", "NaN", "--lang", "en")
    assert en.exit_code == 2 and "'nan' is not a number; give a percentage from 0 to 100" in en.stderr


def test_a_word_document_given_as_a_profile_is_named_as_such(cli, tmp_path):
    profile = base(tmp_path)
    memo = tmp_path / "x.docx"
    assert cli("memo", str(profile), "-o", str(memo)).exit_code == 0
    zh = cli("advise", str(memo), "--lang", "zh")
    assert zh.exit_code == 2
    assert zh.stderr == f"advisor：错误：{memo}：这是 Word 文档，不是画像；画像是由“字段: 值”各行组成的 YAML 或 JSON 文件\n"
    en = cli("advise", str(memo), "--lang", "en")
    assert en.stderr == f"advisor: error: {memo}: a Word document, not a profile; a profile is a YAML or JSON file of field: value lines\n"
