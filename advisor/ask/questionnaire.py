"""The questionnaire: the questions of ``advisor ask`` as data, loaded and checked against the contract.

``questionnaire.yaml`` (beside this module) says, for each profile field, how to ask for it, what
it means, which choices to offer and when to ask. Nothing here knows a field by name: the loader
checks the file against the contract's vocabulary, and the runner only follows what it says.
"""

from __future__ import annotations

import functools
from dataclasses import dataclass
from importlib import resources
from pathlib import Path
from typing import Any, Literal, Mapping

from pydantic import Field, ValidationError

from advisor.ask.fields import contract_default, is_absent, normalise
from advisor.engine.schema import Strict, Text
from advisor.errors import AdvisorError
from advisor.vocabulary import vocabulary

ABSENT, PRESENT = "absent", "present"


class QuestionnaireError(AdvisorError):
    """A questionnaire file that does not load: names the file, the question and what is wrong."""

    def __init__(self, problems: list[str], path: str) -> None:
        self.problems = problems
        head = f"questionnaire {path}: "
        body = problems[0] if len(problems) == 1 else f"{len(problems)} problems\n" + "\n".join(f"  - {p}" for p in problems)
        super().__init__(head + body)


class Choice(Strict):
    """One value offered for a question, with an optional explanation."""

    value: Any
    note: Text | None = None


class _QuestionFile(Strict):
    field: str
    prompt: Text
    help: Text
    choices: list[Choice] | None = None
    default: Any = None
    empty: Text | None = None
    ask_if: dict[str, Any] | list[dict[str, Any]] | None = None
    thresholds: Literal["size", "budget"] | None = None


class _File(Strict):
    questions: list[_QuestionFile] = Field(min_length=1)


@dataclass(frozen=True)
class Test:
    """``field`` is absent, present, or has one of ``values`` (a list field: contains one)."""

    field: str
    kind: str  # absent | present | any_of
    values: tuple[Any, ...] = ()

    def holds(self, state: Mapping[str, Any]) -> bool:
        """Whether the test holds for the answers so far (a missing field has its contract default)."""
        given = state.get(self.field)
        if self.kind == ABSENT:
            return is_absent(given)
        if self.kind == PRESENT:
            return not is_absent(given)
        value = given if given is not None else contract_default(self.field)
        if isinstance(value, list):
            return any(v in value for v in self.values)
        # `type(...)` too: in Python True == 1, but a yes/no test must not match a number
        return any(value == v and type(value) is type(v) for v in self.values)


@dataclass(frozen=True)
class Question:
    """One question, checked: its choices, default and tests are canonical values of its field."""

    field: str
    kind: str  # the contract's field type: string | enum | integer | bool | list | budget
    prompt: Text
    help: Text
    choices: tuple[Choice, ...]
    default: Any  # None: no default of its own
    empty: Text | None
    ask_if: tuple[tuple[Test, ...], ...]  # any of these groups, each all of its tests; () = always
    thresholds: str | None

    @property
    def multiple(self) -> bool:
        """Several values may be chosen."""
        return self.kind == "list"

    def help_text(self, lang: str, skip: str) -> str:
        """The help in ``lang``, ``{skip}`` in it replaced by ``skip``: how to leave this question
        unanswered where it is asked (the terminal's "press Enter", a web form's empty answer)."""
        return self.help.get(lang).replace("{skip}", skip)

    def applies(self, state: Mapping[str, Any]) -> bool:
        """Whether to ask this question, given the answers so far."""
        return not self.ask_if or any(all(t.holds(state) for t in group) for group in self.ask_if)


@dataclass(frozen=True)
class Questionnaire:
    """The questions, in the order they are asked."""

    path: str
    questions: tuple[Question, ...]

    def question(self, field: str) -> Question:
        """The question that fills ``field``."""
        return next(q for q in self.questions if q.field == field)


def _choice_values(kind: str, enum: str | None) -> list[Any]:
    """The values a field can take, when it has a fixed set (its choices by default)."""
    if kind == "bool":
        return [True, False]
    if kind in ("enum", "list", "budget") and enum:
        return list(vocabulary().enums[enum])
    return []


def _check_value(field: str, kind: str, value: Any, what: str) -> Any:
    """``value`` as a canonical value of ``field`` (an item of it, for a list field)."""
    if kind == "list":
        found = normalise(field, [value])
        return found[0]
    if kind == "bool" and not isinstance(value, bool):
        raise ValueError(f"{what} {value!r} is not true or false")
    return normalise(field, value)


def _tests(raw: Any, known: list[str], where: str, problems: list[str]) -> tuple[tuple[Test, ...], ...]:
    if raw is None:
        return ()
    groups = raw if isinstance(raw, list) else [raw]
    fields = vocabulary().fields
    out = []
    for group in groups:
        if not isinstance(group, dict) or not group:
            problems.append(f"{where}: ask_if: each condition is a non-empty mapping of field: test")
            continue
        tests = []
        for field, want in group.items():
            if field not in fields:
                problems.append(f"{where}: ask_if: unknown field '{field}'; allowed: {', '.join(fields)}")
                continue
            if field not in known:
                problems.append(f"{where}: ask_if: '{field}' is not asked before this question")
                continue
            if want in (ABSENT, PRESENT):
                tests.append(Test(field, want))
                continue
            spec = fields[field]
            try:
                wants = want if isinstance(want, list) else [want]
                values = tuple(_check_value(field, spec.type, w, "value") for w in wants)
            except ValueError as exc:
                problems.append(f"{where}: ask_if: {field}: {exc}")
                continue
            tests.append(Test(field, "any_of", values))
        out.append(tuple(tests))
    return tuple(out)


def parse_questionnaire(raw: Any, path: str) -> Questionnaire:
    """Check a parsed questionnaire document against the contract; raise ``QuestionnaireError``."""
    try:
        doc = _File.model_validate(raw)
    except ValidationError as exc:
        raise QuestionnaireError(
            [f"{'.'.join(str(p) for p in e['loc'])}: {e['msg']}" for e in exc.errors(include_url=False)], path
        ) from None
    fields = vocabulary().fields
    problems: list[str] = []
    questions: list[Question] = []
    asked: list[str] = []
    for number, q in enumerate(doc.questions, start=1):
        where = f"question {number} ({q.field})"
        if q.field not in fields:
            problems.append(f"question {number}: unknown field '{q.field}'; allowed: {', '.join(fields)}")
            continue
        if q.field in asked:
            problems.append(f"{where}: the field already has a question")
            continue
        spec = fields[q.field]
        offered = _choice_values(spec.type, spec.values)
        choices: list[Choice] = []
        for choice in q.choices if q.choices is not None else [Choice(value=v) for v in offered]:
            if not offered:
                problems.append(f"{where}: a {spec.type} field takes no choices")
                break
            try:
                value = _check_value(q.field, spec.type, choice.value, "choice")
            except ValueError as exc:
                problems.append(f"{where}: choice: {exc}")
                continue
            choices.append(Choice(value=value, note=choice.note))
        if q.choices is not None and offered and sorted(map(str, (c.value for c in choices))) != sorted(map(str, offered)):
            problems.append(f"{where}: choices must offer each value once: {', '.join(map(str, offered))}")
        default = None
        if q.default is not None:
            try:
                default = normalise(q.field, q.default)
            except ValueError as exc:
                problems.append(f"{where}: default: {exc}")
        questions.append(
            Question(
                field=q.field,
                kind=spec.type,
                prompt=q.prompt,
                help=q.help,
                choices=tuple(choices),
                default=default,
                empty=q.empty,
                ask_if=_tests(q.ask_if, asked, where, problems),
                thresholds=q.thresholds,
            )
        )
        asked.append(q.field)
    missing = [f for f in fields if f not in asked]
    if missing:
        problems.append(f"no question for the field(s): {', '.join(missing)}")
    if problems:
        raise QuestionnaireError(problems, path)
    return Questionnaire(path=path, questions=tuple(questions))


@functools.cache
def load_questionnaire(path: str | None = None) -> Questionnaire:
    """Load and check the questionnaire in ``path`` (the bundled one by default)."""
    from advisor.sources.document import parse_document, read_text

    if path is None:
        name = "advisor/ask/questionnaire.yaml"
        text = resources.files("advisor.ask").joinpath("questionnaire.yaml").read_text(encoding="utf-8")
    else:
        name, text = path, read_text(str(Path(path)))
    return parse_questionnaire(parse_document(text, name), name)
