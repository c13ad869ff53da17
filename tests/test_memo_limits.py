"""Memo templates run sandboxed within limits; memo files follow their suffix; ``ask --save`` is
checked before the first question."""

from __future__ import annotations

import os
import time

import pytest
from conftest import PROFILES

BANK = PROFILES / "05-hybrid-bank.yaml"


def memo_with(cli, tmp_path, template_text: str, *extra: str):
    template = tmp_path / "t.md.j2"
    template.write_text(template_text, "utf-8")
    start = time.monotonic()
    result = cli("memo", str(BANK), "--template", str(template), "--lang", "en", *extra)
    return result, time.monotonic() - start


@pytest.mark.parametrize("text, construct", [
    ('{% include "/etc/passwd" %}', "{% include %}"),
    ('{% import "x.j2" as x %}', "{% import %}"),
    ('{% from "x.j2" import y %}', "{% from … import %}"),
    ('line one\n{% extends "base.j2" %}', "{% extends %}"),
])
def test_include_import_and_extends_are_refused_with_the_line(cli, tmp_path, text, construct):
    result, _ = memo_with(cli, tmp_path, text)
    assert result.exit_code == 2
    assert f"t.md.j2: line {text.count(chr(10)) + 1}: {construct} is not allowed in a memo template" in result.stderr
    assert "Traceback" not in result.stderr and "internal error" not in result.stderr


@pytest.mark.parametrize("text", ["{{ memo.__class__.__mro__ }}", "{{ memo.sections.__len__() }}",
                                  "{{ ''.__class__ }}", "{{ memo.model_config }}{{ memo._private }}"])
def test_what_the_sandbox_forbids_is_a_clear_error(cli, tmp_path, text):
    result, _ = memo_with(cli, tmp_path, "ok\n" + text)
    assert result.exit_code == 2
    assert "t.md.j2: line 2:" in result.stderr
    assert "internal error" not in result.stderr


def test_dev_zero_and_huge_templates_are_refused_at_once(cli, tmp_path):
    start = time.monotonic()
    result = cli("memo", str(BANK), "--template", "/dev/zero")
    assert result.exit_code == 2 and "/dev/zero: the template is larger than 256 KB" in result.stderr
    assert time.monotonic() - start < 10
    result, _ = memo_with(cli, tmp_path, "x" * (256 * 1024 + 1))
    assert result.exit_code == 2 and "larger than 256 KB" in result.stderr


@pytest.mark.parametrize("text, message", [
    # 68-template-dos.md.j2: nested loops that would run 10^10 times
    ("{% for i in range(100000) %}{% for j in range(100000) %}{% endfor %}{% endfor %}x",
     "loops more than 1,000,000 times"),
    ('{% set s = "x" * 100000 %}{% for a in s %}{% for b in s %}{% endfor %}{% endfor %}',
     "loops more than 1,000,000 times"),
    ('{{ "x" * 10000000 }}', "would be longer than 1,000,000"),
    ('{% set a = "x" * 600000 %}{% set b = a ~ a %}{{ b }}', "would be longer than 1,000,000"),
    ('{% set a = "x" * 600000 %}{{ a + a }}', "would be longer than 1,000,000"),
    ("{{ 10 ** 1000000 }}", "a power with more than"),
    ('{{ "%999999999s" | format(1) }}', "would be longer than"),
    ('{{ "{:999999999}".format(1) }}', "would be longer than"),
    ('{{ "%999999999d" % 1 }}', "would be longer than"),
    ('{{ ("x" * 1000) | replace("", "y" * 1000) }}', "would be longer than"),
    ('{{ "x".ljust(100000000) }}', "a number above 1,000,000"),
    ('{{ "a" | center(100000000) }}', "a number above 1,000,000"),
    ("{% macro f(n) %}{{ f(n) }}{% endmacro %}{{ f(1) }}", "calls itself too deeply"),
    ("{% for i in range(10) recursive %}{{ loop(range(10)) }}{% endfor %}", "calls itself too deeply"),
    ("{% for i in range(10000) %}{{ 'x' * 900 }}{% endfor %}", "longer than 5,000,000 characters"),
    ("{% for i in range(1000000) %}{% endfor %}", "ranges larger than MAX_RANGE"),
])
def test_loops_strings_and_output_are_bounded(cli, tmp_path, text, message):
    result, seconds = memo_with(cli, tmp_path, text)
    assert result.exit_code == 2, result.stdout[:200]
    assert message in result.stderr and "t.md.j2" in result.stderr
    assert seconds < 20


def test_render_time_is_bounded(cli, tmp_path, monkeypatch):
    from advisor.memo import sandbox

    monkeypatch.setattr(sandbox, "MAX_SECONDS", 0.3)
    # within every other limit, but slow: 900,000 iterations that each build and measure a string
    result, seconds = memo_with(cli, tmp_path, "{% for i in range(9) %}{% for j in range(100000) %}"
                                               "{{ ('x' * 200000) | length > 5 and '' }}{% endfor %}{% endfor %}")
    assert result.exit_code == 2 and "rendering took more than 0.3 s" in result.stderr
    assert seconds < 10


def test_a_reasonable_template_still_works(cli, tmp_path):
    result, _ = memo_with(cli, tmp_path, "{% for s in memo.sections %}- {{ s.heading | md }}\n{% endfor %}"
                                         "{{ '%-6s|' | format('ab') }}{{ range(3) | list | join(',') }}"
                                         "{% for i in range(2) %}{% for j in range(2) %}{{ i }}{{ j }} "
                                         "{% endfor %}{% endfor %}")
    assert result.exit_code == 0, result.stderr
    sections = cli("memo", str(BANK), "--lang", "en").stdout.count("\n## ")  # the packaged template's
    assert result.stdout.count("- ") == sections and "ab    |0,1,2" in result.stdout and "00 01 10 11" in result.stdout


# --- memo -o follows the suffix --------------------------------------------------------------------


@pytest.mark.parametrize("name, magic", [("x.docx", b"PK"), ("x.html", b"<!DOCTYPE html>"), ("x.md", b"# "),
                                         ("X.HTM", b"<!DOCTYPE html>"), ("x.markdown", b"# ")])
def test_memo_output_follows_the_suffix(cli, tmp_path, name, magic):
    out = tmp_path / name
    result = cli("memo", str(BANK), "-o", str(out))
    assert result.exit_code == 0, result.stderr
    assert out.read_bytes().startswith(magic)


@pytest.mark.parametrize("name, message", [
    ("x.pdf", "x.pdf: a memo cannot be written as .pdf; allowed: .md (Markdown), .html, .docx (Word)"),
    ("memo", "memo: the file name does not say the memo format; allowed: .md"),
])
def test_memo_refuses_a_suffix_it_cannot_write(cli, tmp_path, name, message):
    result = cli("memo", str(BANK), "-o", str(tmp_path / name), "--lang", "en")
    assert result.exit_code == 2 and message in result.stderr
    assert not (tmp_path / name).exists()
    assert cli("memo", str(BANK), "-o", str(tmp_path / name), "--format", "markdown").exit_code == 0


def test_memo_refuses_a_format_that_contradicts_the_suffix(cli, tmp_path):
    result = cli("memo", str(BANK), "-o", str(tmp_path / "x.docx"), "--format", "markdown")
    assert result.exit_code == 2 and "the file name says docx, but --format says markdown" in result.stderr
    assert not (tmp_path / "x.docx").exists()


def test_memo_through_a_symlink_writes_its_target(cli, tmp_path):
    target = tmp_path / "real.md"
    link = tmp_path / "link.md"
    link.symlink_to(target)
    assert cli("memo", str(BANK), "-o", str(link)).exit_code == 0
    assert link.is_symlink() and target.read_text("utf-8").startswith("# ")


# --- ask --save is checked before the first question --------------------------------------------------


@pytest.mark.parametrize("save, message", [
    ("{tmp}/missing/p.yaml", "does not exist"),
    ("{tmp}", "is a folder"),
    ("{tmp}/sub/", "is a folder name"),
    ("{tmp}/p.json", "saved as a YAML profile; name the file .yaml or .yml (not .json)"),
    ("{tmp}/null", "is not a regular file"),
    ("{tmp}/file.yaml/p.yaml", "cannot write: Not a directory"),
    ("{tmp}/" + "x" * 300 + ".yaml", "cannot write: File name too long"),
])
def test_a_bad_save_path_is_refused_before_the_first_question(cli, tmp_path, save, message):
    (tmp_path / "sub").mkdir()
    (tmp_path / "file.yaml").write_text("x", "utf-8")
    os.mkfifo(tmp_path / "null")  # not a regular file (a FIFO: no device node in /dev is touched)
    result = cli("ask", "--save", save.format(tmp=tmp_path), "--lang", "en", input="")
    assert result.exit_code == 2 and message in result.stderr
    assert "[1/" not in result.stdout  # no question was asked


def test_a_read_only_folder_is_refused_before_the_first_question(cli, tmp_path):
    folder = tmp_path / "ro"
    folder.mkdir()
    folder.chmod(0o500)
    if os.geteuid() != 0:
        result = cli("ask", "--save", str(folder / "p.yaml"), "--lang", "en", input="")
        assert result.exit_code == 2 and "cannot write" in result.stderr
        return
    # Root writes into any folder: run the command as root without the capability that allows it
    # (CAP_DAC_OVERRIDE), as a user who may not write there is.
    import shutil
    import subprocess
    import sys

    assert shutil.which("setpriv"), "setpriv (util-linux) is needed to drop root's override of permissions"
    done = subprocess.run(["setpriv", "--bounding-set=-dac_override,-dac_read_search", sys.executable, "-m",
                           "advisor", "ask", "--save", str(folder / "p.yaml"), "--lang", "en"],
                          input=b"", capture_output=True, timeout=120)
    assert done.returncode == 2 and b"cannot write" in done.stderr, done.stderr
    assert b"[1/" not in done.stdout  # no question was asked


def test_a_good_save_path_is_left_as_it_was_until_the_end(cli, tmp_path):
    from advisor.ask.run import check_save_path

    new, old = tmp_path / "new.yaml", tmp_path / "old.yaml"
    old.write_text("name: kept\n", "utf-8")
    check_save_path(str(new))
    check_save_path(str(old))
    assert not new.exists() and old.read_text("utf-8") == "name: kept\n"
