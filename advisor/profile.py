"""The enterprise profile (contract §1): parsing, normalising and validating one record.

Every spelling a user may write (Chinese labels, mixed case, ``是``/``否``, ``800万``) is
normalised here, so that everything downstream sees only the contract's canonical values.
"""

from __future__ import annotations

import functools
import math
import re
import types
from decimal import (
    ROUND_DOWN,
    ROUND_FLOOR,
    Context,
    Decimal,
    DivisionByZero,
    Inexact,
    InvalidOperation,
    Overflow,
)
from typing import Any, Callable, Mapping

from advisor.errors import SHOWN_CHARACTERS, Problem, ProfileError, shown
from advisor.records import Alias, Factory, Record
from advisor.surrogates import encodable
from advisor.surrogates import problem as surrogate_problem
from advisor.vocabulary import fold, vocabulary

MAX_BUDGET_CNY = 10**15  # far beyond any real budget; keeps numbers exact in the engine
MAX_EMPLOYEES = 10**8
MAX_COUNT = 10**15  # individuals, users, tokens a month: far beyond any real count; exact in the engine
MAX_NAME = 1000  # characters: a name longer than this is a mistake (a whole file in one cell)
# Between list items: ; | , and their full-width forms, 、 and a line break (Alt+Enter in an Excel cell).
LIST_SEPARATORS = re.compile(r"[;|,，；、｜\r\n]")


def _show(value: Any, limit: int = SHOWN_CHARACTERS) -> str:
    return shown(value, limit)


class _Normaliser:
    """A maker of a field's normaliser (``_enum("size")``), as ``Profile``'s annotations name it.

    Called in an annotation, it gives pydantic's ``BeforeValidator`` of the normaliser (when the
    mirror is made: pydantic is imported then, not before); ``parse_profile`` calls the very
    normaliser (``make``, one per arguments) without pydantic.
    """

    def __init__(self, make: Callable[..., Callable[[Any], Any]]) -> None:
        self.make = functools.cache(make)
        functools.update_wrapper(self, make)

    def __call__(self, *args: Any) -> Any:
        from pydantic import BeforeValidator

        return BeforeValidator(self.make(*args))


@_Normaliser
def _enum(field: str):
    def normalise(value: Any) -> str:
        voc = vocabulary()
        enum = voc.fields[field].values
        if isinstance(value, str):
            found = voc.lookup[enum].get(fold(value))
            if found:
                return found
        raise ValueError(f"value {_show(value)} is not allowed; allowed: {voc.allowed(enum)}")

    return normalise


@_Normaliser
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

    return normalise


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


# --- numbers as people write them --------------------------------------------------------------

_FULL_WIDTH = {code: code - 0xFEE0 for code in range(0xFF01, 0xFF5F)} | {0x3000: 0x20, 0xFFE5: 0xA5}
_SPACES = re.compile(r"[\s\u00a0\u2007\u202f\u2009\u200a]+")
_CURRENCY_BEFORE = ("人民币", "cny", "rmb", "¥")  # folded; ￥ is read as ¥
_CURRENCY_AFTER = ("元人民币", "人民币", "cny", "rmb", "元", "块")
_PER_YEAR = ("/年", "每年", "per year", "a year", "/year", "/yr", "p.a.")
_OTHER_CURRENCY = re.compile(r"\$|usd|€|eur|hkd|£|gbp|jpy|美元|欧元|港元|港币|日元|英镑")
_WORDS = re.compile(r"[^0-9., +\-e]")  # anything but a number's own characters
_PLAIN = re.compile(r"[0-9]{1,20}(?:\.[0-9]{1,2})?")  # 22 digits at most: far within every bound
_DIGITS = re.compile(r"[+-]?[0-9][0-9.,]*(?:e[+-]?[0-9]{1,9})?|[+-]?\.[0-9]+(?:e[+-]?[0-9]{1,9})?")
_GROUPED = re.compile(r"[0-9]{1,3}(?:[,][0-9]{3})+|[0-9]{1,3}(?:[.][0-9]{3})+")
MAX_DIGITS = 30  # significant digits of an amount or a count: far beyond any real one
_EXACT = Context(prec=MAX_DIGITS + 20, Emax=MAX_DIGITS + 20, Emin=-MAX_DIGITS - 20,
                 traps=[InvalidOperation, Inexact, Overflow, DivisionByZero])


def parse_amount(value: Any, *, money: bool = False) -> Decimal:
    """The exact number a person means by ``value``: an amount of CNY (``money``) or a count.

    Accepts an int, a finite float (to 15 significant digits, as a spreadsheet shows it), a
    ``Decimal``, or text as people and spreadsheets write numbers: ``350``, ``0350``, ``1,200``
    (thousands), ``8000000.00``, ``1.234.567,89`` and ``1,234.56`` (the last separator is the
    decimal one when both are used), full-width digits, spaces between digit groups, exponents
    (``8e6``), and a unit at the end (``万``, ``亿``, ``千万``, ``800W``, ``500k``, ``8 million``:
    contract.yaml's ``units`` and ``more_units``). With ``money``, a currency before or after (``￥``, ``¥``, ``CNY``,
    ``RMB``, ``人民币``, ``元``) and ``/年`` or ``per year`` are allowed too; another currency
    (``$``, ``USD``, ``€``) is refused.

    Never guesses: a comma that is not a thousands separator (``8000000,00``, ``1,5``) is
    refused with a hint to write a decimal point (a ``;``-separated CSV with decimal commas is
    converted cell by cell before it gets here: ``decimal_comma_to_point``). The result is exact
    (no float, no rounding) and has at most ``MAX_DIGITS`` significant digits. The sign is kept:
    ranges are the caller's. Raises ``ValueError`` with a message naming the value.
    """
    if isinstance(value, bool):
        raise ValueError(f"value {_show(value)} is not a number")
    if isinstance(value, Decimal):
        number = value
    elif isinstance(value, int):
        if value.bit_length() > 3 * MAX_DIGITS + 10:
            raise ValueError(f"value {_show(value)} is far too large")
        number = Decimal(value)
    elif isinstance(value, float):
        if not math.isfinite(value):
            raise ValueError(f"value {_show(value)} is not a number")
        # As a spreadsheet shows it, to 15 significant digits (Excel's): 499999.99, not its
        # binary expansion, and a computed 0.1 * 3 * 1e6 is 300000, not 300000.00000000006.
        number = Decimal(format(value, ".15g"))
    elif isinstance(value, str):
        return _amount_text(value, money)
    else:
        raise ValueError(f"value {_show(value)} is not a number")
    return _bounded(number, value)


def _amount_text(value: str, money: bool) -> Decimal:
    # Most cells of a client list are plain: 350, 800000, 499999.99, 800万, 1.2亿 (exact, and
    # within every bound by their length).
    if _PLAIN.fullmatch(value):
        return Decimal(value)
    unit = _unit_pattern().fullmatch(value)
    if unit and _PLAIN.fullmatch(unit["number"]):
        return _EXACT.multiply(Decimal(unit["number"]), Decimal(vocabulary().units_read[unit["unit"].casefold()]))
    text = _SPACES.sub(" ", value.translate(_FULL_WIDTH)).strip()
    folded = text.casefold()
    if _WORDS.search(folded):  # a currency, a per-year, 人: take them off
        if money:
            if _OTHER_CURRENCY.search(folded):
                raise ValueError(f"value {_show(value)} is not in CNY; give the amount in yuan (人民币)")
            folded = _strip_words(folded, _CURRENCY_BEFORE, _PER_YEAR + _CURRENCY_AFTER)
        else:
            folded = _strip_words(folded, (), ("人", "名"))
    factor = 1
    unit = _unit_pattern().fullmatch(folded)
    if unit:
        folded, factor = unit["number"], vocabulary().units_read[unit["unit"].casefold()]
        if money:
            folded = _strip_words(folded, (), _CURRENCY_AFTER)
    digits = folded.replace(" ", "")
    if not _DIGITS.fullmatch(digits):
        raise ValueError(f"value {_show(value)} is not a number")
    try:
        number = Decimal(_point_decimal(digits, value))
    except InvalidOperation:  # an exponent Decimal cannot hold
        raise ValueError(f"value {_show(value)} is far too large or too small") from None
    number = _bounded(number, value)
    if factor == 1:
        return number
    try:
        return _bounded(_EXACT.multiply(number, Decimal(factor)), value)
    except (Overflow, Inexact, InvalidOperation):
        raise ValueError(f"value {_show(value)} is far too large") from None


@functools.cache
def _unit_pattern() -> re.Pattern[str]:
    """``<number><unit>`` for every unit of contract.yaml (``units``, ``more_units``), longest first."""
    units = "|".join(re.escape(u) for u in vocabulary().units_read)  # already longest first
    return re.compile(rf"(?P<number>.*[0-9.])\s*(?P<unit>{units})", re.IGNORECASE)


def _strip_words(text: str, before: tuple[str, ...], after: tuple[str, ...]) -> str:
    changed = True
    while changed:
        changed = False
        for word in before:
            if text.startswith(word):
                text, changed = text[len(word):].lstrip(), True
        for word in after:
            if text.endswith(word) and len(text) > len(word):
                text, changed = text[: -len(word)].rstrip(), True
    return text


def _point_decimal(digits: str, value: str) -> str:
    """``digits`` (digits, ``,`` and ``.``) with thousands separators removed and a decimal point."""
    sign = digits[0] if digits[0] in "+-" else ""
    body, _, exponent = digits.lstrip("+-").partition("e")
    exponent = f"e{exponent}" if exponent or digits.endswith("e") else ""
    commas, points = body.count(","), body.count(".")
    if commas and points:  # both: the last one is the decimal separator, the other groups thousands
        decimal_at = max(body.rfind(","), body.rfind("."))
        whole, fraction = body[:decimal_at], body[decimal_at + 1:]
        if not _GROUPED.fullmatch(whole) or not fraction.isdigit() or "," in fraction or "." in fraction:
            raise ValueError(f"value {_show(value)} mixes ',' and '.' in a way that is not a number")
        return f"{sign}{whole.replace(',', '').replace('.', '')}.{fraction}{exponent}"
    if commas:
        if not _GROUPED.fullmatch(body):
            raise ValueError(f"value {_show(value)}: a comma here is not a thousands separator (1,200 or "
                             "8,000,000); write a decimal with a point, e.g. 8000000.00")
        return f"{sign}{body.replace(',', '')}{exponent}"
    if points > 1:
        if not _GROUPED.fullmatch(body):
            raise ValueError(f"value {_show(value)} is not a number")
        return f"{sign}{body.replace('.', '')}{exponent}"  # 8.000.000: points group thousands
    return f"{sign}{body}{exponent}"


def _bounded(number: Decimal, value: Any) -> Decimal:
    if not number.is_finite():
        raise ValueError(f"value {_show(value)} is not a number")
    if number and number.adjusted() > MAX_DIGITS:
        raise ValueError(f"value {_show(value)} is far too large")
    if number and number.adjusted() < -MAX_DIGITS:
        raise ValueError(f"value {_show(value)} has too many decimals")
    digits = number.as_tuple().digits
    if len(digits) > MAX_DIGITS and len("".join(map(str, digits)).strip("0")) > MAX_DIGITS:
        raise ValueError(f"value {_show(value)} has more than {MAX_DIGITS} significant digits")
    return number


def decimal_comma_to_point(text: str) -> str:
    """A number cell written with a decimal comma (``8000000,00``, ``1.234.567,89``), with a point.

    For a CSV whose conventions use the comma as the decimal separator (``;``-separated, as
    European Excel saves it): ``8000000,00`` → ``8000000.00``; ``1.234,5`` → ``1234.5``;
    ``8.000.000`` → ``8000000``. Text without a comma or a point is returned unchanged. A number
    the convention leaves ambiguous — a single ``,`` or ``.`` followed by exactly three digits
    (``1,500``: 1.5 or 1500?) — raises ``ValueError``: it is never guessed.
    """
    plain = text.translate(_FULL_WIDTH)
    if "," not in plain and "." not in plain:
        return text
    match = re.fullmatch(r"(?P<pre>\D*?)(?P<num>[0-9][0-9., \u00a0\u202f]*[0-9]|[0-9])(?P<post>\D*)", plain.strip())
    if not match:
        return text
    number = _SPACES.sub("", match["num"])
    commas, points = number.count(","), number.count(".")
    if commas > 1 or (commas == 1 and points and number.rfind(".") > number.rfind(",")):
        raise ValueError(f"value {_show(text)} is not a number with a decimal comma")
    if commas + points == 1 and re.fullmatch(r"[0-9]{1,3}[.,][0-9]{3}", number):  # 1,500 or 1.500
        grouped, decimal = number.replace(",", "").replace(".", ""), number.replace(",", ".")
        raise ValueError(f"value {_show(text)} is ambiguous ({grouped} or {decimal}); write it without a "
                         "thousands separator (the file writes decimals with a comma)")
    whole, _, fraction = number.partition(",")
    if points and not _GROUPED.fullmatch(whole):
        raise ValueError(f"value {_show(text)} is not a number with a decimal comma")
    converted = whole.replace(".", "") + (f".{fraction}" if fraction else "")
    return f"{match['pre']}{converted}{match['post']}"


def _employees(value: Any) -> int | None:
    if value is None:
        return None
    if type(value) is str and value.isascii() and value.isdigit() and len(value) <= 20:  # plain digits: as parse_amount reads them
        number = int(value)
        if 1 <= number <= MAX_EMPLOYEES:
            return number
    allowed = f"a whole number from 1 to {MAX_EMPLOYEES:,} (e.g. 350)"
    try:
        number = parse_amount(value)
    except ValueError as exc:
        raise ValueError(f"{exc}; allowed: {allowed}") from None
    if number != number.to_integral_value() or not 1 <= number <= MAX_EMPLOYEES:
        raise ValueError(f"value {_show(value)} is not allowed; allowed: {allowed}")
    return int(number)


def _budget(value: Any) -> str | int | Decimal:
    voc = vocabulary()
    if isinstance(value, str):
        band = voc.lookup["level"].get(fold(value))
        if band:
            return band
    allowed = f"{voc.allowed('level')}, or an annual amount in CNY such as 300000, 800万, ￥1.2亿 or 8 million"
    try:
        number = parse_amount(value, money=True)
    except ValueError as exc:
        raise ValueError(f"{exc}; allowed: {allowed}") from None
    if not 0 <= number <= MAX_BUDGET_CNY:
        raise ValueError(f"value {_show(value)} is out of range; allowed: 0 to {MAX_BUDGET_CNY:,} CNY")
    if number == number.to_integral_value():
        return int(number)
    cents = number.quantize(Decimal("0.01"), rounding=ROUND_DOWN)
    if cents != number:
        raise ValueError(f"value {_show(value)} has fractions of a fen; allowed: at most two decimals")
    return cents  # exact: 499999.99 stays below a 500000 threshold


def engine_number(amount: int | Decimal) -> int | float:
    """An exact amount as the rule engine compares it (a plain JSON number, never ``1E+6``).

    Whole amounts are ints. An amount with fen (``499999.99``) is given to the engine as its
    whole yuan plus one half (``499999.5``): exact in a double up to 2⁵², and on the same side
    of every whole-yuan threshold as the amount itself (the loader allows only whole-yuan
    thresholds on ``budget_cny``). So no rounding ever moves an amount across a threshold.
    """
    if isinstance(amount, int):
        return amount
    whole = int(amount.to_integral_value(rounding=ROUND_FLOOR))
    return whole if whole == amount else whole + 0.5


@_Normaliser
def _count(minimum: int, what: str, example: str):
    """A whole count (people, tokens) of at least ``minimum``, with 万/亿 as for budgets; absent: None."""

    def parse(value: Any) -> int | None:
        if value is None:
            return None
        allowed = f"a whole number from {minimum} to {MAX_COUNT:,}, 万 and 亿 allowed (e.g. {example})"
        try:
            number = parse_amount(value)
        except ValueError as exc:
            raise ValueError(f"{exc}; allowed: {what}, {allowed}") from None
        if number != number.to_integral_value() or not minimum <= number <= MAX_COUNT:
            raise ValueError(f"value {_show(value)} is not allowed; allowed: {allowed}")
        return int(number)

    return parse


def _name(value: Any) -> str:
    if isinstance(value, (int, float, Decimal)) and not isinstance(value, bool):
        value = str(value)
    if not isinstance(value, str) or not value.strip():
        raise ValueError(f"value {_show(value)} is not allowed; allowed: a non-empty name")
    name = value.strip()
    if len(name) > MAX_NAME:
        raise ValueError(f"value {_show(value)} is too long; allowed: a name of at most {MAX_NAME:,} characters")
    if not encodable(name):  # half of a UTF-16 pair: no output can hold it
        raise ValueError(surrogate_problem(value))
    return name


Bool = Alias("Annotated[bool, BeforeValidator(_bool)]")


class Profile(Record, config={"extra": "forbid", "frozen": True}):
    """One enterprise, validated and normalised to the contract's canonical values.

    A record (``advisor.records``): ``parse_profile`` validates by hand, with the normalisers the
    annotations name; ``Profile.model_validate`` and ``Profile.model_fields`` are pydantic's (the
    mirror), for callers that want them.
    """

    name: Annotated[str, BeforeValidator(_name)]
    size: Annotated[str | None, _enum("size")] = None
    employees: Annotated[int | None, BeforeValidator(_employees)] = None
    startup: Bool = False
    sector: Annotated[str, _enum("sector")]
    use_cases: Annotated[list[str], _enum_list("use_cases")] = Factory(list)
    privacy: Annotated[str, _enum("privacy")]
    budget: Annotated[str | int | Decimal, BeforeValidator(_budget)]  # a band, or exact CNY
    public_facing: Bool = False
    modalities: Annotated[list[str], _enum_list("modalities")] = Factory(lambda: ["text"])
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
    finance_subsector: Annotated[str, _enum("finance_subsector")] = "unspecified"  # extends §4.1


def parse_profile(
    data: Any, source: str | None = None, record: int | None = None, line: int | None = None
) -> Profile:
    """Validate one raw record (a mapping) into a ``Profile``, or raise ``ProfileError``.

    Keys may be field names or their Chinese names (``企业名称``, as CSV headers), in any case.
    """
    if not isinstance(data, Mapping):
        raise ProfileError([Problem(f"a profile is a mapping of field: value, got {kind_of(data)}")], source, record, line)
    known, problems = profile_fields(data)
    column_of = getattr(source, "column_of", None)
    checked = _check(known, column_of)
    if checked is None:  # a value the hand check cannot vouch for: pydantic (the mirror) says
        checked = _check_with_mirror(known, column_of)
    profile, wrong = checked
    problems += wrong
    if problems:  # every problem of the record at once, unknown fields first
        raise ProfileError(problems, source, record, line)
    if profile.size is None and profile.employees is None:
        raise ProfileError(
            [Problem(f"one of 'size' or 'employees' is required; size allowed: {vocabulary().allowed('size')}, "
                     "employees: a whole number from 1", "size")],
            source, record, line,
        )
    return profile


def profile_fields(data: Mapping[Any, Any]) -> tuple[dict[str, Any], list[str]]:
    """A raw record's values by field name, and the problems with its keys.

    A key is a field name or the field's Chinese name (contract §1), in any case and spacing.
    An empty value (``None``, blank text: an empty CSV cell, ``field:`` with nothing in YAML)
    means the field is absent. Problems: an unknown key (with a suggestion), two keys for one
    field (``name`` and ``企业名称``).
    """
    values: dict[str, Any] = {}
    keys: dict[str, Any] = {}
    problems: list[str] = []  # each a Problem: its message, field and value
    for key, value in data.items():
        if value is None or (isinstance(value, str) and not value.strip()):
            continue
        field = field_of(key)
        if field is None:
            problems.append(Problem(_unknown_field(key), key if isinstance(key, str) else _show(key), value))
        elif field in values:
            problems.append(Problem(f"keys {_show(keys[field])} and {_show(key)} both give field '{field}'; keep one",
                                    key if isinstance(key, str) else _show(key), value))
        else:
            values[field], keys[field] = value, key
    return values, problems


def field_of(key: Any) -> str | None:
    """The field a record's key names: the field name or its Chinese name, in any case; else None."""
    voc = vocabulary()
    if key in voc.fields:
        return key
    return voc.column_names.get(fold(key)) if isinstance(key, str) else None


def kind_of(value: Any) -> str:
    """What a value is, in words: ``text``, ``a list``, ``a number``."""
    if isinstance(value, str):
        return f"text {_show(value, 40)}"
    if isinstance(value, (list, tuple)):
        return "a list"
    if isinstance(value, (int, float, Decimal)) and not isinstance(value, bool):
        return "a number"
    if value is None:
        return "null"
    return type(value).__name__


@functools.lru_cache(maxsize=256)
def _unknown_field(key: Any) -> str:
    # Remembered: a list with a misspelt key has it in every record, and the suggestion
    # (difflib over every field name) costs more than scoring a record.
    import difflib  # only a run with a misspelling pays for it

    fields = vocabulary().fields
    names = [*fields, *(f.zh for f in fields.values())]
    close = difflib.get_close_matches(key, names, n=1) if isinstance(key, str) and len(key) < 100 else []
    hint = f" (did you mean '{close[0]}'?)" if close else ""
    return f"unknown field {_show(key)}{hint}; allowed fields: {', '.join(fields)} (or their Chinese names)"


# --- the check of the fields: by hand, as the mirror would ------------------------------------------


class _Before:
    """``BeforeValidator(fn)`` as ``_checks`` reads an annotation: the normaliser ``func``."""

    __slots__ = ("func",)

    def __init__(self, func: Callable[[Any], Any]) -> None:
        self.func = func


class _Annotated:
    """``Annotated[kind, *metadata]`` as ``_checks`` reads an annotation: ``(kind, *metadata)``."""

    def __getitem__(self, items: Any) -> tuple[Any, ...]:
        return items if isinstance(items, tuple) else (items,)


def _type_test(kind: Any) -> Callable[[Any], bool]:
    """Whether a normalised value is of the annotation's type ``kind`` as it is, with nothing to
    convert (``str``, ``int | None``, ``list[str]``: exact types; a ``bool`` is not an ``int``)."""
    if kind is Any:
        return lambda value: True
    if isinstance(kind, types.UnionType):
        tests = [_type_test(member) for member in kind.__args__]
        exact = {member for member in kind.__args__ if isinstance(member, type)}
        if len(exact) == len(tests):
            return lambda value: type(value) in exact
        return lambda value: any(test(value) for test in tests)
    if getattr(kind, "__origin__", None) is list and len(kind.__args__) == 1:
        item = _type_test(kind.__args__[0])
        return lambda value: type(value) is list and all(map(item, value))
    if kind is None or kind is types.NoneType:
        return lambda value: value is None
    if isinstance(kind, type) and not getattr(kind, "__args__", None):
        return lambda value: type(value) is kind
    raise TypeError(f"Profile: type {kind!r} is not one parse_profile checks; add it to _type_test")


@functools.cache
def _checks() -> tuple[tuple[str, tuple[Callable[[Any], Any], ...], Callable[[Any], bool], bool], ...]:
    """Each field of ``Profile`` in order: the normalisers its annotation names (in the order
    pydantic runs them), the test of its type, and whether it is required.

    Read from the annotations' text, with ``Annotated``, ``BeforeValidator`` and the makers of
    normalisers (``_enum``) standing for themselves without pydantic: the very functions the
    mirror is given, so that the hand check and ``Profile.model_validate`` agree.
    """
    names = dict(globals())
    names.update((name, lambda *args, _make=value.make: _Before(_make(*args)))
                 for name, value in globals().items() if isinstance(value, _Normaliser))
    names["Annotated"], names["BeforeValidator"], names["Any"] = _Annotated(), _Before, Any
    for name, value in list(names.items()):
        if isinstance(value, Alias):
            names[name] = eval(str(value), names)  # noqa: S307 - the module's own text
    fields, defaults = Profile.__record_fields__, Profile.__record_defaults__
    text = ", ".join(Profile.__annotations__[field] for field in fields)
    checks = []
    for field, found in zip(fields, eval(f"[{text}]", names)):  # noqa: S307 - the module's own text (one compile)
        kind, *metadata = found if isinstance(found, tuple) else (found,)
        while isinstance(kind, tuple):  # Annotated[Bool, ...]: the alias's metadata first, as pydantic flattens it
            kind, *inner = kind
            metadata = [*inner, *metadata]
        if not all(isinstance(item, _Before) for item in metadata):
            raise TypeError(f"Profile.{field}: only BeforeValidator metadata is checked by parse_profile")
        normalisers = tuple(item.func for item in reversed(metadata))  # pydantic runs the last one first
        checks.append((field, normalisers, _type_test(kind), field not in defaults))
    return tuple(checks)


def _check(known: dict[str, Any], column_of: Any = None) -> tuple[Profile | None, list[str]] | None:
    """``(profile, [])`` for a record's values by field (``profile_fields``), or ``(None,
    problems)``: each required field missing, each value its normaliser refuses, in field order,
    said as ``_describe`` says pydantic's errors. None when a value is not of its field's type
    once normalised (or a field is not the model's): pydantic then decides, as it would have."""
    checks = _checks()
    if len(known) > len(checks):
        return None
    values: dict[str, Any] = {}
    problems: list[str] = []
    for field, normalisers, is_of_type, required in checks:
        if field not in known:
            if required:
                problems.append(_missing(field, field, column_of))
            continue
        value = known[field]
        try:
            for normalise in normalisers:
                value = normalise(value)
        except ValueError as exc:
            problems.append(_refused(field, field, str(exc), known, column_of))
            continue
        if not is_of_type(value):
            return None
        values[field] = value
    if len(values) + len(problems) < len(known):  # a key that is no field of the model's
        return None
    if problems:
        return None, problems
    return Profile(**values), []


def _check_with_mirror(known: dict[str, Any], column_of: Any = None) -> tuple[Profile | None, list[str]]:
    """``_check`` by pydantic: the mirror validates, ``_describe`` says its errors."""
    from pydantic import ValidationError

    try:
        return Profile.model_validate(known), []
    except ValidationError as exc:
        return None, _describe(exc, known, column_of)


def _named(field: str, column_of: Any) -> str:
    # ``column_of(field)``: where a source such as a worksheet has the field ("column B '员工人数'").
    column = column_of(field) if column_of is not None else None
    return f"field '{field}' ({column})" if column else f"field '{field}'"


def _missing(field: str, at: str | None, column_of: Any) -> Problem:
    voc = vocabulary()
    spec = voc.fields.get(field)
    allowed = voc.allowed(spec.values) if spec and spec.values and spec.type != "budget" else None
    if spec and spec.type == "budget":
        allowed = f"{voc.allowed('level')}, or an amount in CNY such as 800万"
    elif spec and spec.type == "string":
        allowed = "a non-empty name"
    return Problem(f"{_named(field, column_of)} is required" + (f"; allowed: {allowed}" if allowed else ""), at)


def _refused(field: str, at: str | None, reason: str, data: Mapping[str, Any], column_of: Any) -> Problem:
    # A lone surrogate is said as such, whichever field refused it.
    reason = surrogate_problem(data.get(field)) or reason
    return Problem(f"{_named(field, column_of)}: {reason}", at, data.get(field))


def _describe(exc: Any, data: Mapping[str, Any], column_of: Any = None) -> list[str]:
    """pydantic's ``ValidationError`` of the mirror as problems, each said as the hand check says it."""
    problems = []
    for err in exc.errors(include_url=False):
        at = str(err["loc"][0]) if err["loc"] else None  # None: the record as a whole
        field = at or "?"
        if err["type"] == "missing":
            problems.append(_missing(field, at, column_of))
        elif err["type"] == "value_error":
            problems.append(_refused(field, at, str(err["msg"]).removeprefix("Value error, "), data, column_of))
        else:
            problems.append(Problem(f"{_named(field, column_of)}: value {_show(data.get(field))} is not allowed "
                                    f"({err['msg']})", at, data.get(field)))
    return problems
