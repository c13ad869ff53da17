"""Load a rule pack: read the YAML files, validate them, merge them and check every reference.

Every problem names the file and the rule id, so a typo is caught before any profile runs.
"""

from __future__ import annotations

import functools
import hashlib
import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Iterator


from advisor.engine.schema import (
    All,
    Counterfactuals,
    Invariant,
    AnyOf,
    Condition,
    FactTest,
    FieldTest,
    Instrument,
    Item,
    MAX_NUMBER,
    Not,
    PackFile,
    PackMeta,
    Rule,
    Text,
    Thresholds,
    Vocabulary,
    date_start,
    walk,
)
from advisor.bounded import RULE_FILE_BYTES, TooLarge, read_bounded
from advisor.errors import RuleLoadError, as_written, shown
from advisor.safe_load import DATA, DocumentError, load_yaml, non_finite, too_large
from advisor.vocabulary import vocabulary

# Fields that conditions may test besides the contract's profile fields.
MODE_FIELD = "mode"  # the decided deployment mode: rules testing it run after the decision
BUDGET_NUMBER_FIELD = "budget_cny"  # the budget as a number, present when one was given
NUMERIC_FIELDS = vocabulary().numbers | {BUDGET_NUMBER_FIELD}  # the contract's whole-number fields, and the amount


@dataclass(frozen=True)
class RulePack:
    """A loaded, validated pack: everything the compiler and the result builder need."""

    path: str
    version: str
    meta: PackMeta
    thresholds: Thresholds
    vocabulary: Vocabulary
    facts: dict[str, Text]
    items: dict[str, Item]
    rules: tuple[Rule, ...]
    files: dict[str, str] = field(default_factory=dict)  # rule id -> file name
    instruments: dict[str, Instrument] = field(default_factory=dict)
    book: Any = None  # the price book and cost model (advisor.costs.book.CostBook)
    counterfactuals: Counterfactuals | None = None  # which answers counterfactuals change (None: none)
    origins: dict[str, str] = field(default_factory=dict)  # "item ID", "fact ID", "instrument ID", a section -> file
    invariants: tuple[Invariant, ...] = ()  # what must hold over every profile (advisor rules test)
    invariant_grid: tuple[str, ...] | None = None  # the fields the invariants are checked over

    @functools.cached_property
    def by_id(self) -> dict[str, Rule]:
        """Rules by id."""
        return {r.id: r for r in self.rules}

    @functools.cached_property
    def order(self) -> dict[str, int]:
        """Position of each rule in the pack (file order, then order in file)."""
        return {r.id: i for i, r in enumerate(self.rules)}


def bundled_rules_dir() -> Path:
    """The pack shipped with advisor: inside the installed package, or the source tree's rules/."""
    import advisor

    packaged = Path(advisor.__file__).parent / "rules"
    if packaged.is_dir():
        return packaged
    return Path(__file__).resolve().parents[2] / "rules"


def load_pack(directory: str | Path | None = None) -> RulePack:
    """Read, validate and cross-check the pack in ``directory`` (the bundled pack by default)."""
    root = Path(directory) if directory is not None else bundled_rules_dir()
    if not root.is_dir():
        raise RuleLoadError([f"not a folder of rule files: {root}"])
    paths = sorted(root.glob("*.yaml")) + sorted(root.glob("*.yml"))
    if not paths:
        raise RuleLoadError([f"no *.yaml rule files in {root}"])
    digest = hashlib.sha256()
    files: list[tuple[str, PackFile]] = []
    problems: list[str] = []
    for path in paths:
        if not path.is_file():
            problems.append(f"{path.name}: is a folder (or not a regular file), not a rule file; "
                            "rename it or move it out of the pack")
            continue
        try:
            data = read_bounded(path, RULE_FILE_BYTES)
        except OSError as exc:
            problems.append(f"{path.name}: cannot read: {exc.strerror}")
            continue
        except TooLarge as exc:
            problems.append(f"{path.name}: larger than {exc.size} (a rule file is at most a few hundred KB); "
                            "is it the right file?")
            continue
        digest.update(path.name.encode() + b"\0" + data + b"\0")
        try:
            files.append((path.name, _parse_file(path, data)))
        except RuleLoadError as exc:
            problems.extend(exc.problems)
    if problems:
        raise RuleLoadError(problems, str(root))
    pack = _merge(root, files, "sha256:" + digest.hexdigest()[:16])
    problems = list(_check(pack))
    if problems:
        raise RuleLoadError(problems, str(root))
    return pack


def _parse_file(path: Path, data: bytes) -> PackFile:
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        raise RuleLoadError([f"{path.name}: not UTF-8 text ({exc.reason} at byte {exc.start})"]) from None
    try:
        raw = load_yaml(text, DATA)
    except DocumentError as exc:
        rule = _rule_at(text, exc.line)
        where = f" {exc.where}" if exc.where else ""
        raise RuleLoadError([f"{path.name}:{where}{f': rule {rule}' if rule else ''}: broken YAML: {exc.reason}"]) from None
    if raw is None or raw == {}:
        raise RuleLoadError([f"{path.name}: empty: a rule file defines rules, facts, items or the pack's "
                             "settings; remove the file or fill it"])
    if not isinstance(raw, dict):
        raise RuleLoadError([f"{path.name}: a rule file is a mapping of sections, got {type(raw).__name__}"])
    bad_numbers = [_locate(path.name, raw, {"loc": where, "msg": f"{value} is not a number (NaN or infinite)",
                                            "type": "value_error"})
                   for where, value in non_finite(raw)]
    bad_numbers += [_locate(path.name, raw, {"loc": where, "msg": f"{value} is out of range; a number in a rule pack "
                                                                  f"is at most {MAX_NUMBER:,} in size", "type": "value_error"})
                    for where, value in too_large(raw, MAX_NUMBER)]
    if bad_numbers:
        raise RuleLoadError(bad_numbers)
    from pydantic import ValidationError  # validating: the cold path only

    try:
        return PackFile.model_validate(raw)
    except ValidationError as exc:
        raise RuleLoadError([_locate(path.name, raw, err) for err in exc.errors(include_url=False)]) from None


_RULE_ID = re.compile(r"^\s*(?:-\s+)?id:\s*['\"]?([^'\"\s#]+)")


def _rule_at(text: str, line: int | None) -> str | None:
    """The id of the rule that line ``line`` of a rule file belongs to (for messages), if any."""
    if not line:
        return None
    lines = text.splitlines()[:line]
    for number in range(len(lines) - 1, -1, -1):
        match = _RULE_ID.match(lines[number])
        if match:
            return match[1]
        if lines[number][:1].isalpha():  # a top-level section: not inside a rule
            return None
    return None


def _locate(filename: str, raw: dict, err: dict) -> str:
    loc = list(err["loc"])
    where = filename
    if len(loc) >= 2 and loc[0] in ("rules", "invariants") and isinstance(loc[1], int):
        rules = raw.get(loc[0]) or []
        rule = rules[loc[1]] if loc[1] < len(rules) and isinstance(rules[loc[1]], dict) else {}
        where += f": {loc[0][:-1]} {rule.get('id', '#' + str(loc[1] + 1))}"
        loc = loc[2:]
    elif len(loc) >= 2 and loc[0] in ("items", "facts", "instruments"):
        where += f": {loc[0][:-1]} {loc[1]}"
        loc = loc[2:]
    # Drop pydantic's internal union/tag steps from the path shown to a rule author.
    path = ".".join(str(p) for p in loc if p not in ("field", "fact", "all", "any", "not") or p == loc[0])
    msg = str(err["msg"]).removeprefix("Value error, ")
    if err["type"] == "extra_forbidden":
        msg = f"unknown key '{loc[-1]}'"
        path = path.rpartition(".")[0] if "." in path else ""
    return f"{where}: {path + ': ' if path else ''}{msg}"


def _merge(root: Path, files: list[tuple[str, PackFile]], version: str) -> RulePack:
    problems: list[str] = []
    singles: dict[str, tuple[str, Any]] = {}
    facts: dict[str, Text] = {}
    instruments: dict[str, Instrument] = {}
    items: dict[str, Item] = {}
    rules: list[Rule] = []
    rule_files: dict[str, str] = {}
    origins: dict[str, str] = {}
    invariants: list[Invariant] = []
    for name, pf in files:
        for section in ("pack", "thresholds", "vocabulary", "prices", "costs", "counterfactuals", "invariant_grid"):
            value = getattr(pf, section)
            if value is None:
                continue
            if section in singles:
                problems.append(f"{name}: section '{section}' is already defined in {singles[section][0]}")
            else:
                singles[section] = (name, value)
                origins[section] = name
        for fid, text in pf.facts.items():
            if fid in facts:
                problems.append(f"{name}: fact '{fid}' is declared twice")
            facts[fid] = text
            origins.setdefault(f"fact {fid}", name)
        for iid, instrument in pf.instruments.items():
            if iid in instruments:
                problems.append(f"{name}: instrument '{iid}' is defined twice")
            instruments[iid] = instrument
            origins.setdefault(f"instrument {iid}", name)
        for iid, item in pf.items.items():
            if iid in items:
                problems.append(f"{name}: item '{iid}' is defined twice")
            items[iid] = item
            origins.setdefault(f"item {iid}", name)
        for invariant in pf.invariants:
            if f"invariant {invariant.id}" in origins:
                problems.append(f"{name}: invariant {invariant.id}: id already used in {origins[f'invariant {invariant.id}']}")
                continue
            origins[f"invariant {invariant.id}"] = name
            invariants.append(invariant)
        for rule in pf.rules:
            if rule.id in rule_files:
                problems.append(f"{name}: rule {rule.id}: id already used in {rule_files[rule.id]}")
                continue
            rule_files[rule.id] = name
            rules.append(rule)
    for section in ("pack", "thresholds", "vocabulary"):
        if section not in singles:
            problems.append(f"no file defines the '{section}' section")
    if problems:
        raise RuleLoadError(problems, str(root))
    from advisor.costs.book import pack_book

    return RulePack(
        path=str(root),
        version=version,
        meta=singles["pack"][1],
        thresholds=singles["thresholds"][1],
        vocabulary=singles["vocabulary"][1],
        facts=facts,
        items=items,
        rules=tuple(rules),
        files=rule_files,
        instruments=instruments,
        book=pack_book(singles.get("prices"), singles.get("costs"), str(root)),
        counterfactuals=singles["counterfactuals"][1] if "counterfactuals" in singles else None,
        origins=origins,
        invariants=tuple(invariants),
        invariant_grid=tuple(singles["invariant_grid"][1]) if "invariant_grid" in singles else None,
    )


def suggest(word: str, choices: Any) -> str:
    """`` (did you mean 'X'?)`` when one of ``choices`` is close to ``word``, else nothing."""
    return _suggest(word, choices)


def field_test_problems(test: FieldTest, modes: list[str]) -> list[str]:
    """What is wrong with a test of a profile field (or of ``mode``): an unknown field, an
    operator its kind does not allow, a value it cannot have — as the loader checks a rule's."""
    return list(_check_field_test(test, modes))


def _suggest(word: str, choices: Any) -> str:
    if len(str(word)) > 100:
        return ""
    import difflib  # only a run with a misspelling pays for it

    close = difflib.get_close_matches(str(word), [str(c) for c in choices], n=1)
    return f" (did you mean '{close[0]}'?)" if close else ""


def _check(pack: RulePack) -> Iterator[str]:
    """Cross-references: every name a rule uses must exist in the contract or the pack."""
    voc = vocabulary()
    modes, pricing = voc.outputs["modes"], voc.outputs["pricing"]
    meta_file = "pack"
    if sorted(pack.meta.tie_break) != sorted(modes):
        yield f"{meta_file}: tie_break must list each of {', '.join(modes)} once"
    for kind, names, expected in (
        ("modes", pack.vocabulary.modes, modes),
        ("pricing", pack.vocabulary.pricing, pricing),
        ("statuses", pack.vocabulary.statuses, voc.outputs["statuses"]),
    ):
        for missing in sorted(set(expected) - set(names)):
            yield f"vocabulary.{kind}: no entry for '{missing}'"
        for extra in sorted(set(names) - set(expected)):
            yield f"vocabulary.{kind}: '{extra}' is not a contract value{_suggest(extra, expected)}"
    for table, enum in (("size", "size"), ("budget", "level")):
        for band in getattr(pack.thresholds, table).bands:
            if band.value not in voc.enums[enum]:
                yield f"thresholds.{table}: band value '{band.value}' is not one of {', '.join(voc.enums[enum])}"

    if pack.counterfactuals is not None:
        listed = [*pack.counterfactuals.answers, *pack.counterfactuals.enterprise]
        for name in dict.fromkeys(listed):
            spec = voc.fields.get(name)
            if spec is None or name == "name":
                known = [f for f in voc.fields if f != "name"]
                yield f"counterfactuals: unknown field '{name}'{_suggest(name, known)}; allowed: {', '.join(known)}"
            elif spec.type in ("integer", "string"):
                yield (f"counterfactuals: '{name}' is a number: a counterfactual changes an answer among its values"
                       f"{' (list size instead)' if name == 'employees' else ''}")
            elif listed.count(name) > 1:
                yield f"counterfactuals: '{name}' is listed twice"
        for name in pack.counterfactuals.scales:
            spec = voc.fields.get(name)
            if spec is None or spec.values is None or spec.type == "list":
                enums = [f for f, s in voc.fields.items() if s.values and s.type != "list"]
                yield f"counterfactuals: scales: '{name}' is not a field with one value of an enum; allowed: {', '.join(enums)}"
    yield from _check_items(pack)
    derived = {e.derive for r in pack.rules for e in r.then if e.derive}
    yield from _fact_cycles(pack)
    for rule in pack.rules:
        where = f"{pack.files[rule.id]}: rule {rule.id}"
        tests = list(walk(rule.when)) if rule.when else []
        for test in tests:
            if isinstance(test, FactTest):
                if test.fact not in pack.facts:
                    yield f"{where}: condition on undeclared fact '{test.fact}'{_suggest(test.fact, pack.facts)}"
                elif test.fact not in derived:
                    yield f"{where}: condition on fact '{test.fact}' that no rule derives"
            else:
                yield from (f"{where}: {p}" for p in _check_field_test(test, modes))
        post_decision = any(isinstance(t, FieldTest) and t.field == MODE_FIELD for t in tests)
        for effect in rule.then:
            if effect.score:
                if effect.score.mode not in modes:
                    yield f"{where}: score for unknown mode '{effect.score.mode}'{_suggest(effect.score.mode, modes)}"
                if post_decision:
                    yield f"{where}: a rule that tests 'mode' runs after the decision and cannot score"
            if effect.exclude:
                for mode in effect.exclude.mode:
                    if mode not in modes:
                        yield f"{where}: exclude of unknown mode '{mode}'{_suggest(mode, modes)}; allowed: {', '.join(modes)}"
                if effect.exclude.mode and post_decision:
                    yield f"{where}: a rule that tests 'mode' runs after the decision and cannot exclude a mode"
            for model in (effect.pricing or []) + (effect.exclude.pricing if effect.exclude else []):
                if model not in pricing:
                    yield f"{where}: unknown pricing model '{model}'{_suggest(model, pricing)}; allowed: {', '.join(pricing)}"
            if effect.conflict:
                known = [f for f in voc.fields if f != "name"] + [BUDGET_NUMBER_FIELD]
                for name in effect.conflict.fields:
                    if name not in known:
                        yield f"{where}: conflict names unknown field '{name}'{_suggest(name, known)}"
            if effect.comply and effect.comply.item not in pack.items:
                yield f"{where}: unknown compliance item '{effect.comply.item}'{_suggest(effect.comply.item, pack.items)}"
            if effect.derive and effect.derive not in pack.facts:
                yield f"{where}: derives undeclared fact '{effect.derive}'{_suggest(effect.derive, pack.facts)}"


def _fact_cycles(pack: RulePack) -> Iterator[str]:
    """Facts that derive from each other in a circle (A needs B, B needs A): none can ever hold
    unless something else derives it, so the pack is almost surely wrong. Negated tests are the
    compiler's (a fact that depends on its own negation)."""
    needs: dict[str, set[str]] = {}  # fact -> facts its deriving rules test positively
    by: dict[tuple[str, str], str] = {}  # (fact, needed fact) -> a rule that makes the link
    for rule in pack.rules:
        tested = [t.fact for t in _positive_facts(rule.when)] if rule.when else []
        for effect in rule.then:
            if effect.derive:
                for fact in tested:
                    needs.setdefault(effect.derive, set()).add(fact)
                    by.setdefault((effect.derive, fact), rule.id)
    done: set[str] = set()
    for start in sorted(needs):
        path: list[str] = []
        stack = [(start, iter(sorted(needs.get(start, ()))))]
        on_path = {start}
        path.append(start)
        while stack:
            fact, rest = stack[-1]
            following = next(rest, None)
            if following is None:
                stack.pop()
                path.pop()
                on_path.discard(fact)
                done.add(fact)
                continue
            if following in on_path:
                circle = path[path.index(following):] + [following]
                rules = [by[(a, b)] for a, b in zip(circle, circle[1:])]
                where = ", ".join(f"{pack.files[r]}: rule {r}" for r in dict.fromkeys(rules))
                yield (f"facts derive from each other in a circle: {' ← '.join(circle)} ({where}); "
                       "a fact cannot be a condition of its own derivation")
                return
            if following not in done:
                stack.append((following, iter(sorted(needs.get(following, ())))))
                on_path.add(following)
                path.append(following)


def _positive_facts(cond: Condition, negated: bool = False) -> Iterator[FactTest]:
    if isinstance(cond, (All, AnyOf)):
        for child in cond.items:
            yield from _positive_facts(child, negated)
    elif isinstance(cond, Not):
        yield from _positive_facts(cond.item, not negated)
    elif isinstance(cond, FactTest) and not negated:
        yield cond


def _check_items(pack: RulePack) -> Iterator[str]:
    """Every citation names an instrument of the pack, numbers its articles from one of that
    instrument's versions, and every dated action names an instrument its item cites."""
    for iid, item in pack.items.items():
        where = f"item {iid}"
        cited = set()
        for n, citation in enumerate(item.basis, start=1):
            if citation.instrument is None:
                continue
            instrument = pack.instruments.get(citation.instrument)
            if instrument is None:
                yield (f"{where}: basis #{n}: unknown instrument '{citation.instrument}'"
                       f"{_suggest(citation.instrument, pack.instruments)}")
                continue
            cited.add(citation.instrument)
            versions = [date_start(instrument.effective), *(v.effective for v in instrument.versions)]
            for article in citation.articles:
                if article.since is not None and article.since not in versions:
                    yield (f"{where}: basis #{n}: articles since {article.since} — {citation.instrument} has no "
                           f"version in force on that date; its versions: {', '.join(map(str, versions))}")
        for required in item.requires:
            if required not in cited:
                yield f"{where}: requires '{required}', which its basis does not cite{_suggest(required, cited)}"
        for action in item.actions:
            if action.by is not None and action.by not in cited:
                yield (f"{where}: action '{action.en[:40]}': 'by: {action.by}' is not an instrument of its basis"
                       f"{_suggest(action.by, cited)}")



def _check_field_test(test: FieldTest, modes: list[str]) -> Iterator[str]:
    voc = vocabulary()
    name = test.field
    spec = voc.fields.get(name)
    known = [f for f in voc.fields if f != "name"] + [MODE_FIELD, BUDGET_NUMBER_FIELD]
    if name not in known:
        yield f"condition on unknown field '{name}'{_suggest(name, known)}"
        return
    values = test.value if test.op in ("in", "not_in", "contains_any") else [test.value]
    if test.op in ("in", "not_in", "contains_any") and not isinstance(test.value, list):
        yield f"'{name}: {test.op}' expects a list"
        return
    if name in NUMERIC_FIELDS:
        if test.op not in ("eq", "ne", "lt", "lte", "gt", "gte"):
            yield f"'{name}' is a number: use eq, ne, lt, lte, gt or gte, not {test.op}"
        for v in values:
            if isinstance(v, bool) or not isinstance(v, (int, float)):
                yield f"'{name}' is a number, got {shown(v)}"
            elif name == BUDGET_NUMBER_FIELD and v != int(v):
                # Amounts with fen reach the engine as whole yuan + 0.5 (profile.engine_number),
                # which is exact only against whole-yuan thresholds.
                yield f"'{name}' is compared in whole yuan: {v!r} has a fraction"
        return
    if test.op in ("lt", "lte", "gt", "gte"):
        yield f"'{name}' is not a number: {test.op} is not allowed"
        return
    if name == MODE_FIELD:
        allowed = modes
    elif spec.type == "bool":
        allowed = [True, False]
    elif spec.type == "budget":
        allowed = list(voc.enums["level"])
    else:
        allowed = list(voc.enums[spec.values])
    is_list = spec is not None and spec.type == "list"
    if is_list != (test.op in ("contains", "contains_any")):
        yield (f"'{name}' is a list: use contains or contains_any" if is_list
               else f"'{name}' is not a list: {test.op} is not allowed")
        return
    for v in values:
        is_bool = spec is not None and spec.type == "bool"
        if v not in allowed or isinstance(v, bool) != is_bool:
            yield (f"'{name}' has no value {as_written(v)}{_suggest(v, allowed)}; "
                   f"allowed: {', '.join(as_written(a) if isinstance(a, bool) else str(a) for a in allowed)}")
