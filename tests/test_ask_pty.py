"""``advisor ask`` in a real pseudo-terminal, as a person uses it: typing, help, a typo, Ctrl-C."""

from __future__ import annotations

import os
import sys

import pexpect
import yaml
from conftest import ROOT

# (question header to wait for, what the person types)
SESSION = [
    ("[1/25] 行业", "?"),  # help first
    ("“其他”。", "金融"),
    ("[2/25] 规模", "特大"),  # a typo
    ("不是可选的答案", "4"),
    ("[4/25] 初创企业", ""),
    ("[5/25] 应用场景", "智能客服 智能风控"),
    ("[6/25] 隐私要求", "高"),
    ("[7/25] 预算", "1.5亿"),
    ("[8/25] 面向公众", "是"),
    ("[10/25] 未成年人用户", "否"),
    ("[11/25] 生成模态", "文本、数字人"),
    ("[12/25] 发布生成内容", "否"),
    ("[13/25] 金融子行业", ""),
    ("[14/25] 个人信息", "敏感个人信息"),
    ("[15/25] 个人信息规模", "300万"),
    ("[16/25] 数据跨境", "否"),
    ("[18/25] 定制方式", "微调"),
    ("[19/25] 技术团队", "较强"),
    ("[20/25] 自有算力", "是"),
    ("[21/25] 端侧部署", "否"),
    ("[22/25] 关键信息基础设施", "是"),
    ("[23/25] 使用人数", "2000"),
    ("[24/25] 月度Token量", "3亿"),
    ("[25/25] 企业名称", "江南银行"),
]


def spawn(*args: str, cwd) -> pexpect.spawn:
    env = dict(os.environ, LANG="C.UTF-8", LC_ALL="C.UTF-8", PYTHONPATH=str(ROOT), TERM="xterm")
    return pexpect.spawn(
        sys.executable, ["-m", "advisor", "ask", *args], cwd=str(cwd), env=env,
        encoding="utf-8", timeout=30, dimensions=(40, 100),
    )


def test_a_full_session_in_a_terminal(tmp_path):
    child = spawn("--save", "bank.yaml", "--lang", "zh", cwd=tmp_path)
    for header, answer in SESSION:
        child.expect_exact(header)
        child.expect_exact("> ")
        child.sendline(answer)
    child.expect_exact("答案汇总")
    child.expect_exact("推荐：")
    child.expect_exact("要把这份建议写成备忘录吗？输入文件名（如 江南银行.md），直接回车跳过")
    child.sendline("江南银行.md")
    child.expect_exact("备忘录已写入 江南银行.md。")
    child.expect(pexpect.EOF)
    child.close()
    assert child.exitstatus == 0, child.before

    saved = yaml.safe_load((tmp_path / "bank.yaml").read_text(encoding="utf-8"))
    assert saved == {
        "name": "江南银行",
        "size": "large",
        "startup": False,
        "sector": "finance",
        "use_cases": ["customer_service", "risk_control"],
        "privacy": "high",
        "budget": 150_000_000,
        "public_facing": True,
        "modalities": ["text", "digital_human"],
        "personal_info": "sensitive",
        "cross_border": False,
        "customization": "fine_tune",
        "ml_team": "strong",
        "has_gpu_infrastructure": True,
        "on_device": False,
        "critical_infrastructure": True,
        "minors": False,
        "publishes_generated_content": False,
        "pi_individuals": 3_000_000,
        "users": 2000,
        "monthly_tokens": 300_000_000,
        "finance_subsector": "unspecified",
    }
    memo = (tmp_path / "江南银行.md").read_text(encoding="utf-8")
    assert memo.startswith("# 江南银行")


def test_ctrl_c_in_a_terminal_keeps_a_draft(tmp_path):
    child = spawn("--save", "p.yaml", cwd=tmp_path)
    for header, answer in [("[1/25] 行业", "医疗"), ("[2/25] 规模", "中型"), ("[4/25] 初创企业", "")]:
        child.expect_exact(header)
        child.expect_exact("> ")
        child.sendline(answer)
    child.expect_exact("[5/25] 应用场景")
    child.expect_exact("> ")
    child.sendintr()
    child.expect_exact("advisor ask --from p.draft.yaml --save p.yaml")
    child.expect(pexpect.EOF)
    child.close()
    assert child.exitstatus == 130
    draft = yaml.safe_load((tmp_path / "p.draft.yaml").read_text(encoding="utf-8"))
    assert draft == {"size": "medium", "startup": False, "sector": "healthcare"}
    assert not (tmp_path / "p.yaml").exists()
