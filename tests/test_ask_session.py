"""``advisor ask`` driven through standard input, one answer per line, as scripts drive it."""

from __future__ import annotations

import pytest
import yaml
from conftest import PROFILES

from advisor.ask.profile_file import draft_path

ENTER_THROUGH = "\n" * 40  # more empty lines than there are questions

# A Chinese session for a bank: labels, numbers, a list with 、, a budget in 万, and the name last.
BANK_ANSWERS = [
    "金融",  # sector
    "",  # size: not sure -> headcount
    "5000",  # employees
    "否",  # startup
    "知识搜索、智能风控",  # use_cases
    "高",  # privacy
    "800万",  # budget
    "2",  # public_facing: 否
    "",  # serves_businesses (asked: not public-facing): 否
    # minors: not asked (internal, not education); modalities: not asked (internal, no content generation)
    "",  # finance_subsector (asked: finance): not stated
    "个人信息",  # personal_info (asked: finance)
    "120万",  # pi_individuals (asked: personal information)
    "",  # cross_border
    # eu_market: not asked (no cross-border data, finance)
    "检索增强",  # customization
    "3",  # ml_team: 较强
    "是",  # has_gpu_infrastructure
    "",  # on_device
    "是",  # critical_infrastructure
    "",  # users: not known
    # monthly_tokens: not asked (no number of users)
    "示例银行",  # name
]
BANK_PROFILE = {
    "name": "示例银行",
    "employees": 5000,
    "startup": False,
    "sector": "finance",
    "use_cases": ["knowledge_search", "risk_control"],
    "privacy": "high",
    "budget": 8_000_000,
    "public_facing": False,
    "personal_info": "personal",
    "cross_border": False,
    "customization": "rag",
    "ml_team": "strong",
    "has_gpu_infrastructure": True,
    "on_device": False,
    "critical_infrastructure": True,
    "serves_businesses": False,
    "pi_individuals": 1_200_000,
    "finance_subsector": "unspecified",
}


def lines(*answers: str) -> str:
    return "".join(a + "\n" for a in answers)


def test_a_chinese_session_saves_the_profile_and_prints_the_recommendation(cli, tmp_path):
    out = tmp_path / "bank.yaml"
    result = cli("ask", "--save", str(out), input=lines(*BANK_ANSWERS))
    assert result.exit_code == 0, result.output
    saved = out.read_text(encoding="utf-8")
    assert yaml.safe_load(saved) == BANK_PROFILE
    assert list(yaml.safe_load(saved)) == [k for k in BANK_PROFILE]  # contract order
    assert "name: 示例银行" in saved  # Chinese kept readable
    assert saved.startswith("# 企业画像") and f"advisor advise {out}" in saved.splitlines()[1]
    # the summary, then the recommendation exactly as `advise` renders it
    assert "答案汇总" in result.stdout and "预算            ：每年 800万元" in result.stdout
    advised = cli("advise", str(out))
    assert result.stdout.endswith(advised.stdout)
    assert result.stdout.index("答案汇总") < result.stdout.index(advised.stdout)


def test_questions_are_asked_in_chinese_by_default_and_in_english_on_request(cli):
    zh = cli("ask", input="")
    assert "[1/25] 行业 · 贵单位属于哪个行业？" in zh.stdout
    en = cli("ask", "--lang", "en", input="")
    assert "[1/25] Sector · Which sector is the enterprise in?" in en.stdout
    assert "Stopped part-way" in en.stderr


class Terminal:
    """A terminal typing ``typed`` one line at a time; what is shown is kept in ``stdout``."""

    interactive = True

    def __init__(self, typed):
        self.typed, self.shown = list(typed), []

    def say(self, text):
        self.shown.append(text)

    def ask(self, prompt):
        self.shown.append(prompt)
        if not self.typed:
            raise EOFError
        return self.typed.pop(0)

    @property
    def stdout(self):
        return "\n".join(self.shown)


def on_terminal(typed, save=None, lang="zh"):
    """``advisor ask`` typed on a terminal: ``(exit status, console)``."""
    from advisor.ask.run import run

    console = Terminal(typed)
    code = run(from_file=None, save=None if save is None else str(save), fmt="table", memo_file=None,
               questionnaire_file=None, lang=lang, rules_dir=None, console=console)
    return code, console


def test_a_wrong_answer_is_re_asked_on_a_terminal_and_earlier_answers_are_kept(tmp_path):
    out = tmp_path / "bank.yaml"
    answers = ["银行", "42", *BANK_ANSWERS[:2], "很多", "-3", *BANK_ANSWERS[2:6], "一大笔钱", *BANK_ANSWERS[6:]]
    code, result = on_terminal(answers, save=out)
    assert code == 0
    assert "「银行」不是可选的答案。请输入编号 1–14，或以下名称之一：党政、工业、金融" in result.stdout
    assert "「42」不是可选的答案" in result.stdout
    assert "「很多」不是有效的人数。请输入 1 到 100000000 之间的整数" in result.stdout
    assert "「一大笔钱」不是有效的预算" in result.stdout
    assert yaml.safe_load(out.read_text(encoding="utf-8")) == BANK_PROFILE


def test_a_required_question_cannot_be_skipped_on_a_terminal():
    code, result = on_terminal(["", "金融"])
    assert code == 1  # the typing ended
    assert "这个问题需要回答" in result.stdout
    assert result.stdout.count("[1/25]") == 1 and "[2/25]" in result.stdout


def test_help_explains_the_question_and_shows_the_rule_pack_thresholds(cli):
    result = cli("ask", input=lines("?", "金融", "", "？"))
    assert "报告 §1.4 按行业给出适用的部署模式" in result.stdout
    assert "规则包中的分档" in result.stdout and "微型企业（从业人员20人以下）" in result.stdout


def test_employees_are_asked_only_without_a_size(cli):
    with_size = cli("ask", input=lines("金融", "大型", "否"))
    assert "员工人数 · " not in with_size.stdout and "[4/25] 初创企业" in with_size.stdout
    without = cli("ask", input=lines("金融", "", "800"))
    assert "[3/25] 员工人数 · 贵单位有多少名员工？" in without.stdout


def test_skipped_questions_do_not_appear(cli, tmp_path):
    out = tmp_path / "p.yaml"
    internal = ["工业", "中型", "", "代码生成、智能翻译", "中", "中", "否", "", "", "", "", "", "", "", "", "华东机械"]
    result = cli("ask", "--save", str(out), input=lines(*internal))
    assert result.exit_code == 0, result.output
    for skipped in ("生成模态", "个人信息", "未成年人用户", "发布生成内容", "个人信息规模", "欧盟市场", "月度Token量"):
        assert f"{skipped} · " not in result.stdout
    assert "面向企业客户 · " in result.stdout and "使用人数 · " in result.stdout
    saved = yaml.safe_load(out.read_text(encoding="utf-8"))
    assert {"modalities", "personal_info", "minors", "publishes_generated_content", "pi_individuals",
            "eu_market", "users", "monthly_tokens"}.isdisjoint(saved)
    assert saved["serves_businesses"] is False


def test_going_back_changes_an_earlier_answer(cli, tmp_path):
    out = tmp_path / "p.yaml"
    # headcount given, then back to the size question: the size replaces the headcount
    answers = ["金融", "", "350", "<", "<", "大型", *BANK_ANSWERS[3:]]
    result = cli("ask", "--save", str(out), input=lines(*answers))
    assert result.exit_code == 0, result.output
    saved = yaml.safe_load(out.read_text(encoding="utf-8"))
    assert saved["size"] == "large" and "employees" not in saved
    first = cli("ask", input=lines("<"))
    assert "已经是第一题。" in first.stdout


def test_from_and_save_round_trip_every_bundled_profile(cli, tmp_path):
    profiles = sorted(PROFILES.glob("*.yaml"))
    assert len(profiles) >= 10
    for profile in profiles:
        out = tmp_path / profile.name
        result = cli("ask", "--from", str(profile), "--save", str(out), "--lang", "zh", input=ENTER_THROUGH)
        assert result.exit_code == 0, (profile.name, result.output)
        assert "贵单位属于哪个行业？" in result.stdout
        for lang in ("zh", "en"):
            assert (
                cli("advise", str(out), "-f", "json", "--lang", lang).stdout
                == cli("advise", str(profile), "-f", "json", "--lang", lang).stdout
            ), profile.name
        again = tmp_path / f"again-{profile.name}"
        cli("ask", "--from", str(out), "--save", str(again), input=ENTER_THROUGH)
        body = lambda p: p.read_text(encoding="utf-8").split("\n", 3)[3]  # noqa: E731 - skip the header
        assert body(again) == body(out), profile.name  # a saved profile is a fixed point


def test_from_keeps_the_headcount_and_normalises_labels(cli, tmp_path):
    source = tmp_path / "in.yaml"
    source.write_text(
        "name: 华东机械\nemployees: 350\nsector: 工业\nuse_cases: 智能翻译、代码生成\nprivacy: 中\nbudget: 1.2亿\n"
        "public_facing: 是\nmodalities: [图像, 文本]\n",
        encoding="utf-8",
    )
    out = tmp_path / "out.yaml"
    result = cli("ask", "--from", str(source), "--save", str(out), input=ENTER_THROUGH)
    assert result.exit_code == 0, result.output
    saved = yaml.safe_load(out.read_text(encoding="utf-8"))
    assert saved["employees"] == 350 and "size" not in saved
    assert saved["sector"] == "industrial" and saved["use_cases"] == ["translation", "code_assistant"]
    assert saved["budget"] == 120_000_000 and saved["modalities"] == ["text", "image"]
    assert cli("advise", str(out), "-f", "json").stdout == cli("advise", str(source), "-f", "json").stdout


def test_an_early_quit_keeps_a_draft_and_says_how_to_resume(cli, tmp_path):
    out = tmp_path / "bank.yaml"
    result = cli("ask", "--save", str(out), input=lines(*BANK_ANSWERS[:7]))  # input ends at question 8
    assert result.exit_code == 1
    draft = draft_path(str(out))
    assert draft == tmp_path / "bank.draft.yaml" and not out.exists()
    assert f"advisor ask --from {draft} --save {out}" in result.stderr
    kept = yaml.safe_load(draft.read_text(encoding="utf-8"))
    assert kept == {k: BANK_PROFILE[k] for k in ("employees", "startup", "sector", "use_cases", "privacy", "budget")}
    # resuming: the draft's answers are the defaults; the rest is answered; the draft goes away
    resumed = cli("ask", "--from", str(draft), "--save", str(out), input=lines(*[""] * 7, *BANK_ANSWERS[7:]))
    assert resumed.exit_code == 0, resumed.output
    assert yaml.safe_load(out.read_text(encoding="utf-8")) == BANK_PROFILE
    assert not draft.exists()


def test_an_early_quit_without_save_says_nothing_was_kept(cli):
    result = cli("ask", input=lines("金融"))
    assert result.exit_code == 1
    assert "答案没有保存" in result.stderr and "--save" in result.stderr


def test_ctrl_c_keeps_a_draft_too(tmp_path, monkeypatch):
    from advisor.ask.run import run

    class Console:
        def __init__(self, answers):
            self.answers = list(answers)

        def say(self, text):
            pass

        def ask(self, prompt):
            if not self.answers:
                raise KeyboardInterrupt
            return self.answers.pop(0)

    out = tmp_path / "p.yaml"
    code = run(from_file=None, save=str(out), fmt="table", memo_file=None, questionnaire_file=None,
               lang="zh", rules_dir=None, console=Console(["金融", "大型"]))
    assert code == 130
    text = draft_path(str(out)).read_text(encoding="utf-8")
    assert text.splitlines()[2:] == ["size: large", "sector: finance"]  # one field a line, contract order


def test_problems_found_before_the_first_question_exit_2_with_one_message(cli, tmp_path):
    bad = tmp_path / "bad.yaml"
    bad.write_text("name: X\nsector: [银行\n", encoding="utf-8")
    result = cli("ask", "--from", str(bad), input=ENTER_THROUGH)
    assert result.exit_code == 2
    assert f"{bad}: line 3, column 1: not valid YAML/JSON" in result.stderr
    assert "Traceback" not in result.output and "[1/17]" not in result.stdout
    missing = cli("ask", "--from", str(tmp_path / "nope.yaml"), input=ENTER_THROUGH)
    assert missing.exit_code == 2 and "no such file" in missing.stderr
    nowhere = cli("ask", "--save", str(tmp_path / "no" / "dir" / "p.yaml"), input=ENTER_THROUGH)
    assert nowhere.exit_code == 2 and "does not exist" in nowhere.stderr
    assert "[1/25]" not in nowhere.stdout


def test_another_questionnaire_file_can_be_used_and_is_checked(cli, tmp_path):
    from importlib import resources

    text = resources.files("advisor.ask").joinpath("questionnaire.yaml").read_text(encoding="utf-8")
    custom = tmp_path / "q.yaml"
    custom.write_text(text.replace("贵单位属于哪个行业？", "您所在的行业？"), encoding="utf-8")
    assert "您所在的行业？" in cli("ask", "--questionnaire", str(custom), input="").stdout
    broken = tmp_path / "broken.yaml"
    broken.write_text(text.replace("- field: on_device", "- field: on_devices"), encoding="utf-8")
    result = cli("ask", "--questionnaire", str(broken), input="")
    assert result.exit_code == 2
    assert "unknown field 'on_devices'" in result.stderr and "no question for the field(s): on_device" in result.stderr


def test_the_recommendation_can_be_printed_as_json(cli, tmp_path):
    import json

    result = cli("ask", "-f", "json", "--lang", "en", input=lines(*BANK_ANSWERS))
    assert result.exit_code == 0
    printed = json.loads(result.stdout[result.stdout.index("\n{") :])
    assert printed["profile"] == "示例银行" and printed["lang"] == "en"


def test_memo_option_writes_the_memo_in_the_format_its_name_asks_for(cli, tmp_path):
    md, html = tmp_path / "memo.md", tmp_path / "out" / "memo.html"
    result = cli("ask", "--memo", str(md), input=lines(*BANK_ANSWERS))
    assert result.exit_code == 0 and f"备忘录已写入 {md}。" in result.stdout
    assert md.read_text(encoding="utf-8").startswith("# 示例银行")
    html.parent.mkdir()  # the folder must exist (as for --save): tests/test_cli_edges.py
    assert cli("ask", "--memo", str(html), "--lang", "en", input=lines(*BANK_ANSWERS)).exit_code == 0
    assert html.read_text(encoding="utf-8").startswith("<!DOCTYPE html>")
    piped = cli("ask", input=lines(*BANK_ANSWERS))
    assert "备忘录" not in piped.stdout  # without a terminal, no offer: scripts use --memo


@pytest.mark.parametrize("name", ["memo.pdf", "memo"])
def test_a_memo_name_without_a_memo_format_is_refused_before_the_first_question(cli, tmp_path, name):
    """As --save: the suffix says the format (.md, .html, .docx); x.pdf was written as Markdown."""
    target = tmp_path / name
    result = cli("ask", "--memo", str(target), input=lines(*BANK_ANSWERS))
    assert result.exit_code == 2
    assert "[1/" not in result.stdout and not target.exists()
    assert str(target) in result.stderr and ".md (Markdown), .html, .docx (Word)" in result.stderr
    assert "--format" not in result.stderr  # ask has no --format option


def test_help_shows_bands_of_another_rule_pack_from_its_thresholds(cli):
    from conftest import MINIPACK

    result = cli("ask", "--rules", str(MINIPACK), "--lang", "en", input=lines("finance", "", "?"))
    assert "Bands in the rule pack (source: test thresholds):" in result.stdout
    assert "    - micro: Employees < 10\n" in result.stdout and "    - large: Employees ≥ 500\n" in result.stdout


def test_a_count_question_says_what_a_count_is(tmp_path):
    out = tmp_path / "bank.yaml"
    at = BANK_ANSWERS.index("120万")
    answers = [*BANK_ANSWERS[:at], "很多", *BANK_ANSWERS[at:]]
    code, result = on_terminal(answers, save=out)
    assert code == 0, result.stdout
    assert "输入人数，如 5000、120万" in result.stdout  # the field's own hint, not the headcount's
    unwrapped = result.stdout.replace("\n", "")  # a line may break before the long number, never inside it
    assert "「很多」不是有效的人数。请输入 0 到 1000000000000000 之间的整数，可用“万”“亿”" in unwrapped
    assert yaml.safe_load(out.read_text(encoding="utf-8"))["pi_individuals"] == 1_200_000


def test_the_memo_offer_on_a_terminal_asks_again_for_a_name_without_a_memo_format(tmp_path):
    from advisor.ask.run import run

    target = tmp_path / "memo.md"
    console = Terminal([*BANK_ANSWERS, str(tmp_path / "memo.pdf"), str(target)])
    assert run(from_file=None, save=None, fmt="table", memo_file=None, questionnaire_file=None, lang="zh",
               rules_dir=None, console=console) == 0
    assert any("memo.pdf" in line and ".docx" in line for line in console.shown)  # why, then asked again
    assert target.read_text("utf-8").startswith("# 示例银行") and not (tmp_path / "memo.pdf").exists()


# --- without a terminal, an answer that is missing or not valid stops the questionnaire -----------


def test_piped_empty_lines_stop_at_a_required_question_with_exit_2_and_keep_a_draft(cli, tmp_path):
    # `yes '' | advisor ask --from FILE --save ...` with a size no longer allowed: once asked again for
    # ever; now the question is named, the draft kept, and the status says the input was not valid.
    bad = tmp_path / "old.yaml"
    bad.write_text("name: 甲公司\nsize: huge\nsector: finance\nprivacy: low\nbudget: low\n", encoding="utf-8")
    out = tmp_path / "p.yaml"
    result = cli("ask", "--from", str(bad), "--save", str(out), input=ENTER_THROUGH * 50)
    assert result.exit_code == 2
    assert result.stdout.count("[3/25]") == 1  # asked once
    assert ("advisor：错误：问题 [3/25] 员工人数（employees）需要回答，但输入中是空行；输入不是终端，无法再次提问。"
            in result.stderr)
    assert "已中途退出。已回答的内容保存在草稿" in result.stderr
    assert yaml.safe_load(draft_path(str(out)).read_text(encoding="utf-8"))["sector"] == "finance"
    assert not out.exists()
    en = cli("ask", "--from", str(bad), "--lang", "en", input=ENTER_THROUGH * 50)
    assert en.exit_code == 2
    assert ("advisor: error: question [3/25] Employees (employees) needs an answer and the input gave an empty "
            "line; the input is not a terminal, so it cannot be asked again.") in en.stderr


def test_a_piped_answer_that_is_not_valid_stops_with_the_reason(cli):
    result = cli("ask", input=lines("金融", "huge", "中型"))
    assert result.exit_code == 2
    assert ("advisor：错误：问题 [2/25] 规模（size）：「huge」不是可选的答案。请输入编号 1–4，或以下名称之一："
            "微型、小型、中型、大型。输入不是终端，无法再次提问。") in result.stderr
    assert "[3/25]" not in result.stdout
    en = cli("ask", "--lang", "en", input=lines("finance", "huge"))
    assert en.exit_code == 2
    assert "advisor: error: question [2/25] Size (size): 'huge' is not" in en.stderr
    assert en.stderr.count("The input is not a terminal, so it cannot be asked again.") == 1
