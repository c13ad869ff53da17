"""The console: output never fails for its code page, typed Chinese is read as typed.

Every test runs the command in a process of its own (one for many commands where they are many,
set up as the console script sets itself up), with the environment a user has:
a Chinese Windows console or a zh_CN.GBK server (PYTHONIOENCODING=gbk), a C/POSIX locale.
"""

from __future__ import annotations

import os
import subprocess
import sys
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pytest

from conftest import PROFILES, ROOT

ADVISOR = [sys.executable, "-m", "advisor"]
PROFILE_FILES = sorted(PROFILES.glob("*.yaml"))


def run(args: list[str], env: dict[str, str | None], stdin: bytes | None = None,
        cwd: Path = ROOT) -> subprocess.CompletedProcess:
    """The command in a process of its own, with the machine's environment changed by ``env``
    (``None`` removes a variable) and the test suite's language settings removed."""
    full = {k: v for k, v in os.environ.items() if k not in ("LANGUAGE", "ADVISOR_LANG", "COLUMNS")}
    full.update(env)
    full = {k: v for k, v in full.items() if v is not None}
    return subprocess.run([*ADVISOR, *args], capture_output=True, env=full, input=stdin, cwd=cwd, timeout=120)


GBK = {"PYTHONIOENCODING": "gbk"}


def _commands(profile: Path) -> list[list[str]]:
    return [["advise", str(profile)], ["advise", str(profile), "-f", "markdown"], ["memo", str(profile)],
            ["whatif", str(profile), "--set", "privacy=low"]]


# Runs many commands in one process set up as the console script sets itself up (its streams for
# the console's code page): one interpreter instead of one a command. Each command's output
# follows a marker line; its exit status goes to standard error after its own output.
_MANY = r"""
import json, sys
from advisor.console import setup_streams
setup_streams()
from advisor.cli import cli
for args in json.loads(sys.argv[1]):
    print("=== job ===", flush=True)
    try:
        cli.main(args, prog_name="advisor")
        code = 0
    except SystemExit as exc:
        code = exc.code if isinstance(exc.code, int) else 1
    sys.stdout.flush()
    print(f"=== exit {code} ===", file=sys.stderr, flush=True)
"""


def run_many(jobs: list[list[str]], env: dict[str, str | None]) -> list[tuple[int, bytes, bytes]]:
    """Each command of ``jobs`` run in one process with the console script's stream set-up:
    (exit status, standard output, standard error) for each."""
    import json

    full = {k: v for k, v in os.environ.items() if k not in ("LANGUAGE", "ADVISOR_LANG", "COLUMNS")}
    full.update(env)
    full = {k: v for k, v in full.items() if v is not None}
    done = subprocess.run([sys.executable, "-c", _MANY, json.dumps(jobs)], capture_output=True, env=full,
                          cwd=ROOT, timeout=600)
    assert done.returncode == 0, done.stderr[-2000:]
    outs = done.stdout.split(b"=== job ===\n")[1:]
    errs = done.stderr.split(b"=== exit ")
    codes = [int(part.split(b" ", 1)[0]) for part in errs[1:]]
    messages = [errs[0]] + [part.split(b"===\n", 1)[1] for part in errs[1:-1]]
    assert len(outs) == len(codes) == len(jobs), (len(outs), len(codes), len(jobs))
    return list(zip(codes, outs, messages))


def test_a_gbk_console_gets_every_command_on_every_profile():
    """10 of 14 profiles used to exit 3 with nothing: ¶, ⁹, − have no GBK form."""
    jobs = [args for profile in PROFILE_FILES for args in _commands(profile)]
    jobs += [["batch", str(PROFILES), "-f", "table"], ["rules", "list"], ["--help"], ["advise", "--help"]]
    results = run_many(jobs, GBK)
    for args, (code, out, err) in zip(jobs, results):
        assert code == 0, (args, err.decode("gbk", "replace"))
        text = out.decode("gbk")  # what a GBK console shows: valid GBK throughout
        assert len(text) > (20 if args[0] == "whatif" else 200), args
    shown = results[jobs.index(["advise", str(PROFILES / "05-hybrid-bank.yaml")])][1].decode("gbk")
    assert "网络安全等级保护" in shown and "第3款" in shown and "Art 2" not in shown


def test_characters_a_gbk_console_lacks_are_replaced_not_lost(tmp_path):
    """English sources keep ¶; memos say 10⁹: a GBK console shows a readable substitute."""
    result = run(["advise", str(PROFILES / "05-hybrid-bank.yaml"), "--lang", "en"], GBK)
    assert result.returncode == 0
    text = result.stdout.decode("gbk")
    assert "Art 2 para. 3" in text and "¶" not in text
    memo = run(["memo", str(PROFILES / "05-hybrid-bank.yaml")], GBK)
    assert memo.returncode == 0 and "10^9" in memo.stdout.decode("gbk")


def test_error_messages_reach_a_gbk_console(tmp_path):
    bad = tmp_path / "bad.yaml"
    bad.write_text("name: 对勾✓公司\nsize: huge\nsector: finance\nprivacy: low\nbudget: low\n", encoding="utf-8")
    result = run(["advise", str(bad)], GBK)
    assert result.returncode == 2 and result.stdout == b""
    message = result.stderr.decode("gbk")
    assert message.startswith("advisor：错误：") and "画像无效" in message and "huge" in message


def test_files_are_utf8_whatever_the_console(tmp_path):
    out, memo = tmp_path / "out.csv", tmp_path / "memo.md"
    assert run(["batch", str(PROFILES), "-o", str(out), "-q"], GBK).returncode == 0
    assert run(["memo", str(PROFILES / "05-hybrid-bank.yaml"), "-o", str(memo)], GBK).returncode == 0
    assert "江南农村商业银行" in out.read_text("utf-8-sig") and "10⁹" in memo.read_text("utf-8")


POSIX = {"LC_ALL": "POSIX", "LANG": None, "PYTHONUTF8": "0", "PYTHONIOENCODING": None}


def test_a_posix_locale_prints_chinese_as_utf8():
    result = run(["advise", str(PROFILES / "05-hybrid-bank.yaml")], POSIX)
    assert result.returncode == 0, result.stderr
    assert "江南农村商业银行 的大模型落地建议" in result.stdout.decode("utf-8")


def test_a_posix_locale_reads_piped_chinese_answers(tmp_path):
    """Answers piped in a C locale are UTF-8 (or GBK) bytes: read as typed, not as ??????."""
    draft = tmp_path / "p.draft.yaml"  # the input ends before the last question: a draft is kept
    answers = "金融\n大型\n\n\n高\n低\n"
    for encoding in ("utf-8", "gbk"):
        result = run(["ask", "--save", str(tmp_path / "p.yaml")], POSIX, stdin=answers.encode(encoding))
        saved = draft.read_text("utf-8")
        assert "sector: finance" in saved and "privacy: high" in saved, result.stdout.decode("utf-8", "replace")
        draft.unlink()


def test_typed_chinese_in_a_posix_terminal(tmp_path):
    """LC_ALL=POSIX PYTHONUTF8=0 advisor ask: Chinese prompts, and a typed 金融 is 金融."""
    pexpect = pytest.importorskip("pexpect")
    draft = tmp_path / "acme.draft.yaml"
    env = {k: v for k, v in os.environ.items() if k not in ("LANGUAGE", "ADVISOR_LANG", "LANG", "PYTHONIOENCODING")}
    env.update(LC_ALL="POSIX", PYTHONUTF8="0")
    child = pexpect.spawn(ADVISOR[0], [*ADVISOR[1:], "ask", "--save", str(tmp_path / "acme.yaml")], env=env,
                          cwd=str(ROOT), encoding="utf-8", timeout=30, dimensions=(40, 100))
    child.expect("贵单位属于哪个行业")
    child.expect("> ")
    child.sendline("金融")
    child.expect("贵单位属于哪类规模的企业")  # the next question: 金融 was understood
    child.expect("> ")
    child.sendcontrol("c")
    child.expect(pexpect.EOF)
    assert "sector: finance" in draft.read_text("utf-8")


def test_substitutes_for_what_an_encoding_lacks():
    from advisor.console import substitute

    assert substitute("1 GB = 10⁹ 字节 ✓ −5", "gbk") == "1 GB = 10^9 字节 √ -5"
    assert substitute("¶3 《法》", "ascii") == "para. 3 <<?>>"  # 法 has no ASCII form: ?
    assert substitute("10¹²", "ascii") == "10^12"  # a run of superscripts: one caret
    assert substitute("10¹²", "latin-1") == "10¹²"  # what the encoding has stays
