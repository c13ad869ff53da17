"""The enterprise profile (contract §1): parsing, normalising and validating one record.

Every spelling a user may write (Chinese labels, mixed case, ``是``/``否``, ``800万``) is
normalised here, so that everything downstream sees only the contract's canonical values.
"""

from __future__ import annotations

import difflib
import functools
import math
import re
from decimal import Decimal, InvalidOperation
from typing import Annotated, Any, Mapping

from pydantic import BaseModel, BeforeValidator, ConfigDict, Field, ValidationError

from advisor.errors import ProfileError
from advisor.vocabulary import fold, vocabulary

MAX_BUDGET_CNY = 10**15  # far beyond any real budget; keeps numbers exact in the engine
MAX_EMPLOYEES = 10**8
MAX_COUNT = 10**15  # individuals, users, tokens a month: far beyond any real count; exact in the engine
LIST_SEPARATORS = re.compile(r"[;|,，；、]")


def _show(value: Any) -> str:
    return repr(value) if not isinstance(value, str) else f"'{value}'"


def _enum(field: str):
    def normalise(value: Any) -> str:
        voc = vocabulary()
        enum = voc.fields[field].values
        if isinstance(value, str):
            found = voc.lookup[enum].get(fold(value))
            if found:
                return found
        raise ValueError(f"value {_show(value)} is not allowed; allowed: {voc.allowed(enum)}")

    return BeforeValidator(normalise)


def _enum_list(field: str):
    def normalise(value: Any) -> list[str]:
        voc = vocabulary()
        enum = voc.fields[field].values
        if value is None:
            return list(voc.fields[field].default)
        items = LIST_SEPARATORS.split(value) if isinstance(value, str) else value
        if not isinstance(items, (list, tuple)):
            raise ValueError(f"value {_show(value)} is not a list; allowed items: {voc.allowed(enum)}")
        out: list[str] = []
        for item in items:
            if isinstance(item, str) and not item.strip():
                continue
            found = voc.lookup[enum].get(fold(item)) if isinstance(item, str) else None
            if not found:
                raise ValueError(f"item {_show(item)} is not allowed; allowed items: {voc.allowed(enum)}")
            if found not in out:
                out.append(found)
        return sorted(out, key=list(voc.enums[enum]).index)  # canonical order: same facts, same bytes

    return BeforeValidator(normalise)


def _bool(value: Any) -> bool:
    voc = vocabulary()
    if isinstance(value, bool):
        return value
    if isinstance(value, int) and value in (0, 1):
        return bool(value)
    if isinstance(value, str):
        word = fold(value)
        if word in voc.true_words:
            return True
        if word in voc.false_words:
            return False
    raise ValueError(f"value {_show(value)} is not a yes/no value; allowed: true/false, yes/no, 1/0, 是/否")


def _number(value: Any, what: str) -> Decimal:
    """A non-negative number from an int, float or text such as ``1,200``, ``800万`` or ``1.5亿``."""
    if isinstance(value, bool):
        raise ValueError(f"value {_show(value)} is not {what}")
    if isinstance(value, (int, float)):
        if isinstance(value, float) and not math.isfinite(value):
            raise ValueError(f"value {_show(value)} is not {what}")
        return Decimal(str(value))
    if not isinstance(value, str):
        raise ValueError(f"value {_show(value)} is not {what}")
    text = value.strip().replace(",", "").replace("，", "").replace(" ", "")
    for suffix in ("元", "cny", "CNY", "rmb", "RMB", "人"):
        text = text.removesuffix(suffix)
    factor = 1
    for unit, multiplier in vocabulary().units.items():
        if text.endswith(unit):
            text, factor = text[: -len(unit)], multiplier
            break
    try:
        number = Decimal(text) * factor
    except InvalidOperation:
        raise ValueError(f"value {_show(value)} is not {what}") from None
    if not number.is_finite():
        raise ValueError(f"value {_show(value)} is not {what}")
    return number


def _employees(value: Any) -> int | None:
    if value is None:
        return None
    number = _number(value, "a whole number of employees (e.g. 350)")
    if number != number.to_integral_value() or not 1 <= number <= MAX_EMPLOYEES:
        raise ValueError(f"value {_show(value)} is not allowed; allowed: a whole number from 1 to {MAX_EMPLOYEES}")
    return int(number)


def _budget(value: Any) -> str | int:
    voc = vocabulary()
    if isinstance(value, str):
        band = voc.lookup["level"].get(fold(value))
        if band:
            return band
    allowed = f"{voc.allowed('level')}, or an annual amount in CNY such as 300000, 800万 or 1.2亿"
    try:
        number = _number(value, "a budget")
    except ValueError:
        raise ValueError(f"value {_show(value)} is not allowed; allowed: {allowed}") from None
    if not 0 <= number <= MAX_BUDGET_CNY:
        raise ValueError(f"value {_show(value)} is out of range; allowed: 0 to {MAX_BUDGET_CNY} CNY")
    return int(number.to_integral_value())


def _count(minimum: int, what: str, example: str):
    """A whole count (people, tokens) of at least ``minimum``, with 万/亿 as for budgets; absent: None."""

    def parse(value: Any) -> int | None:
        if value is None:
            return None
        allowed = f"a whole number from {minimum} to {MAX_COUNT}, 万 and 亿 allowed (e.g. {example})"
        try:
            number = _number(value, what)
        except ValueError:
            raise ValueError(f"value {_show(value)} is not {what}; allowed: {allowed}") from None
        if number != number.to_integral_value() or not minimum <= number <= MAX_COUNT:
            raise ValueError(f"value {_show(value)} is not allowed; allowed: {allowed}")
        return int(number)

    return BeforeValidator(parse)


def _name(value: Any) -> str:
    if isinstance(value, (int, float)) and not isinstance(value, bool):
        value = str(value)
    if not isinstance(value, str) or not value.strip():
        raise ValueError(f"value {_show(value)} is not allowed; allowed: a non-empty name")
    return value.strip()


Bool = Annotated[bool, BeforeValidator(_bool)]


class Profile(BaseModel):
    """One enterprise, validated and normalised to the contract's canonical values."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    name: Annotated[str, BeforeValidator(_name)]
    size: Annotated[str | None, _enum("size")] = None
    employees: Annotated[int | None, BeforeValidator(_employees)] = None
    startup: Bool = False
    sector: Annotated[str, _enum("sector")]
    use_cases: Annotated[list[str], _enum_list("use_cases")] = Field(default_factory=list)
    privacy: Annotated[str, _enum("privacy")]
    budget: Annotated[str | int, BeforeValidator(_budget)]
    public_facing: Bool = False
    modalities: Annotated[list[str], _enum_list("modalities")] = Field(default_factory=lambda: ["text"])
    personal_info: Annotated[str, _enum("personal_info")] = "none"
    cross_border: Bool = False
    customization: Annotated[str, _enum("customization")] = "none"
    ml_team: Annotated[str, _enum("ml_team")] = "basic"
    has_gpu_infrastructure: Bool = False
    on_device: Bool = False
    critical_infrastructure: Bool = False
    # Contract §4.1 (second release).
    serves_businesses: Bool = False
    publishes_generated_content: Bool = False
    minors: Bool = False
    pi_individuals: Annotated[int | None, _count(0, "a number of individuals", "120万")] = None
    eu_market: Bool = False
    users: Annotated[int | None, _count(1, "a number of users", "300")] = None
    monthly_tokens: Annotated[int | None, _count(0, "a number of tokens a month", "5000万")] = None


def parse_profile(
    data: Any, source: str | None = None, record: int | None = None, line: int | None = None
) -> Profile:
    """Validate one raw record (a mapping) into a ``Profile``, or raise ``ProfileError``."""
    if not isinstance(data, Mapping):
        raise ProfileError(
            [f"a profile is a mapping of field: value, got {type(data).__name__}"], source, record, line
        )
    # Empty values (an empty CSV cell, `field:` with nothing in YAML) mean "absent".
    cleaned = {
        str(k).strip(): v for k, v in data.items() if v is not None and not (isinstance(v, str) and not v.strip())
    }
    problems = _unknown_fields(cleaned)
    known = {k: v for k, v in cleaned.items() if k in vocabulary().fields}
    try:
        profile = Profile.model_validate(known)
    except ValidationError as exc:
        problems += _describe(exc, known)
    if problems:  # every problem of the record at once, unknown fields first
        raise ProfileError(problems, source, record, line)
    if profile.size is None and profile.employees is None:
        raise ProfileError(
            [f"one of 'size' or 'employees' is required; size allowed: {vocabulary().allowed('size')}, "
             "employees: a whole number from 1"],
            source, record, line,
        )
    return profile


def _unknown_fields(data: Mapping[str, Any]) -> list[str]:
    fields = vocabulary().fields
    return [_unknown_field(key) for key in data if key not in fields]


@functools.lru_cache(maxsize=256)
def _unknown_field(key: Any) -> str:
    # Remembered: a list with a misspelt key has it in every record, and the suggestion
    # (difflib over every field name) costs more than scoring a record.
    fields = vocabulary().fields
    close = difflib.get_close_matches(key, list(fields), n=1) if isinstance(key, str) else []
    hint = f" (did you mean '{close[0]}'?)" if close else ""
    return f"unknown field '{key}'{hint}; allowed fields: {', '.join(fields)}"


def _describe(exc: ValidationError, data: Mapping[str, Any]) -> list[str]:
    voc = vocabulary()
    problems = []
    for err in exc.errors(include_url=False):
        field = str(err["loc"][0]) if err["loc"] else "?"
        if err["type"] == "missing":
            spec = voc.fields.get(field)
            allowed = voc.allowed(spec.values) if spec and spec.values and spec.type != "budget" else None
            if spec and spec.type == "budget":
                allowed = f"{voc.allowed('level')}, or an amount in CNY such as 800万"
            elif spec and spec.type == "string":
                allowed = "a non-empty name"
            problems.append(f"field '{field}' is required" + (f"; allowed: {allowed}" if allowed else ""))
        elif err["type"] == "value_error":
            problems.append(f"field '{field}': {str(err['msg']).removeprefix('Value error, ')}")
        else:
            problems.append(f"field '{field}': value {_show(data.get(field))} is not allowed ({err['msg']})")
    return problems
