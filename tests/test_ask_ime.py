"""``advisor ask`` typed with a Chinese input method: full-width digits and spaces, 《 for back,
有/没有/不是/是的/对 for yes and no. Answers are typed in a real pseudo-terminal, and piped."""

from __future__ import annotations

import os
import sys

import pexpect
import yaml

from conftest import ROOT

# (question header to wait for, what the person types with a Chinese IME)
SESSION = [
    ("[1/25] 行业", "党政"),
    ("[2/25] 规模", "《"),  # back: the IME's "<" key
    ("[1/25] 行业", "３"),  # full-width 3: 金融
    ("[2/25] 规模", "４"),  # full-width 4: 大型
    ("[4/25] 初创企业", "不是"),
    ("[5/25] 应用场景", "１　２"),  # full-width digits and a full-width space: two choices
    ("[6/25] 隐私要求", "高"),
    ("[7/25] 预算", "８００万"),
    ("[8/25] 面向公众", "没有"),
    ("[9/25] 面向企业客户", "是的"),
    ("[10/25] 未成年人用户", "对"),
    ("[11/25] 生成模态", ""),
    ("[12/25] 发布生成内容", "不"),
    ("[13/25] 金融子行业", ""),
    ("[14/25] 个人信息", "无"),
    ("[16/25] 数据跨境", "没有"),
    ("[18/25] 定制方式", ""),
    ("[19/25] 技术团队", ""),
    ("[20/25] 自有算力", "有"),
    ("[21/25] 端侧部署", "不需要"),
    ("[22/25] 关键信息基础设施", "不是"),
    ("[23/25] 使用人数", "２０００"),
    ("[24/25] 月度Token量", ""),
    ("[25/25] 企业名称", "Ａ银行　"),  # a name is kept as typed (its full-width letter too), less the space at the end
]

EXPECTED = {"sector": "finance", "size": "large", "startup": False, "use_cases": ["knowledge_search", "content_generation"],
            "privacy": "high", "budget": 8_000_000, "public_facing": False, "serves_businesses": True,
            "minors": True, "has_gpu_infrastructure": True, "on_device": False, "critical_infrastructure": False,
            "users": 2000, "name": "Ａ银行"}


def test_an_ime_session_in_a_terminal(tmp_path):
    env = dict(os.environ, LANG="C.UTF-8", LC_ALL="C.UTF-8", TERM="xterm")
    child = pexpect.spawn(sys.executable, ["-m", "advisor", "ask", "--save", "bank.yaml"], cwd=str(tmp_path),
                          env=env, encoding="utf-8", timeout=30, dimensions=(40, 100))
    for header, answer in SESSION:
        child.expect_exact(header)
        child.expect_exact("> ")
        child.sendline(answer)
    child.expect_exact("答案汇总")
    child.expect_exact("要把这份建议写成备忘录吗")
    child.sendline("")
    child.expect(pexpect.EOF)
    saved = yaml.safe_load((tmp_path / "bank.yaml").read_text("utf-8"))
    assert {k: saved.get(k) for k in EXPECTED} == EXPECTED


def test_ime_answers_through_a_pipe(cli, tmp_path):
    out = tmp_path / "bank.yaml"
    answers = "".join(answer + "\n" for _, answer in SESSION)
    result = cli("ask", "--save", str(out), input=answers)
    assert result.exit_code == 0, result.stdout[-2000:]
    saved = yaml.safe_load(out.read_text("utf-8"))
    assert {k: saved.get(k) for k in EXPECTED} == EXPECTED


def test_each_ime_form_alone():
    from advisor.ask.answers import interpret
    from advisor.ask.questionnaire import load_questionnaire

    questions = {q.field: q for q in load_questionnaire(None).questions}
    assert interpret(questions["sector"], "《").kind == "back"
    assert interpret(questions["sector"], "〈").kind == "back"
    assert interpret(questions["sector"], "？").kind == "help"
    assert interpret(questions["sector"], "１２").value == "mining"
    for yes in ("是的", "对", "有", "是", "ｙｅｓ", "１"):
        assert interpret(questions["startup"], yes).value is True, yes
    for no in ("不是", "没有", "否", "不", "２"):
        assert interpret(questions["startup"], no).value is False, no
    assert interpret(questions["use_cases"], "１　２，３").value == ["knowledge_search", "content_generation",
                                                                  "customer_service"]
    assert interpret(questions["budget"], "８００万").value == 8_000_000
    assert interpret(questions["personal_info"], "无").value == "none"  # a label, not "no"
    assert interpret(questions["name"], "Ａ银行　").value == "Ａ银行"
