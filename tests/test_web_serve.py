"""`advisor serve`: safe defaults, the warning for public addresses, the token, a broken pack."""

from __future__ import annotations

import pytest
from click.testing import CliRunner

from conftest import MINIPACK


@pytest.fixture()
def started(monkeypatch):
    """Run `advisor serve ...` without serving: the settings, host and port it would serve with."""
    import importlib

    serve = importlib.import_module("advisor.commands.serve")  # the module (the package exports the command)

    seen: dict = {}
    monkeypatch.setattr(serve, "run", lambda settings, host, port: seen.update(settings=settings, host=host, port=port))
    monkeypatch.delenv("ADVISOR_TOKEN", raising=False)

    def start(*args: str, env: dict | None = None):
        from advisor.cli import cli

        result = CliRunner().invoke(cli, ["serve", *args], env=env, catch_exceptions=False)
        return result, seen

    return start


def test_defaults_are_loopback_and_no_warning(started):
    result, seen = started()
    assert result.exit_code == 0
    assert (seen["host"], seen["port"]) == ("127.0.0.1", 8000)
    assert seen["settings"].token is None and "localhost" in seen["settings"].allowed_hosts
    assert "warning" not in result.stderr


def test_all_interfaces_warn_and_ask_for_a_token(started):
    result, seen = started("--host", "0.0.0.0")
    assert "warning: listening on every network interface" in result.stderr
    assert "set --token or ADVISOR_TOKEN" in result.stderr
    assert seen["settings"].allowed_hosts is None
    quiet, _ = started("--host", "0.0.0.0", "--token", "abc")
    assert "warning" in quiet.stderr and "set --token" not in quiet.stderr


def test_token_from_the_option_the_environment_or_made_up(started):
    _, seen = started("--token", "t1")
    assert seen["settings"].token == "t1"
    _, seen = started(env={"ADVISOR_TOKEN": "t2"})
    assert seen["settings"].token == "t2"
    result, seen = started("--token")
    made = seen["settings"].token
    assert made and len(made) >= 24 and f"access token: {made}" in result.stderr


def test_limits_are_options(started):
    _, seen = started("--max-upload-mb", "2", "--max-rows", "50", "--rules", str(MINIPACK))
    assert (seen["settings"].max_upload, seen["settings"].max_rows) == (2 << 20, 50)
    assert seen["settings"].rules_dir == str(MINIPACK)


def test_a_broken_rule_pack_stops_before_listening(tmp_path):
    from advisor.cli import cli

    (tmp_path / "pack.yaml").write_text("rules: [{id: X}]\n")
    result = CliRunner().invoke(cli, ["serve", "--rules", str(tmp_path), "--port", "1"])
    assert result.exit_code == 2 and "rule pack" in result.stderr


def test_prices_and_as_of_are_options(started, tmp_path):
    import datetime as dt

    prices = tmp_path / "prices.yaml"
    prices.write_text("prices: {}\n", encoding="utf-8")
    _, seen = started("--prices", str(prices), "--as-of", "2025-03-01")
    assert (seen["settings"].prices, seen["settings"].as_of) == (str(prices), dt.date(2025, 3, 1))
    result, _ = started("--as-of", "2025-13-01")
    assert result.exit_code == 2 and "--as-of" in result.stderr


def test_the_warning_and_the_token_are_said_in_chinese(started):
    result, _ = started("--host", "0.0.0.0", "--token", env={"LANGUAGE": None, "LANG": "zh_CN.UTF-8"})
    assert result.exit_code == 0
    assert "advisor：访问令牌：" in result.stderr
    assert "advisor：警告：正在监听所有网络接口：其他机器可以访问此服务器" in result.stderr
    assert "warning" not in result.stderr and "access token" not in result.stderr


@pytest.mark.parametrize("lang,message", [("en", "advisor: error: port {port} is in use on 127.0.0.1; choose another with --port"),
                                          ("zh", "advisor：错误：127.0.0.1 上的端口 {port} 已被占用；请用选项“--port”换一个")])
def test_a_port_in_use_is_exit_2_naming_the_port_and_the_option(lang, message):
    import socket

    from advisor.cli import cli

    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen(1)
        port = taken.getsockname()[1]
        result = CliRunner().invoke(cli, ["serve", "--port", str(port), "--rules", str(MINIPACK)],
                                    env={"ADVISOR_LANG": lang})
    assert result.exit_code == 2, result.output
    assert result.stderr.strip() == message.format(port=port)


def test_an_address_not_of_this_machine_is_exit_2():
    from advisor.cli import cli

    result = CliRunner().invoke(cli, ["serve", "--host", "203.0.113.5", "--port", "8731", "--rules", str(MINIPACK)],
                                env={"ADVISOR_LANG": "en"})
    assert result.exit_code == 2, result.output
    assert "cannot listen on 203.0.113.5 port 8731 (" in result.stderr and "check --host and --port" in result.stderr
