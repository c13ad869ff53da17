"""User strings in every output: terminals never obey control characters, Markdown never reads
markup in them, Word files never fail on them."""

from __future__ import annotations

import re

import pytest
from conftest import ROOT

# What the shared reliability cases hold (52, 53, 54), and what spreadsheets paste.
CONTROL_NAME = "a\x00b\x07c\x1bd"
INJECTION_NAME = "a\n# Injected heading\n<script>alert(9)</script>\n[click](javascript:alert(1))"
ANSI_NAME = "Evil\x1b[2J\x1b]0;PWNED-TITLE\x07\x1b[31mRED"
NASTY = ["\x1b[2J", "\x1b]0;T\x07", "\x9b31m", "\u202eevil", "a\rb", "\x00", "\x7f", "\u2028", "\udcff"]


def profile_file(tmp_path, name: str, filename: str = "p.json"):
    import json

    path = tmp_path / filename
    path.write_text(json.dumps({"name": name, "size": "small", "sector": "finance", "privacy": "high",
                                "budget": "low"}), "utf-8")
    return path


def no_controls(text: str, allow: str = "\n") -> bool:
    return not any((ord(c) < 0x20 and c not in allow) or 0x7f <= ord(c) <= 0x9f or c in "\u202e\u2028" or
                   0xD800 <= ord(c) <= 0xDFFF for c in text)


# --- the functions -----------------------------------------------------------------------------------


@pytest.mark.parametrize("text", NASTY)
def test_terminal_text_shows_every_control_character_as_an_ascii_escape(text):
    from advisor.formats.escape import terminal_text

    shown = terminal_text(text, keep_newlines=False)
    assert no_controls(shown, allow="") and shown.isprintable()
    assert terminal_text(shown) == shown  # idempotent
    shown.encode("gbk")  # any console code page can print it


def test_terminal_text_examples():
    from advisor.formats.escape import terminal_text

    assert terminal_text(ANSI_NAME) == r"Evil\x1b[2J\x1b]0;PWNED-TITLE\x07\x1b[31mRED"
    assert terminal_text("two\nlines") == "two\nlines"
    assert terminal_text("two\nlines", keep_newlines=False) == r"two\x0alines"
    assert terminal_text("\u202eabc") == r"\u202eabc"
    assert terminal_text("甲公司 · Acme\t") == r"甲公司 · Acme\x09"


def test_document_text_drops_invisible_characters_and_keeps_the_rest():
    from advisor.formats.escape import document_text

    assert document_text(CONTROL_NAME) == "abcd"
    assert document_text("华东\x0b精密\x0c机械\r公司") == "华东 精密 机械 公司"
    assert document_text("tab\tand\nline") == "tab\tand\nline"
    assert document_text("\u202eevil\ufffe\udcff") == "evil"
    assert document_text("甲公司（深圳）") == "甲公司（深圳）"


def test_markdown_escapes_markup_and_shows_control_characters():
    from advisor.formats.escape import md_code, md_escape

    assert md_escape("<script>x</script>") == r"\<script\>x\</script\>"
    assert md_escape("[click](javascript:alert(1))") == r"\[click\](javascript:alert(1))"
    assert md_escape("# heading") == r"\# heading" and md_escape("1. item") == r"1\. item"
    assert md_escape("a\x1bb") == r"a\\x1bb"  # shown as the text \x1b
    assert md_code("a`b") == "``a`b``" and md_code("plain_id") == "`plain_id`"


# --- terminal output ----------------------------------------------------------------------------------


def test_advise_table_shows_escape_sequences_harmlessly(cli, tmp_path):
    result = cli("advise", str(profile_file(tmp_path, ANSI_NAME)))
    assert result.exit_code == 0
    assert "\x1b" not in result.stdout and "\x07" not in result.stdout
    assert r"Evil\x1b[2J\x1b]0;PWNED-TITLE\x07\x1b[31mRED" in result.stdout
    multi = cli("advise", str(profile_file(tmp_path, INJECTION_NAME)))
    assert multi.stdout.startswith(r"a\x0a# Injected")  # the name's line breaks are shown, not made
    assert not any(line.startswith(("# Injected", "<script>", "[click]")) for line in multi.stdout.splitlines())


def test_batch_table_shows_escape_sequences_harmlessly(cli, tmp_path):
    good = profile_file(tmp_path, ANSI_NAME, "a.json")
    bad = tmp_path / "b.json"
    bad.write_text('{"name": "x\\u001b]0;T\\u0007", "size": "huge", "sector": "finance", "privacy": "high",'
                   ' "budget": "low"}', "utf-8")
    result = cli("batch", str(good), str(bad), "--format", "table", "--lang", "en")
    assert result.exit_code == 1
    assert no_controls(result.stdout)
    assert r"Evil\x1b[2J\x1b]0;PWNED-TITLE\x07\x1b[31mRED" in result.stdout
    assert r"x\x1b]0;T\x07" in result.stdout
    assert "\x1b]" not in result.stderr  # the error message on standard error too


def test_error_messages_show_control_characters_harmlessly(cli, tmp_path):
    path = tmp_path / "bad.json"
    path.write_text('{"name": "x", "size": "\\u001b]0;PWNED\\u0007", "sector": "finance", "privacy": "high",'
                    ' "budget": "low"}', "utf-8")
    result = cli("advise", str(path))
    assert result.exit_code == 2 and "\x1b" not in result.stderr and "\x07" not in result.stderr
    named = tmp_path / "evil\x1b[2J.yaml"
    result = cli("advise", str(named))
    assert result.exit_code == 2 and "\x1b" not in result.stderr and r"evil\x1b[2J.yaml" in result.stderr
    result = cli("advise", str(ROOT / "profiles" / "05-hybrid-bank.yaml"), "--format", "x\x1b[2J")
    assert result.exit_code == 2 and "\x1b" not in result.stderr


# --- Markdown output -------------------------------------------------------------------------------------


def test_advise_markdown_escapes_user_strings_as_the_memo_does(cli, tmp_path):
    result = cli("advise", str(profile_file(tmp_path, INJECTION_NAME)), "--format", "markdown")
    assert result.exit_code == 0
    text = result.stdout
    assert "<script>" not in text and not re.search(r"(?<!\\)\]\(javascript:", text)  # no tag, no link
    assert r"\<script\>alert(9)\</script\>" in text and r"\[click\](javascript:alert(1))" in text
    assert [line for line in text.splitlines() if line.startswith("# ")] == [text.splitlines()[0]]  # one title
    assert text.count("\n## ") == len(re.findall(r"^## ", text, flags=re.M))
    hostile = cli("advise", str(profile_file(tmp_path, "A|B *x* `y` " + ANSI_NAME)), "--format", "markdown")
    assert "\x1b" not in hostile.stdout and r"A\|B \*x\* \`y\`" in hostile.stdout


# --- memos ------------------------------------------------------------------------------------------------


@pytest.mark.parametrize("fmt, suffix", [("docx", ".docx"), ("html", ".html"), ("markdown", ".md")])
def test_memos_never_fail_on_control_characters(cli, tmp_path, fmt, suffix):
    out = tmp_path / f"memo{suffix}"
    result = cli("memo", str(profile_file(tmp_path, CONTROL_NAME + ANSI_NAME + "\u202e")), "--format", fmt,
                 "-o", str(out), "--date", "2025-03-01")
    assert result.exit_code == 0, result.stderr
    if fmt == "docx":
        import docx

        text = "\n".join(p.text for p in docx.Document(str(out)).paragraphs)
    else:
        text = re.sub(r"\\(.)", r"\1", out.read_text("utf-8"))  # without Markdown's escapes
    assert "abcd" in text and "[2J]0;PWNED-TITLE[31mRED" in text
    assert no_controls(text, allow="\n\t")


def test_batch_memos_with_a_vertical_tab_in_a_name_lose_nothing(cli, tmp_path):
    """control-character-in-name.csv: a name pasted from Word holds a vertical tab."""
    path = tmp_path / "clients.csv"
    path.write_text("\ufeff企业名称,员工人数,行业,应用场景,隐私要求,预算,面向公众,个人信息\r\n"
                    "华东精密机械有限公司,350,工业,知识搜索;智能办公,中,800万,否,无\r\n"
                    "云帆\x0b科技（从Word粘贴）,120,电商,智能客服,低,200万,是,个人信息\r\n"
                    "星河电商,120,电商,智能客服;智能营销,低,200万,是,个人信息\r\n", "utf-8")
    out, memos = tmp_path / "o.csv", tmp_path / "m"
    result = cli("batch", str(path), "-o", str(out), "--headers", "ids", "--memos", str(memos), "--memo-format", "docx")
    assert result.exit_code == 0, result.stderr
    import csv

    rows = list(csv.DictReader(out.open(encoding="utf-8-sig", newline="")))
    assert [row["profile"] for row in rows] == ["华东精密机械有限公司", "云帆\x0b科技（从Word粘贴）", "星河电商"]
    assert all(row["mode"] and not row["error"] for row in rows)  # every row scored; the data kept as given
    assert sorted(p.name for p in memos.iterdir()) == ["云帆-科技（从Word粘贴）.docx", "华东精密机械有限公司.docx",
                                                        "星河电商.docx"]


def test_a_memo_that_cannot_be_written_is_reported_and_the_run_goes_on(cli, tmp_path, monkeypatch):
    from advisor.errors import RenderError
    from advisor.memo import writer

    real = writer.memo_bytes

    def failing(rec, profile, *args, **kwargs):
        if profile.name == "客户00002":
            raise RenderError("the disk is unhappy")
        return real(rec, profile, *args, **kwargs)

    monkeypatch.setattr(writer, "memo_bytes", failing)
    from batch_data import client_rows, write_csv

    path = write_csv(tmp_path / "c.csv", client_rows(5, seed=3))
    out = tmp_path / "o.jsonl"
    result = cli("batch", str(path), "-o", str(out), "--memos", str(tmp_path / "m"), "--lang", "en")
    assert result.exit_code == 1
    assert "record 2: the memo was not written: the disk is unhappy" in result.stderr
    assert "1 memos were not written" in result.stderr
    assert len(out.read_text("utf-8").splitlines()) == 5  # the scored output is kept
    assert len(list((tmp_path / "m").iterdir())) == 4


# --- every command's terminal output: rule packs, the questionnaire, JSON ---------------------------

EVIL = ANSI_NAME + "\x9b31m\u2028\u202eevil"


def evil_pack(tmp_path):
    """The test pack with control characters in a rule's description and source."""
    import json
    import shutil

    from conftest import MINIPACK

    pack = tmp_path / "pack"
    shutil.copytree(MINIPACK, pack)
    text = (pack / "pack.yaml").read_text("utf-8")
    old = "description: {en: everyone gets SaaS, zh: 默认 SaaS}\n    source: test"
    assert old in text
    new = (f"description: {{en: {json.dumps('everyone ' + EVIL)}, zh: {json.dumps('默认 ' + EVIL)}}}\n"
           f"    source: {json.dumps('test ' + EVIL)}")
    (pack / "pack.yaml").write_text(text.replace(old, new), "utf-8")
    return pack


@pytest.mark.parametrize("command", [["rules", "list"], ["rules", "list", "--lang", "en"], ["rules", "lint"],
                                     ["rules", "test", "-v"], ["rules", "coverage"]])
def test_rules_commands_show_a_packs_control_characters_harmlessly(cli, tmp_path, command):
    result = cli(*command, "--rules", str(evil_pack(tmp_path)))
    assert result.exit_code in (0, 1), result.output
    assert no_controls(result.stdout) and no_controls(result.stderr), result.stdout
    if command[1] == "list":
        assert r"\x1b" in result.stdout and r"\x9b31m" in result.stdout  # shown (the table wraps the rest)


def json_outputs(tmp_path):
    profile = str(profile_file(tmp_path, EVIL))
    pack = str(evil_pack(tmp_path))
    return [["advise", profile, "-f", "json"], ["advise", profile, "-f", "json", "--rules", pack],
            ["explain", profile, "-f", "json"], ["whatif", profile, "--set", "privacy=low", "-f", "json"],
            ["batch", profile, "-f", "jsonl", "-q"], ["batch", profile, "-f", "json", "-q"],
            ["batch", profile, "-f", "jsonl", "-q", "--rules", pack], ["rules", "list", "-f", "json", "--rules", pack]]


def test_json_outputs_carry_control_characters_as_escapes(cli, tmp_path):
    import json

    for args in json_outputs(tmp_path):
        result = cli(*args)
        assert result.exit_code == 0, (args, result.output)
        assert no_controls(result.stdout), args  # JSON encoders leave C1 and bidirectional controls raw
        text = result.stdout
        data = [json.loads(line) for line in text.splitlines()] if "jsonl" in args else json.loads(text)
        assert any(EVIL in text for text in _strings(data)), args  # the same strings to a JSON reader


def _strings(data):
    if isinstance(data, str):
        yield data
    elif isinstance(data, dict):
        for key, value in data.items():
            yield key
            yield from _strings(value)
    elif isinstance(data, list):
        for value in data:
            yield from _strings(value)


@pytest.mark.parametrize("args", [["explain"], ["explain", "-f", "markdown"], ["whatif", "--set", "privacy=low"]])
def test_explain_and_whatif_show_control_characters_harmlessly(cli, tmp_path, args):
    result = cli(args[0], str(profile_file(tmp_path, EVIL)), *args[1:])
    assert result.exit_code == 0, result.output
    assert no_controls(result.stdout)
    if args == ["explain"]:  # (whatif shows what changed, not the name)
        assert r"\x1b]0;PWNED-TITLE\x07" in result.stdout
    elif args[0] == "explain":  # Markdown: the escape shown as text, escaped as advise's Markdown escapes it
        assert r"\\x1b\]0;PWNED-TITLE\\x07" in result.stdout


def test_the_questionnaire_shows_answers_harmlessly(cli, tmp_path):
    from test_ask_session import BANK_ANSWERS, lines

    name = ANSI_NAME + "\x9b31m\u202eevil"
    result = cli("ask", input=lines(*BANK_ANSWERS[:-1], name))
    assert result.exit_code == 0, result.output
    assert no_controls(result.stdout)
    assert r"Evil\x1b[2J\x1b]0;PWNED-TITLE\x07\x1b[31mRED\x9b31m\u202eevil" in result.stdout  # echoed and summed up
