"""Chinese first: under --lang zh (the default) every user-facing string is Chinese.

Outputs, rule sources, error messages, click's usage errors, batch headers and summaries, and
--help when ADVISOR_LANG or the locale says Chinese. What may stay in Latin letters: ids (modes,
pricing models, items, rules, fields), codes (GB/T, TC260), acronyms (API, SaaS) and names.
The commands run as a user runs them: in a process of their own, with a Chinese user's
environment (no LANGUAGE=en, which the rest of the suite sets).
"""

from __future__ import annotations

import csv
import functools
import io
import os
import re
import subprocess
import sys

import pytest

from conftest import PROFILES, ROOT

# Latin words a Chinese text may hold: acronyms, codes and the names of formats and standards.
ACRONYMS = {"AI", "API", "APP", "GPU", "PC", "GB", "TC", "SaaS", "PaaS", "MaaS", "AaaS", "EU", "CAC", "LLM", "YAML",
            "JSON", "CSV", "HTML", "Markdown", "Word", "Excel", "UTF", "GBK", "GB18030", "NaN", "HTTP", "OpenAPI",
            "Token", "sha", "know", "how", "advisor", "FILE", "DIR", "TEXT", "ID", "Pan"}  # Pan: an author


@functools.cache
def ids() -> frozenset[str]:
    """Every id the output may show: modes, pricing models, items, rules, fields and their values
    (the bundled pack's: read once)."""
    from advisor.engine.loader import load_pack
    from advisor.vocabulary import vocabulary

    pack = load_pack()
    found = {r.id for r in pack.rules} | set(pack.items) | set(pack.vocabulary.modes) | set(pack.vocabulary.pricing)
    found |= {pack.meta.name, *pack.meta.name.split("-")}
    voc = vocabulary()
    found |= set(voc.fields)
    for values in voc.enums.values():
        found |= set(values)
    return frozenset(found)


def english_left(text: str, allowed: set[str] = frozenset()) -> list[str]:
    """The Latin words of ``text`` that are not ids, codes, acronyms, names or quoted values."""
    known = ids() | ACRONYMS | set(allowed)
    text = re.sub(r"'[^'\n]*'|\"[^\"\n]*\"|`[^`\n]*`|“[^”\n]*”", " ", text)  # quoted: the user's own values and keys
    text = re.sub(r"(?:/[\w.+-]+)+|[\w.-]+\.(?:yaml|yml|csv|jsonl|json|md|html|docx|doc|txt|xlsx)\b", " ", text)  # files
    words = re.findall(r"[A-Za-z][A-Za-z0-9_\-\\]*[A-Za-z0-9]|[A-Za-z]", text)
    left = []
    for word in words:
        word = word.replace("\\", "")
        if word in known or word.lower() in known or len(word) == 1 or re.fullmatch(r"[A-Z0-9]+(-[A-Z0-9]+)+", word) \
                or re.fullmatch(r"sha256|[0-9a-f]*\d[0-9a-f]*", word):  # the pack's version
            continue
        if all(part in known or part.isdigit() for part in re.split(r"[-_]", word)):
            continue
        left.append(word)
    return left


def chinese_env(**changes: str | None) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if k not in ("LANGUAGE", "ADVISOR_LANG", "COLUMNS")}
    env.update(LANG="zh_CN.UTF-8")
    env.update(changes)
    return {k: v for k, v in env.items() if v is not None}


def advisor(*args: str, env: dict[str, str] | None = None, stdin: bytes | None = None) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "advisor", *args], capture_output=True, cwd=ROOT, timeout=120,
                          env=env or chinese_env(), input=stdin)


# --- sources ----------------------------------------------------------------------------------

def test_every_rule_source_reads_in_chinese():
    from advisor.citations import cite
    from advisor.engine.loader import load_pack

    pack = load_pack()
    sources = {r.source for r in pack.rules} | {pack.meta.tie_break_source}
    sources |= {table.source for table in (pack.thresholds.size, pack.thresholds.budget)}
    for source in sorted(sources):
        zh = cite(source, "zh")
        assert not english_left(zh), (source, zh, english_left(zh))
    assert cite("生成式人工智能服务管理暂行办法 Art 2 ¶3, Art 7; report §3.2", "zh") == \
        "生成式人工智能服务管理暂行办法第2条第3款、第7条；报告§3.2"
    assert cite("report §1.4; points: project assumption", "en") == "report §1.4; points: project assumption"


# --- outputs ----------------------------------------------------------------------------------

@pytest.mark.parametrize("fmt", ["table", "markdown"])
def test_every_report_in_chinese_has_no_english_but_ids(cli, fmt):
    for profile in sorted(PROFILES.glob("*.yaml")):
        result = cli("advise", str(profile), "--lang", "zh", "-f", fmt)
        assert result.exit_code == 0
        name = result.stdout.splitlines()[0].split(" 的大模型落地建议")[0].lstrip("# ")
        assert not english_left(result.stdout, set(re.findall(r"[A-Za-z]+", name))), (profile.name,
                                                                                         english_left(result.stdout))


def test_the_english_report_keeps_the_sources_as_written(cli):
    result = cli("advise", str(PROFILES / "05-hybrid-bank.yaml"), "--lang", "en", "--format", "markdown")
    assert "生成式人工智能服务管理暂行办法 Art 2 ¶3" in result.stdout and "points: project assumption" in result.stdout
    assert "项目假设" not in result.stdout


def test_advisor_lang_en_makes_the_output_english():
    result = advisor("advise", str(PROFILES / "05-hybrid-bank.yaml"), env=chinese_env(ADVISOR_LANG="en"))
    assert result.returncode == 0 and "Recommendation for 江南农村商业银行" in result.stdout.decode()
    default = advisor("advise", str(PROFILES / "05-hybrid-bank.yaml"), env=chinese_env(LANG="en_US.UTF-8"))
    assert "江南农村商业银行 的大模型落地建议" in default.stdout.decode()  # the locale does not change a report


# --- error messages ---------------------------------------------------------------------------

def _bad_inputs(tmp_path) -> list[tuple[list[str], bytes | None]]:
    bad = tmp_path / "bad.yaml"
    bad.write_text("name: A\nsector: 金融x\nprivacy: hi\nbudget: 12abc\nfoo: 1\nemployees: -3\n"
                   "use_cases: [knowledge_search, zz]\npublic_facing: maybe\n", encoding="utf-8")
    empty = tmp_path / "empty.yaml"
    empty.write_text("name: A\n", encoding="utf-8")
    dup = tmp_path / "dup.yaml"
    dup.write_text("name: A\nprivacy: low\nprivacy: high\n", encoding="utf-8")
    colon = tmp_path / "colon.yaml"
    colon.write_text("name: A\nsector：金融\n", encoding="utf-8")
    table = tmp_path / "clients.csv"
    table.write_text("企业名称,行业,规模,隐私要求,预算,颜色\nA,金融,large,高,高,红\n", encoding="utf-8")
    rows = tmp_path / "rows.csv"
    rows.write_text("name,sector,size,privacy,budget\nA,金融,large,高,高\nB,火星,small,低,999999999999999999\n",
                    encoding="utf-8")
    header_only = tmp_path / "header.csv"
    header_only.write_text("name,sector,size,privacy,budget\n", encoding="utf-8")
    return [
        (["advise", str(bad)], None),
        (["advise", str(empty)], None),
        (["advise", str(dup)], None),
        (["advise", str(colon)], None),
        (["advise", str(tmp_path / "missing.yaml")], None),
        (["advise", str(tmp_path)], None),
        (["advise", str(table)], None),
        (["batch", str(table)], None),
        (["batch", str(rows), "-q"], None),
        (["batch", str(header_only)], None),
        (["batch", str(rows), "--encoding", "klingon"], None),
        (["advise", "-"], b"- a\n- b\n"),
        (["memo", str(PROFILES / "05-hybrid-bank.yaml"), "-o", str(tmp_path / "x.doc")], None),
        (["ask", "--save", str(tmp_path / "x.txt")], None),
        (["advise", str(PROFILES / "05-hybrid-bank.yaml"), "--rules", str(tmp_path)], None),
        (["whatif", str(PROFILES / "05-hybrid-bank.yaml"), "--set", "privacy"], None),
        (["advise", str(PROFILES / "05-hybrid-bank.yaml"), "--as-of", "2026-13-01"], None),
        (["advise"], None),
        (["advise", "--bogus", "x"], None),
        (["advise", "x", "-f", "pdf"], None),
        (["nosuchcommand"], None),
    ]


def test_every_kind_of_error_is_said_in_chinese(tmp_path):
    for args, stdin in _bad_inputs(tmp_path):
        result = advisor(*args, stdin=stdin)
        assert result.returncode in (1, 2), (args, result.stderr.decode())
        message = result.stderr.decode("utf-8")
        assert message.strip() and re.search(r"[\u4e00-\u9fff]", message), (args, message)
        assert "Traceback" not in message
        left = english_left(message, {"OPTIONS", "PROFILE", "COMMAND", "ARGS", "FIELD", "VALUE", "YYYY-MM-DD",
                                      "million", "true", "false", "yes", "no", "or", "format", "output", "set",
                                      "help", "lang", "save", "as-of", "encoding", "gbk", "utf-8", "gb18030",
                                      "utf-8-sig", "md", "html", "docx", "doc", "txt", "yaml", "yml", "csv",
                                      "auto", "table", "json", "jsonl", "markdown", "pdf", "bogus", "batch",
                                      "advise", "whatif", "ask", "memo", "nosuchcommand", "klingon", "x"})
        assert not left, (args, left, message)


def test_the_same_errors_in_english(tmp_path):
    for args, stdin in _bad_inputs(tmp_path)[:8]:
        result = advisor(*args, env=chinese_env(ADVISOR_LANG="en"), stdin=stdin)
        message = result.stderr.decode("utf-8")
        assert "advisor: error:" in message or "Error:" in message, (args, message)
        assert not re.search(r"画像无效|错误：|不存在|不是有效", message), (args, message)


def test_the_interface_language_follows_lang_then_advisor_lang_then_the_locale(tmp_path):
    missing = str(tmp_path / "missing.yaml")
    assert "文件不存在" in advisor("advise", missing, env=chinese_env()).stderr.decode()
    assert "no such file" in advisor("advise", missing, env=chinese_env(LANG="en_US.UTF-8")).stderr.decode()
    assert "文件不存在" in advisor("advise", missing, env=chinese_env(LANG="C.UTF-8")).stderr.decode()  # no language: Chinese
    assert "文件不存在" in advisor("advise", missing, env=chinese_env(LANG="en_US.UTF-8", ADVISOR_LANG="zh")).stderr.decode()
    assert "no such file" in advisor("advise", missing, "--lang", "en", env=chinese_env()).stderr.decode()
    assert "文件不存在" in advisor("advise", missing, "--lang=zh-CN", env=chinese_env(LANG="en_US.UTF-8")).stderr.decode()


# --- help -------------------------------------------------------------------------------------

def test_every_command_and_option_has_chinese_help():
    import click

    from advisor.cli import cli as group
    from advisor.cli_text import _walk, help_table

    table = help_table()
    shared = table["*"]["options"]
    missing = []
    for path, command in _walk(group, "advisor"):
        entry = table.get(path) or {}
        if not entry.get("help"):
            missing.append(path)
        for param in command.params:
            if isinstance(param, click.Option) and param.help and param.name not in ("help", "version"):
                if param.name not in (entry.get("options") or {}) and param.name not in shared:
                    missing.append(f"{path} --{param.name}")
    assert not missing, missing


@pytest.mark.parametrize("command", [[], ["advise"], ["batch"], ["ask"], ["memo"], ["rules", "list"], ["whatif"]])
def test_help_is_chinese_when_the_locale_or_advisor_lang_says_so(command):
    zh = advisor(*command, "--help").stdout.decode()
    assert "用法：" in zh and "选项" in zh and "显示此帮助并退出。" in zh
    usage = [line for line in zh.splitlines() if line.startswith(("  -", "  --"))]
    assert all(re.search(r"[\u4e00-\u9fff]", line) or line.rstrip().endswith("]") for line in usage), usage
    assert advisor(*command, "--help", env=chinese_env(LANG="en_US.UTF-8", ADVISOR_LANG="zh")).stdout.decode() == zh
    en = advisor(*command, "--help", env=chinese_env(LANG="en_US.UTF-8")).stdout.decode()
    assert "Usage:" in en and "Show this message and exit." in en and not re.search(r"[\u4e00-\u9fff]{4}", en.split(
        "Options")[-1].replace("预算=800万 --set 技术团队=较强", "").replace("万/亿", ""))


# --- batch ------------------------------------------------------------------------------------

def test_batch_headers_labels_and_summary_in_chinese(tmp_path):
    rows = tmp_path / "rows.csv"
    rows.write_text("name,sector,size,privacy,budget\nA,金融,large,高,高\nB,火星,small,低,低\n", encoding="utf-8")
    result = advisor("batch", str(rows), "-f", "csv")
    assert result.returncode == 1
    table = list(csv.reader(io.StringIO(result.stdout.decode("utf-8"))))
    assert table[0][:4] == ["序号", "企业名称", "部署模式", "部署模式名称"] and table[0][-1] == "错误"
    assert table[2][-1].startswith(f"{rows}，第 2 条记录，第 3 行：画像无效：字段“sector”")
    summary = result.stderr.decode()
    assert "共 2 条记录：已评分 1 条，有误 1 条" in summary and "推荐的部署模式" in summary and "行业 × 部署模式" in summary
    assert not english_left(summary.split("\n", 1)[1], {"csv"})
    ids = advisor("batch", str(rows), "-f", "csv", "--headers", "ids", "-q").stdout.decode()
    assert ids.startswith("record,profile,mode,mode_label,score,")
    english = advisor("batch", str(rows), "-f", "csv", "--lang", "en", "-q").stdout.decode()
    assert english.startswith("record,profile,mode,") and "invalid profile: field 'sector'" in english


def test_the_batch_table_is_labelled_in_chinese(tmp_path):
    rows = tmp_path / "rows.csv"
    rows.write_text("name,sector,size,privacy,budget\nA,金融,large,高,高\n", encoding="utf-8")
    text = advisor("batch", str(rows), "-f", "table", "-q").stdout.decode()
    assert text.splitlines()[0].split()[:4] == ["序号", "企业名称", "部署模式", "得分"]
