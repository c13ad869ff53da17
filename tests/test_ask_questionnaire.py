"""The questionnaire as data: coverage of the contract, the loader's checks, skip logic, answer parsing."""

from __future__ import annotations

import re
from importlib import resources

import pytest
import yaml

from advisor.ask.answers import interpret
from advisor.ask.questionnaire import QuestionnaireError, load_questionnaire, parse_questionnaire
from advisor.vocabulary import vocabulary


@pytest.fixture(scope="module")
def questionnaire():
    return load_questionnaire()


@pytest.fixture(scope="module")
def raw():
    return yaml.safe_load(resources.files("advisor.ask").joinpath("questionnaire.yaml").read_text(encoding="utf-8"))


def q(questionnaire, field):
    return questionnaire.question(field)


# --- coverage of the contract --------------------------------------------------------------------


def test_every_contract_field_has_exactly_one_question(questionnaire):
    fields = [question.field for question in questionnaire.questions]
    assert sorted(fields) == sorted(vocabulary().fields)
    assert len(fields) == len(set(fields))


def test_every_question_speaks_both_languages(questionnaire):
    for question in questionnaire.questions:
        for text in (question.prompt, question.help):
            assert text.zh.strip() and text.en.strip()
            assert re.search(r"[\u4e00-\u9fff]", text.zh), question.field
        for choice in question.choices:
            if choice.note:
                assert choice.note.zh and choice.note.en


def test_choices_offer_every_value_of_enum_fields(questionnaire):
    for question in questionnaire.questions:
        spec = vocabulary().fields[question.field]
        values = [c.value for c in question.choices]
        if spec.type == "bool":
            assert values == [True, False]
        elif spec.values:
            assert sorted(values) == sorted(vocabulary().enums[spec.values]), question.field
        else:
            assert values == []


def test_a_field_without_a_question_fails_to_load(raw):
    broken = {"questions": [x for x in raw["questions"] if x["field"] != "cross_border"]}
    with pytest.raises(QuestionnaireError, match="no question for the field.*cross_border"):
        parse_questionnaire(broken, "q.yaml")


def test_a_question_naming_no_field_fails_to_load(raw):
    broken = {"questions": [*raw["questions"], {"prompt": {"zh": "？", "en": "?"}, "help": {"zh": "帮助", "en": "help"}}]}
    with pytest.raises(QuestionnaireError, match=r"questions\.25\.field: Field required"):
        parse_questionnaire(broken, "q.yaml")


def test_a_question_naming_an_unknown_field_fails_to_load(raw):
    broken = {"questions": [*raw["questions"], {**raw["questions"][0], "field": "sectors"}]}
    with pytest.raises(QuestionnaireError, match="unknown field 'sectors'"):
        parse_questionnaire(broken, "q.yaml")


@pytest.mark.parametrize(
    "change, message",
    [
        ({"field": "sector", "choices": [{"value": "banking"}]}, "choice: value 'banking' is not allowed"),
        ({"field": "ml_team", "default": "expert"}, "default: value 'expert' is not allowed"),
        ({"field": "sector", "ask_if": {"name": "present"}}, "'name' is not asked before this question"),
        ({"field": "modalities", "ask_if": {"use_cases": "poetry"}}, "ask_if: use_cases: .*'poetry'"),
        ({"field": "privacy", "choices": [{"value": "low"}, {"value": "high"}]}, "choices must offer each value once"),
    ],
)
def test_the_loader_checks_choices_defaults_and_conditions(raw, change, message):
    questions = [dict(x, **change) if x["field"] == change["field"] else x for x in raw["questions"]]
    with pytest.raises(QuestionnaireError, match=message):
        parse_questionnaire({"questions": questions}, "q.yaml")


def test_interface_messages_exist_in_both_languages_with_the_same_placeholders():
    table = yaml.safe_load(resources.files("advisor.ask").joinpath("messages.yaml").read_text(encoding="utf-8"))
    for key, texts in table.items():
        assert isinstance(key, str) and set(texts) == {"zh", "en"}, key
        assert set(re.findall(r"{(\w+)}", texts["zh"])) == set(re.findall(r"{(\w+)}", texts["en"])), key


# --- skip logic ----------------------------------------------------------------------------------


def test_employees_is_asked_only_when_the_size_is_not_given(questionnaire):
    employees = q(questionnaire, "employees")
    assert employees.applies({"sector": "finance"})
    assert not employees.applies({"sector": "finance", "size": "large"})


@pytest.mark.parametrize(
    "answers, asked",
    [
        ({"use_cases": ["knowledge_search"], "public_facing": False}, False),
        ({"use_cases": ["knowledge_search"]}, False),  # public_facing absent: its default, false
        ({"use_cases": ["knowledge_search"], "public_facing": True}, True),
        ({"use_cases": ["content_generation", "translation"], "public_facing": False}, True),
        ({"use_cases": [], "public_facing": False}, False),
    ],
)
def test_modalities_are_asked_only_where_generated_content_matters(questionnaire, answers, asked):
    assert q(questionnaire, "modalities").applies(answers) is asked


@pytest.mark.parametrize(
    "answers, asked",
    [
        ({"sector": "industrial", "use_cases": ["code_assistant", "translation"], "public_facing": False}, False),
        ({"sector": "industrial", "use_cases": ["code_assistant"], "public_facing": True}, True),
        ({"sector": "industrial", "use_cases": ["customer_service"], "public_facing": False}, True),
        ({"sector": "healthcare", "use_cases": ["translation"], "public_facing": False}, True),
        ({"sector": "industrial", "use_cases": [], "public_facing": False}, True),  # nothing known yet: ask
    ],
)
def test_personal_information_is_asked_only_where_it_may_be_processed(questionnaire, answers, asked):
    assert q(questionnaire, "personal_info").applies(answers) is asked


# --- reading answers -----------------------------------------------------------------------------


@pytest.mark.parametrize(
    "field, typed, value",
    [
        ("size", "3", "medium"),
        ("size", "中型", "medium"),
        ("size", "  Medium ", "medium"),
        ("sector", "金融", "finance"),
        ("sector", "影视游戏", "media_gaming"),
        ("sector", "culture & tourism", "culture_tourism"),
        ("startup", "是", True),
        ("startup", "2", False),
        ("startup", "n", False),
        ("budget", "800万", 8_000_000),
        ("budget", "1.2亿", 120_000_000),
        ("budget", "300,000", 300_000),
        ("budget", "2", "medium"),
        ("budget", "高", "high"),
        ("employees", "1,200", 1200),
        ("use_cases", "知识搜索、智能客服", ["knowledge_search", "customer_service"]),
        ("use_cases", "7，1", ["knowledge_search", "risk_control"]),
        ("use_cases", "1 3 5", ["knowledge_search", "customer_service", "translation"]),
        ("use_cases", "knowledge search translation", ["knowledge_search", "translation"]),
        ("use_cases", "Knowledge Search, 智能风控; 1", ["knowledge_search", "risk_control"]),
        ("modalities", "文本 数字人", ["text", "digital_human"]),
        ("personal_info", "敏感个人信息", "sensitive"),
        ("name", " 示例银行 ", "示例银行"),
    ],
)
def test_answers_people_type(questionnaire, field, typed, value):
    reply = interpret(q(questionnaire, field), typed)
    assert (reply.kind, reply.value) == ("value", value)


@pytest.mark.parametrize(
    "field, typed, bad",
    [
        ("sector", "银行", "银行"),
        ("sector", "15", "15"),
        ("sector", "0", "0"),
        ("size", "huge", "huge"),
        ("startup", "maybe", "maybe"),
        ("budget", "a lot", "a lot"),
        ("budget", "-5", "-5"),
        ("employees", "0", "0"),
        ("employees", "3.5", "3.5"),
        ("use_cases", "知识搜索、写诗", "写诗"),
        ("use_cases", "1, 99", "99"),
        ("sector", "-", "-"),  # a required field cannot be cleared
    ],
)
def test_answers_that_are_not_allowed(questionnaire, field, typed, bad):
    reply = interpret(q(questionnaire, field), typed)
    assert (reply.kind, reply.bad) == ("invalid", bad)


@pytest.mark.parametrize(
    "typed, kind, value",
    [("", "default", None), ("?", "help", None), ("？", "help", None), ("<", "back", None), ("-", "clear", None)],
)
def test_commands_inside_the_questionnaire(questionnaire, typed, kind, value):
    reply = interpret(q(questionnaire, "size"), typed)
    assert (reply.kind, reply.value) == (kind, value)


def test_a_list_question_is_cleared_to_an_empty_list(questionnaire):
    assert interpret(q(questionnaire, "use_cases"), "-").value == []
