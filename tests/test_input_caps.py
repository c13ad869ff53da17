"""Every file read whole has a size limit (``advisor.bounded``), and a price file is read and
checked as rule files are, when the command starts."""

from __future__ import annotations

import os
import resource
import shutil
import subprocess
import sys

import pytest
from conftest import RULES

from advisor.bounded import PRICE_FILE_BYTES, PROFILE_BYTES, RULE_FILE_BYTES

BASE = "name: 测试公司\nsize: 小型\nsector: 电商\nprivacy: 低\nbudget: 低\n"
MEMORY = 1_500_000_000  # bytes of address space a capped run may use: /dev/zero read whole needs more


def capped(*args: str, stdin=None) -> subprocess.CompletedProcess:
    """``advisor ARGS`` in a process limited to ``MEMORY`` bytes, as a user's shell with ``ulimit -v``."""
    def limit() -> None:
        resource.setrlimit(resource.RLIMIT_AS, (MEMORY, MEMORY))

    env = {**os.environ, "ADVISOR_NO_PACK_CACHE": "1"}
    return subprocess.run([sys.executable, "-m", "advisor", *args], capture_output=True, text=True,
                          preexec_fn=limit, stdin=stdin, timeout=120, env=env)


@pytest.fixture()
def base(tmp_path):
    path = tmp_path / "base.yaml"
    path.write_text(BASE, encoding="utf-8")
    return path


def test_a_profile_larger_than_the_limit_is_refused_naming_the_file_and_the_limit(cli, tmp_path):
    big = tmp_path / "big.yaml"
    big.write_text(BASE + "# x\n" * (PROFILE_BYTES // 4), encoding="utf-8")
    zh = cli("advise", str(big), "--lang", "zh")
    assert zh.exit_code == 2
    assert zh.stderr == f"advisor：错误：{big}：大于 1 MB（画像通常只有几百字节）；文件是否正确？\n"
    en = cli("advise", str(big), "--lang", "en")
    assert en.exit_code == 2
    assert en.stderr == f"advisor: error: {big}: larger than 1 MB (a profile is a few hundred bytes); is it the right file?\n"
    just = tmp_path / "just.yaml"  # at the limit: read
    just.write_bytes((BASE + "#" * (PROFILE_BYTES - len(BASE.encode()) - 1) + "\n").encode())
    assert just.stat().st_size == PROFILE_BYTES
    assert cli("advise", str(just), "-f", "json").exit_code == 0


def test_an_endless_standard_input_stops_at_the_limit(cli):
    result = cli("whatif", "-", "--set", "privacy=高", "--lang", "zh", input=BASE + "# x\n" * (PROFILE_BYTES // 4))
    assert result.exit_code == 2
    assert result.stderr == "advisor：错误：<标准输入>：大于 1 MB（画像通常只有几百字节）；文件是否正确？\n"


def test_a_device_as_profile_stops_at_the_limit_instead_of_filling_the_memory():
    for command in (["advise", "/dev/zero"], ["explain", "/dev/urandom", "--lang", "en"]):
        result = capped(*command)
        assert result.returncode == 2, result.stderr
        assert "larger than 1 MB" in result.stderr or "大于 1 MB" in result.stderr
        assert "MemoryError" not in result.stderr
    piped = subprocess.Popen(["yes", "# x"], stdout=subprocess.PIPE)
    try:
        result = capped("advise", "-", "--lang", "zh", stdin=piped.stdout)
    finally:
        piped.kill()
        piped.wait()
    assert result.returncode == 2
    assert result.stderr == "advisor：错误：<标准输入>：大于 1 MB（画像通常只有几百字节）；文件是否正确？\n"


def test_a_rule_file_larger_than_the_limit_is_refused(cli, tmp_path, base):
    pack = tmp_path / "pack"
    shutil.copytree(RULES, pack)
    (pack / "huge.yaml").write_text("# x\n" * (RULE_FILE_BYTES // 4 + 1), encoding="utf-8")
    zh = cli("advise", str(base), "--rules", str(pack), "--lang", "zh")
    assert zh.exit_code == 2
    assert zh.stderr == (f"advisor：错误：规则包 {pack}：huge.yaml：大于 4 MB（规则文件通常不超过几百 KB）；"
                         "文件是否正确？\n")
    en = cli("rules", "lint", "--rules", str(pack), "--lang", "en")
    assert en.exit_code == 2
    assert f"huge.yaml: larger than 4 MB (a rule file is at most a few hundred KB); is it the right file?" in en.stderr


def test_a_rule_file_linked_to_a_device_is_refused_within_the_memory(tmp_path, base):
    pack = tmp_path / "pack"
    shutil.copytree(RULES, pack)
    (pack / "zero.yaml").symlink_to("/dev/zero")
    env_cache = capped("advise", str(base), "--rules", str(pack))
    assert env_cache.returncode == 2, env_cache.stderr
    assert "zero.yaml" in env_cache.stderr and "MemoryError" not in env_cache.stderr


def test_the_pack_cache_key_reads_no_more_than_the_limit(tmp_path, monkeypatch):
    from advisor.engine import pack_cache

    pack = tmp_path / "pack"
    shutil.copytree(RULES, pack)
    (pack / "huge.yaml").write_text("# x\n" * (RULE_FILE_BYTES // 4 + 1), encoding="utf-8")
    assert pack_cache._key(pack) is None  # no key: the load reports the file


# --- price files -----------------------------------------------------------------------------------

ITEM = "{label: {en: P, zh: 电}, unit: CNY/kWh, cny: %s, source: %s, as_of: %s}"


def price_file(tmp_path, *items: str, name: str = "prices.yaml"):
    path = tmp_path / name
    path.write_text("prices:\n  items:\n" + "".join(f"    electricity: {i}\n" for i in items), encoding="utf-8")
    return path


def test_an_impossible_date_in_a_price_file_is_a_clear_error_not_an_internal_one(cli, tmp_path, base):
    prices = price_file(tmp_path, ITEM % ("0.5", "x", "2026-02-30"))
    zh = cli("advise", str(base), "--prices", str(prices), "--lang", "zh")
    assert zh.exit_code == 2
    assert zh.stderr == (f"advisor：错误：{prices}：prices.items.electricity.as_of：应为有效的日期：日超出范围"
                         "（填写的值：'2026-02-30'）\n")
    en = cli("advise", str(base), "--prices", str(prices), "--lang", "en")
    assert en.exit_code == 2
    assert en.stderr == (f"advisor: error: {prices}: prices.items.electricity.as_of: Input should be a valid date "
                         "or datetime, day value is outside expected range (value given: '2026-02-30')\n")


def test_a_price_file_is_checked_when_the_command_starts(cli, tmp_path):
    prices = price_file(tmp_path, ITEM % ("0.5", "x", "2026-13-01"))
    for command in (["advise", str(tmp_path / "missing.yaml")], ["whatif", "-", "--set", "privacy=高"],
                    ["memo", str(tmp_path / "missing.yaml")]):
        result = cli(*command, "--prices", str(prices), "--lang", "en")
        assert result.exit_code == 2
        assert "month value is outside expected range of 1-12 (value given: '2026-13-01')" in result.stderr
        assert "no such file" not in result.stderr and "<stdin>" not in result.stderr  # before the profile


def test_a_price_file_is_read_as_rule_files_are(cli, tmp_path, base):
    twice = price_file(tmp_path, ITEM % ("0.5", "x", "2026-11-01"), ITEM % ("50", "x", "2026-11-01"))
    result = cli("advise", str(base), "--prices", str(twice), "--lang", "zh")
    assert result.exit_code == 2
    assert result.stderr == (f"advisor：错误：{twice}：第 4 行第 5 列：YAML 格式错误：键“electricity”出现了两次"
                             "（第 3 行和第 4 行）；请只保留一个\n")
    no = price_file(tmp_path, ITEM % ("0.5", "no", "2026-11-01"), name="no.yaml")
    assert cli("advise", str(base), "--prices", str(no), "-f", "json").exit_code == 0  # `no` is text, as in a rule pack


def test_a_price_file_larger_than_the_limit_is_refused(cli, tmp_path, base):
    big = price_file(tmp_path, ITEM % ("0.5", "x", "2026-11-01"))
    big.write_text(big.read_text(encoding="utf-8") + "# x\n" * (PRICE_FILE_BYTES // 4), encoding="utf-8")
    result = cli("advise", str(base), "--prices", str(big), "--lang", "zh")
    assert result.exit_code == 2
    assert result.stderr == f"advisor：错误：{big}：大于 1 MB（价目文件通常只有几 KB）；文件是否正确？\n"
