"""Hypothesis strategies for hostile input: profiles, CSV and JSON Lines files, rule-pack fragments.

Values are drawn from what users and spreadsheets produce (labels in both languages, amounts as
people write them, Excel's wrappers) and from what breaks programs (huge and non-finite numbers,
deep nesting, control characters, long cells, wrong encodings, broken YAML). Shapes come from the
public contract (``advisor/contract.yaml``); nothing here knows a rule.
"""

from __future__ import annotations

import csv
import functools
import io
import json
from dataclasses import dataclass
from typing import Any

from hypothesis import strategies as st

from advisor.vocabulary import vocabulary

# --- scalar values -----------------------------------------------------------------------------

CONTROL = st.sampled_from(["\x00", "\x07", "\x0b", "\x0c", "\x1b[2J", "\x1b]0;T\x07", "\x7f", "\x85", "\x9b",
                           "\u202e", "\u2028", "\ufeff", "\r", "\n", "\t", "\u3000"])
_TRICKY = [
    "", " ", "  ", "\"", "'", ",", ";", "|", "｜", "、", "，", "：", ":", "# x", "- x", "[x]", "{x}", "&", "<b>",
    "=\"350\"", "'350", "=1+1", "@SUM(A1)", "null", "~", "yes", "no", "on", "off", "true", "NaN", "inf", "-inf",
    "0350", "0x1F", "1e1000000", "9" * 5000, "-1", "0", "3.5", "1,000", "1 000", "１２０", "800万", "8000万",
    "1.2亿", "￥800万", "¥80万", "CNY 800万", "800W", "8 million", "千万", "2024-01-01", "12:30", "😀", "𠮷",
    "\ud83d", "A" * 300, "企" * 200,
]
TRICKY_TEXT = st.sampled_from(_TRICKY)
_NUMBERS = st.one_of(
    st.integers(), st.integers(min_value=-(10 ** 30), max_value=10 ** 30), st.just(5000).map(lambda digits: 10 ** digits),  # past the int-to-text limit
    st.floats(allow_nan=True, allow_infinity=True), st.sampled_from([0, 1, 350, 10 ** 18, -0.0, 1e308, 5e-324]),
)


def _enum_spellings(enum: str) -> list[str]:
    out: list[str] = []
    for value, labels in vocabulary().enums[enum].items():
        out += [value, labels["zh"], labels["en"], value.upper(), f" {labels['zh']} "]
    return out


@functools.lru_cache(maxsize=None)  # strategies are immutable: build each once
def text_values(max_size: int = 40) -> st.SearchStrategy[str]:
    """Strings: ordinary, tricky, with control characters, or random Unicode (a lone surrogate too)."""
    pieces = st.one_of(TRICKY_TEXT, CONTROL, st.text(max_size=max_size),
                       st.text(st.characters(codec="utf-8"), max_size=max_size))
    return st.lists(pieces, min_size=0, max_size=4).map("".join)


@functools.lru_cache(maxsize=None)  # strategies are immutable: build each once
def field_text(field: str) -> st.SearchStrategy[str]:
    """What a user might type in a cell of this field: mostly plausible, sometimes hostile."""
    spec = vocabulary().fields[field]
    plausible: st.SearchStrategy[str]
    if spec.values:
        spellings = _enum_spellings(spec.values)
        one = st.sampled_from(spellings)
        if spec.type == "list":
            plausible = st.lists(one, max_size=4).flatmap(
                lambda items: st.sampled_from([";", "|", "、", ",", "\n", "｜"]).map(lambda sep: sep.join(items)))
        else:
            plausible = one
        if spec.type == "budget":
            plausible = st.one_of(plausible, st.sampled_from(["30万", "800万", "1200万", "2亿", "499999.99",
                                                              "500000", "8000000,00", "1e9"]))
    elif spec.type == "integer":
        plausible = st.one_of(st.integers(min_value=-5, max_value=10 ** 7).map(str), st.sampled_from(["350", "0350"]))
    elif spec.type == "bool":
        plausible = st.sampled_from(["是", "否", "true", "false", "yes", "no", "1", "0", "有", "没有", ""])
    else:
        plausible = st.text(min_size=1, max_size=30)
    return st.one_of(plausible, plausible, plausible, text_values())


def deep(depth: int, leaf: Any = "x") -> Any:
    """A list nested ``depth`` levels deep (built without recursion)."""
    value = leaf
    for _ in range(depth):
        value = [value]
    return value


@functools.lru_cache(maxsize=None)  # strategies are immutable: build each once
def any_value() -> st.SearchStrategy[Any]:
    """A value of any JSON/YAML type, hostile ones included."""
    scalars = st.one_of(st.none(), st.booleans(), _NUMBERS, text_values())
    nested = st.recursive(scalars, lambda inner: st.one_of(st.lists(inner, max_size=3),
                                                           st.dictionaries(text_values(8), inner, max_size=3)),
                          max_leaves=8)
    return st.one_of(nested, st.integers(min_value=100, max_value=3000).map(deep))


@functools.lru_cache(maxsize=None)  # strategies are immutable: build each once
def field_value(field: str) -> st.SearchStrategy[Any]:
    """A profile value: the text a user would type, a typed value, or anything at all."""
    spec = vocabulary().fields[field]
    typed: list[st.SearchStrategy[Any]] = [field_text(field)]
    if spec.type == "integer":
        typed.append(_NUMBERS)
    if spec.type == "budget":
        typed.append(_NUMBERS)
    if spec.type == "bool":
        typed.append(st.booleans())
    if spec.type == "list" and spec.values:
        typed.append(st.lists(st.sampled_from(_enum_spellings(spec.values)), max_size=4))
    return st.one_of(*typed, *typed, any_value())


# --- profiles ---------------------------------------------------------------------------------------


@functools.lru_cache(maxsize=None)  # strategies are immutable: build each once
def profiles() -> st.SearchStrategy[dict]:
    """Profile mappings: mostly complete and plausible, with hostile values, missing and unknown keys."""
    fields = list(vocabulary().fields)
    required = [f for f, spec in vocabulary().fields.items() if spec.required]

    @st.composite
    def build(draw: st.DrawFn) -> dict:
        chosen = draw(st.lists(st.sampled_from(fields), unique=True, max_size=len(fields)))
        if draw(st.booleans()):
            chosen = list(dict.fromkeys(required + ["size"] + chosen))
        out: dict[Any, Any] = {}
        for field in chosen:
            key = field if draw(st.integers(0, 3)) else vocabulary().fields[field].zh  # Chinese keys too
            out[key] = draw(field_value(field))
        if draw(st.integers(0, 9)) == 0:
            out[draw(text_values(10))] = draw(any_value())  # an unknown key
        return out

    return build()


# --- files for `advisor batch` -----------------------------------------------------------------------


@dataclass
class BatchFile:
    """A generated input file and what must come out of it."""

    suffix: str
    data: bytes
    records: int  # the records a reader must find: every one scored or reported, none lost
    note: str = ""


ENCODINGS = ["utf-8", "utf-8-sig", "gb18030", "utf-16"]


def _encode(text: str, encoding: str, bad_bytes: bool = True) -> bytes:
    """``text`` in ``encoding``; a lone surrogate is written as UTF-8 would write it (invalid bytes),
    or, without ``bad_bytes``, as '?'."""
    return text.encode(encoding, errors="surrogatepass" if bad_bytes and encoding.startswith("utf-8") else "replace")


@st.composite
def csv_files(draw: st.DrawFn, max_rows: int = 25, known_faults: bool = True) -> BatchFile:
    """A CSV file: a header of known columns (field names or Chinese names), then rows of cells.

    ``known_faults=False`` leaves out the shapes of the faults pinned (not fixed yet) in
    ``test_found_faults.py``: bytes invalid in the file's encoding, names over 1,000 characters.
    """
    fields = [f for f in vocabulary().fields if f != "name"]
    columns = ["name"] + draw(st.lists(st.sampled_from(fields), unique=True, max_size=len(fields)))
    header = [c if draw(st.booleans()) else vocabulary().fields[c].zh for c in columns]
    rows = []
    for _ in range(draw(st.integers(0, max_rows))):
        name = draw(st.text(st.characters(blacklist_categories=("Zs", "Cc", "Zl", "Zp", "Cs")), min_size=1,
                            max_size=12)) + draw(st.one_of(st.just(""), text_values(10),
                                                          st.just("N" * 1500 if known_faults else "N")))
        cells = [name] + [draw(field_text(c)) for c in columns[1:]]
        cut = draw(st.integers(0, 12))
        if cut == 0 and len(cells) > 1:
            cells = cells[: draw(st.integers(1, len(cells) - 1))]  # a short row
        elif cut == 1:
            cells = cells + [draw(text_values(5))]  # a long row
        elif cut == 2:
            cells[-1] = cells[-1] + "x" * draw(st.sampled_from([1000, 140_000]))  # over csv's field limit
        rows.append(cells)
    delimiter = draw(st.sampled_from([",", ",", ",", ";", "\t"]))
    quoting = draw(st.sampled_from([csv.QUOTE_MINIMAL, csv.QUOTE_ALL]))
    terminator = draw(st.sampled_from(["\r\n", "\n"]))
    encoding = draw(st.sampled_from(ENCODINGS))
    mixed = known_faults and encoding == "utf-8" and draw(st.integers(0, 9)) == 0  # a GBK row among UTF-8 rows

    def line(cells: list[str]) -> str:
        for how in (quoting, csv.QUOTE_ALL):
            buffer = io.StringIO()
            csv.writer(buffer, delimiter=delimiter, quoting=how, lineterminator=terminator).writerow(cells)
            if _one_row(buffer.getvalue(), delimiter) == cells:
                break  # csv's writer leaves a lone carriage return unquoted unless told to quote all
        return buffer.getvalue()

    lines = [line(header)] + [line(r) for r in rows]
    if encoding == "utf-16":
        data = _encode("".join(lines), "utf-16")
    elif mixed and rows:
        which = draw(st.integers(1, len(rows)))
        data = b"".join(_encode(text, "gb18030" if i == which else "utf-8") for i, text in enumerate(lines))
    else:
        data = _encode("".join(lines), encoding, bad_bytes=known_faults)
    suffix = ".tsv" if delimiter == "\t" and draw(st.booleans()) else ".csv"
    note = f"delimiter={delimiter!r} encoding={encoding}{' mixed' if mixed else ''}"
    return BatchFile(suffix, data, len(rows), note)


def _one_row(text: str, delimiter: str) -> list[str] | None:
    previous = csv.field_size_limit(1 << 24)  # a process-wide setting: the reader under test relies on it
    try:
        rows = list(csv.reader(io.StringIO(text, newline=""), delimiter=delimiter))
    finally:
        csv.field_size_limit(previous)
    return rows[0] if len(rows) == 1 else None


@st.composite
def jsonl_files(draw: st.DrawFn, max_rows: int = 12) -> BatchFile:
    """A JSON Lines file: one profile object per line, with broken lines and non-objects among them."""
    lines = []
    for _ in range(draw(st.integers(0, max_rows))):
        kind = draw(st.integers(0, 11))
        if kind == 0:
            text = draw(text_values(30))  # not JSON at all
        else:
            value = draw(any_value() if kind == 1 else profiles())  # not a profile, or one
            try:
                text = json.dumps(value, ensure_ascii=draw(st.booleans()), allow_nan=True)
            except (TypeError, ValueError, RecursionError):  # deeper than json can write, a huge integer
                text = "{}"
        text = text.replace("\n", " ").replace("\r", " ").replace("\u2028", " ").replace("\u2029", " ")
        text = text.replace("\x0b", " ").replace("\x0c", " ").replace("\x1c", " ").replace("\x1d", " ")
        text = text.replace("\x1e", " ").replace("\x85", " ")
        if not text.strip():
            text = "x"
        lines.append(text)
    blank = draw(st.integers(0, 3))  # blank lines are no records
    body = "\n".join(lines + [""] * blank)
    encoding = draw(st.sampled_from(["utf-8", "utf-8-sig"]))
    return BatchFile(".jsonl", _encode(body, encoding), len(lines))


# --- rule-pack fragments -------------------------------------------------------------------------------

_OPS = ["eq", "ne", "in", "not_in", "lt", "lte", "gt", "gte", "contains", "contains_any", "between", "=="]
_MODES = ["on_premise", "saas", "paas", "maas", "hybrid", "aaas", "nowhere"]


def _conditions(depth: int = 3) -> st.SearchStrategy[Any]:
    fields = list(vocabulary().fields) + ["mode", "no_such_field", "企业名称"]
    value = st.one_of(st.sampled_from(_enum_spellings("sector") + _enum_spellings("level")), _NUMBERS,
                      st.booleans(), st.lists(st.sampled_from(_enum_spellings("use_case")), max_size=3),
                      text_values(8), st.none())
    leaf = st.one_of(
        st.builds(lambda f, v: {f: v}, st.sampled_from(fields), value),
        st.builds(lambda f, op, v: {f: {op: v}}, st.sampled_from(fields), st.sampled_from(_OPS), value),
        st.builds(lambda fact: {"fact": fact}, st.sampled_from(["sensitive", "missing_fact", "", 5])),
    )
    return st.recursive(leaf, lambda inner: st.one_of(
        st.builds(lambda items: {"all": items}, st.lists(inner, max_size=3)),
        st.builds(lambda items: {"any": items}, st.lists(inner, max_size=3)),
        st.builds(lambda item: {"not": item}, inner)), max_leaves=6)


def _effects() -> st.SearchStrategy[Any]:
    points = st.one_of(_NUMBERS, st.sampled_from([".nan", "1e400", "two"]))
    return st.one_of(
        st.builds(lambda m, p: {"score": {"mode": m, "points": p}}, st.sampled_from(_MODES), points),
        st.builds(lambda f: {"derive": f}, st.sampled_from(["sensitive", "new_fact", "", 3])),
        st.builds(lambda p: {"pricing": p}, st.lists(st.sampled_from(["subscription", "annual_license", "gift"]),
                                                     max_size=3)),
        st.builds(lambda a, b: {"model_size": {"min": a, "max": b}}, _NUMBERS, _NUMBERS),
        st.builds(lambda t: {"note": {"en": t, "zh": t}}, text_values(20)),
        st.builds(lambda i, s: {"comply": {"item": i, "status": s}},
                  st.sampled_from(["mlps-classified-protection", "no-such-item"]),
                  st.sampled_from(["required", "recommended", "maybe"])),
        any_value(),
    )


def many_rules(count: int, field: str = "employees") -> str:
    """``count`` rules testing one numeric field with different comparisons (the shape that meets
    the rule engine's fixed limits)."""
    ops = ["lt", "lte", "gt", "gte"]
    lines = ["rules:"]
    for n in range(count):
        lines += [f"  - id: MANY-{n}", "    description: {en: many, zh: 很多}", "    source: project assumption",
                  f"    when: {{{field}: {{{ops[n % 4]}: {10 + n * 7}}}}}",
                  f"    then: [{{score: {{mode: {_MODES[n % 6]}, points: 1}}}}]"]
    return "\n".join(lines) + "\n"


@st.composite
def rule_fragments(draw: st.DrawFn) -> str:
    """The text of one extra rule file: plausible rules, odd values, broken YAML, or many rules
    on one field."""
    import yaml

    kind = draw(st.integers(0, 19))
    if kind == 19:
        return many_rules(draw(st.sampled_from([50, 170, 400, 600])))
    if kind == 0:  # raw text: empty, broken, aliases, deep nesting, tabs, duplicate keys
        return draw(st.sampled_from([
            "", "   \n", "rules:\n", "rules: []\n", "- a\n- b\n", "rules: [\n", "rules:\n\t- id: X\n",
            "a: &a [x, x, x, x]\nb: &b [*a, *a, *a, *a]\nc: &c [*b, *b, *b, *b]\nd: [*c, *c, *c, *c]\n",
            "rules:\n" + "  " + "[" * 5000 + "]" * 5000 + "\n",
            "rules:\n  - id: A\n    id: B\n", "\x00\x01\x02", "rules:\n  - id: X\n    points: .nan\n",
        ])) + draw(text_values(20))
    rules = []
    for n in range(draw(st.integers(1, 4))):
        rule: dict[str, Any] = {
            "id": draw(st.one_of(st.just(f"FUZZ-{n}"), st.just("T-SAAS"), text_values(12))),
            "description": {"en": draw(text_values(20)), "zh": draw(text_values(20))},
            "source": draw(st.one_of(st.just("project assumption"), text_values(20))),
        }
        if draw(st.booleans()):
            rule["when"] = draw(_conditions())
        rule["then"] = draw(st.lists(_effects(), min_size=0, max_size=3))
        for key in draw(st.lists(st.sampled_from(["description", "source", "then", "id"]), max_size=1)):
            rule.pop(key, None)  # a key left out
        rules.append(rule)
    document: dict[str, Any] = {"rules": rules}
    if draw(st.integers(0, 4)) == 0:
        document["facts"] = {draw(st.sampled_from(["sensitive", "new_fact"])): {"en": "x", "zh": "x"}}
    try:
        return yaml.safe_dump(document, allow_unicode=True, sort_keys=False)
    except (yaml.YAMLError, RecursionError, ValueError):
        return "rules: []\n"
