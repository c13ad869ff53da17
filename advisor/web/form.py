"""The questionnaire as a web form: answers in the page address, read back with ``advisor ask``'s rules.

The questions, their order, help, choices, defaults and skip logic all come from the same
``questionnaire.yaml`` as ``advisor ask`` (``advisor.ask.questionnaire``), and every value is
checked by the profile's own normalisers (``advisor.ask.fields.normalise``). What is the web's
own is how answers travel: as query parameters named like the profile fields, so that a reload,
the back button or a link keeps them.

* one value: ``sector=finance`` (a label such as ``sector=金融`` is understood too);
* a list: the parameter repeated, plus one empty value that says the list was on the form
  (``use_cases=&use_cases=marketing``: a form with nothing ticked still sends the empty one);
* a budget: a band, ``budget=high``, or an amount, ``budget=800万``; the form's "amount" choice
  sends ``budget=amount&budget_amount=800万``.

A question whose ``ask_if`` does not hold for the answers before it is not asked, and its
parameter is ignored, as in ``advisor ask``.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Iterable, Mapping

from advisor.ask.fields import contract_default, normalise
from advisor.ask.present import answer_text
from advisor.ask.questionnaire import Question, Questionnaire
from advisor.profile import MAX_COUNT, MAX_EMPLOYEES
from advisor.web.text import wt

AMOUNT = "amount"  # the budget choice that means "the amount typed beside it"
SET_PREFIX = "set."  # a what-if change: ``set.privacy=high``


def amount_param(name: str) -> str:
    """The parameter that carries a typed amount for the budget question ``name``."""
    return f"{name}_amount"


class Query:
    """Read-only access to query parameters as lists of strings (a Starlette ``QueryParams`` or a dict)."""

    def __init__(self, params: Any) -> None:
        self._params = params

    def __contains__(self, name: str) -> bool:
        return name in self._params

    def all(self, name: str) -> list[str]:
        """Every value of ``name``, in order."""
        if hasattr(self._params, "getlist"):
            return list(self._params.getlist(name))
        value = self._params.get(name)
        return [] if value is None else list(value) if isinstance(value, (list, tuple)) else [value]

    def first(self, name: str) -> str:
        """The first value of ``name``, stripped ("" when absent)."""
        values = self.all(name)
        return values[0].strip() if values else ""


@dataclass
class Entry:
    """One question as the page shows it: whether it is asked, what was given, the value, the error."""

    question: Question
    number: int
    applies: bool
    value: Any = None  # the canonical value (None: no value)
    text: str = ""  # what a text box shows (the typed text, kept when it is wrong)
    error: str | None = None

    @property
    def field(self) -> str:
        return self.question.field

    def checked(self, choice: Any) -> bool:
        """Whether the choice with the canonical value ``choice`` is selected."""
        if isinstance(self.value, list):
            return choice in self.value
        return self.value == choice and type(self.value) is type(choice)

    @property
    def amount_chosen(self) -> bool:
        """A budget question answered with an amount (or with wrong text in the amount box)."""
        return self.question.kind == "budget" and (isinstance(self.value, int) or bool(self.text))


@dataclass
class Answers:
    """The questionnaire filled from a query: each question's entry, and the profile it makes."""

    entries: list[Entry]
    values: dict[str, Any] = field(default_factory=dict)  # canonical answers of the questions asked

    @property
    def errors(self) -> list[Entry]:
        return [e for e in self.entries if e.error]


def read_answers(query: Query, questionnaire: Questionnaire, lang: str, *, check: bool) -> Answers:
    """Fill the questionnaire from ``query``.

    ``check``: a submitted form. Required answers that are missing are errors; without it (a form
    being shown) missing answers take the questions' defaults and only wrong values are marked.
    """
    entries: list[Entry] = []
    values: dict[str, Any] = {}
    for number, question in enumerate(questionnaire.questions, start=1):
        entry = Entry(question, number, applies=question.applies(values))
        entries.append(entry)
        if not entry.applies:
            continue
        _read(entry, query, lang, check)
        if entry.value is not None and entry.error is None:
            values[question.field] = entry.value
    return Answers(entries, values)


def _read(entry: Entry, query: Query, lang: str, check: bool) -> None:
    q = entry.question
    if q.multiple:
        _read_list(entry, query, lang)
        return
    for name in (q.field, amount_param(q.field)) if q.kind == "budget" else (q.field,):
        given = list(dict.fromkeys(v.strip() for v in query.all(name)))
        if len(given) > 1:  # one answer asked for, several given (a hand-made link): never pick one silently
            entry.error = wt("error_repeated", lang, name=name, values=", ".join(repr(quoted(v, lang)) for v in given))
            return
    text = query.first(q.field)
    if q.kind == "budget":
        typed = query.first(amount_param(q.field))
        if text == AMOUNT or (not text and typed):
            if not typed:
                entry.error = wt("error_amount_missing", lang) if check else None
                return
            text = typed
            entry.text = typed
        elif text:
            entry.text = "" if _is_choice(q, text) else text
    elif q.kind in ("integer", "string"):
        entry.text = text
    if not text:
        if q.field in query or check:  # given empty, or a submitted form: the question's empty answer
            if q.empty is not None:
                return
            if check and q.default is None:
                entry.error = wt("error_required", lang)
                return
        if q.default is not None:
            entry.value = q.default
        else:
            entry.value = None if q.empty is not None else contract_default(q.field)
        return
    try:
        entry.value = normalise(q.field, text)
    except ValueError as exc:
        entry.error = invalid(q, text, lang, str(exc))


def _is_choice(question: Question, text: str) -> bool:
    try:
        value = normalise(question.field, text)
    except ValueError:
        return False
    return any(c.value == value for c in question.choices)


def _read_list(entry: Entry, query: Query, lang: str) -> None:
    q = entry.question
    if q.field not in query:
        entry.value = list(q.default) if q.default is not None else contract_default(q.field)
        return
    items = [v.strip() for v in query.all(q.field) if v.strip()]
    good = []
    for item in items:
        try:
            normalise(q.field, [item])
        except ValueError:
            if entry.error is None:  # the first bad item is named; the valid ticks stay ticked
                entry.error = invalid(q, item, lang)
            continue
        good.append(item)
    entry.value = normalise(q.field, good)


def invalid(question: Question, text: str, lang: str, reason: str | None = None) -> str:
    """Why ``text`` is not an answer to ``question``, and what is allowed (shown beside the field).

    A typed number gets ``advisor ask``'s own message for its field or kind (they say what to
    type), a typed text the profile's own ``reason`` (too long, empty: the same words as a profile
    file gets); a choice gets the web's (there are no choice numbers to type on a page). A long
    answer is quoted cut short (``quoted``)."""
    from advisor.ask.text import msg
    from advisor.messages import translate

    if question.kind == "string" and reason:
        return translate(reason, lang)  # (the profile's message quotes the value cut short itself)
    text = quoted(text, lang)
    if question.kind in ("integer", "string"):
        own = f"invalid_{question.field}"
        return msg(own if own in msg.entries else f"invalid_{question.kind}", lang, text=text,
                   max=MAX_EMPLOYEES, max_count=MAX_COUNT)
    labels = wt("list_sep", lang).join(answer_text(question, c.value, lang) for c in question.choices)
    key = {"list": "error_list", "bool": "error_bool", "budget": "error_budget"}.get(question.kind, "error_choice")
    return wt(key, lang, text=text, labels=labels)


SHOWN_CHARACTERS = 60  # of a wrong answer, quoted in its message


def quoted(text: str, lang: str) -> str:
    """A wrong answer as its message quotes it: cut after ``SHOWN_CHARACTERS``, with its length."""
    if len(text) <= SHOWN_CHARACTERS:
        return text
    return wt("cut_text", lang, text=text[:SHOWN_CHARACTERS], count=f"{len(text):,}")


def placeholder(question: Question, lang: str) -> str:
    """What a text box shows before anything is typed: ``advisor ask``'s hint for the field or kind."""
    from advisor.ask.text import msg

    own = f"how_{question.field}"
    return msg(own if own in msg.entries else f"how_{question.kind}", lang)


def encode(question: Question, value: Any) -> list[str]:
    """A canonical value as query values of the question's parameter."""
    if isinstance(value, list):
        return ["", *map(encode_one, value)]  # the empty value says the list was given, even when it is empty
    return [encode_one(value)]


def query_items(values: Mapping[str, Any], questionnaire: Questionnaire, prefix: str = "") -> list[tuple[str, str]]:
    """The answers ``values`` as query items, in question order (for links and hidden fields)."""
    items = []
    for q in questionnaire.questions:
        if q.field in values and values[q.field] is not None:
            items += [(prefix + q.field, v) for v in encode(q, values[q.field])]
    return items


def changes_in(query: Query, questionnaire: Questionnaire) -> dict[str, list[str]]:
    """The what-if changes in ``query`` (``set.FIELD`` parameters): field -> its raw values."""
    changes = {q.field: query.all(SET_PREFIX + q.field) for q in questionnaire.questions
               if SET_PREFIX + q.field in query}
    for q in questionnaire.questions:  # a budget's typed amount travels beside it (budget_amount)
        amount = SET_PREFIX + q.field + "_amount"
        if q.kind == "budget" and q.field in changes and amount in query:
            changes[q.field + "_amount"] = query.all(amount)
    return changes


def read_changes(query: Query, questionnaire: Questionnaire, lang: str) -> Answers:
    """The what-if changes in ``query`` (``set.FIELD``), each read as its question reads an answer,
    whatever the other answers (``advisor whatif --set`` changes any field): the entries of the
    changed questions, and ``values``, field -> canonical value (``None``: the field made absent).
    The caller applies ``values`` with ``advisor.whatif.apply_changes``, as the command line and
    the API do."""
    raw = changes_in(query, questionnaire)
    given = Query(raw)
    entries: list[Entry] = []
    values: dict[str, Any] = {}
    for number, question in enumerate(questionnaire.questions, start=1):
        if question.field not in raw:
            continue
        entry = Entry(question, number, applies=True)
        entries.append(entry)
        _read(entry, given, lang, check=True)
        if entry.error is None:
            values[question.field] = entry.value
    return Answers(entries, values)


def skip_logic(question: Question) -> list[list[dict[str, Any]]]:
    """The question's ``ask_if`` for the page's script: groups (any) of tests (all), with values as
    the form sends them and each tested field's contract default (what a missing answer counts as)."""
    return [[{"field": t.field, "kind": t.kind, "values": [encode_one(v) for v in t.values],
              "default": _encode_default(t.field)} for t in group] for group in question.ask_if]


def encode_one(value: Any) -> str:
    """One canonical value as the form sends it (``true``/``false`` for yes/no)."""
    if isinstance(value, bool):
        return "true" if value else "false"
    return str(value)


def _encode_default(name: str) -> Any:
    default = contract_default(name)
    if isinstance(default, list):
        return [encode_one(v) for v in default]
    return None if default is None else encode_one(default)
