"""Machine output keeps every character on any console, and never sends a raw control character;
explain's Markdown escapes the client's name as advise's does."""

from __future__ import annotations

import json
import os
import subprocess
import sys

import yaml

PROFILE = "name: {name}\nsize: 小型\nsector: 电商\nprivacy: 低\nbudget: 低\n"


def write(tmp_path, name: str):
    path = tmp_path / "p.yaml"
    path.write_text(PROFILE.format(name=name), encoding="utf-8")
    return path


def run(*args: str, encoding: str) -> bytes:
    env = {**os.environ, "PYTHONIOENCODING": encoding, "ADVISOR_NO_PACK_CACHE": "1"}
    done = subprocess.run([sys.executable, "-m", "advisor", *args], capture_output=True, env=env, timeout=120)
    assert done.returncode == 0, done.stderr.decode("utf-8", "replace")
    return done.stdout


def test_json_on_a_gbk_console_keeps_characters_gbk_lacks_as_escapes(tmp_path):
    path = write(tmp_path, '"😀甲𠀀公司"')
    for command in (["advise", str(path), "-f", "json"], ["explain", str(path), "-f", "json"],
                    ["whatif", str(path), "--set", "privacy=高", "-f", "json"]):
        out = run(*command, encoding="gbk")
        assert b'"\\ud83d\\ude00\xbc\xd7\\ud840\\udc00\xb9\xab\xcb\xbe"' in out  # 甲 and 公司 in GBK bytes
        data = json.loads(out.decode("gbk"))
        assert (data.get("profile") or data["before"]["profile"]) == "😀甲𠀀公司"
    assert b"?" not in run("advise", str(path), "-f", "json", encoding="gbk").split(b"\n")[1]


def test_yaml_on_a_gbk_console_keeps_characters_gbk_lacks_as_escapes(tmp_path):
    path = write(tmp_path, '"😀甲𠀀公司"')
    out = run("advise", str(path), "-f", "yaml", encoding="gbk")
    assert out.split(b"\n")[0] == b'profile: "\\U0001F600\\u7532\\U00020000\\u516C\\u53F8"'
    assert yaml.safe_load(out.decode("gbk"))["profile"] == "😀甲𠀀公司"
    utf8 = run("advise", str(path), "-f", "yaml", encoding="utf-8")
    assert utf8.split(b"\n")[0] == "profile: 😀甲𠀀公司".encode()  # readable where the console has them


def test_yaml_writes_a_bidi_override_as_an_escape(cli, tmp_path):
    path = write(tmp_path, '"甲\\u202E乙\\x1b[31m红"')
    result = cli("advise", str(path), "-f", "yaml")
    assert result.exit_code == 0
    first = result.stdout.split("\n")[0]
    assert "\u202e" not in result.stdout and "\x1b" not in result.stdout
    assert first == 'profile: "\\u7532\\u202E\\u4E59\\e[31m\\u7EA2"'
    assert yaml.safe_load(result.stdout)["profile"] == "甲\u202e乙\x1b[31m红"


def test_explain_markdown_escapes_the_name_as_advise_markdown_does(cli, tmp_path):
    path = write(tmp_path, '"<script>alert(1)</script> **粗体** [链接](javascript:alert(1)) A|B`C`\\\\D"')
    escaped = r"\<script\>alert(1)\</script\> \*\*粗体\*\* \[链接\](javascript:alert(1)) A\|B\`C\`\\D"
    explain = cli("explain", str(path), "-f", "markdown", "--lang", "zh").stdout.split("\n")[0]
    advise = cli("advise", str(path), "-f", "markdown", "--lang", "zh").stdout.split("\n")[0]
    assert explain == f"# {escaped}：推荐的依据"
    assert advise == f"# {escaped} 的大模型落地建议"


def test_explain_underlines_are_as_wide_as_their_titles(cli, tmp_path):
    path = write(tmp_path, "甲")
    for lang in ("en", "zh"):
        lines = cli("explain", str(path), "--lang", lang).stdout.split("\n")
        underlined = [(lines[i - 1], line) for i, line in enumerate(lines) if line and set(line) == {"="}]
        assert len(underlined) >= 3
        from advisor.formats.lines import width

        for title, line in underlined:
            assert len(line) == width(title), (title, line)
