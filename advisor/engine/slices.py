"""Cut a pack into slices, each deciding some of its rules from a few profile fields.

Whether a rule fires depends only on

* the profile fields its condition tests (of a list field tested item by item, only those items),
* the derived facts it tests, which the rules deriving them decide in turn, and
* for a rule that tests the decided mode, that mode.

Follow the derived facts down to the fields they come from and each rule has a small set of
inputs: a sector note reads the sector alone, a compliance item two or three yes/no answers.
Rules with the same inputs form a slice, compiled together with the rules deriving the facts
they test into a ruleset of its own. A slice whose inputs are all inputs of another slice is
merged into it (its verdicts are then cached on the larger set, which has to be looked up
anyway), and slices are merged further while the merged slice has few possible keys.

A slice's verdict — the rules that fired in it — can be cached on its inputs alone: the few
hundred combinations of a handful of fields recur even when whole profiles never do. A number
(``employees``, ``budget_cny``) is part of a key by its band: where it falls among the thresholds
the slice's rules compare it with, which decides every one of those comparisons. The rules
fired by the whole pack are the union of the slices' verdicts (the tests check it on random
profiles). Pure planning: no engine import.
"""

from __future__ import annotations

import bisect
import heapq
import itertools
from dataclasses import dataclass
from typing import Any, Callable

from advisor.engine.graph import components
from advisor.engine.loader import MODE_FIELD, NUMERIC_FIELDS, RulePack
from advisor.engine.schema import FactTest, FieldTest, walk
from advisor.vocabulary import vocabulary

_ITEM_TESTS = ("contains", "contains_any")
MAX_KEYS = 16384  # slices are merged while the merged one has at most this many possible keys (10 slices of
# the bundled pack: 3 fewer look-ups per new profile than at 2,048 for as many engine runs on client lists)


@dataclass(frozen=True)
class Slice:
    """Rules that fire or not according to the same few inputs."""

    rules: frozenset[str]  # what it compiles: the rules it decides, and those deriving the facts they test
    fields: tuple[str, ...]  # the profile fields its verdict depends on, sorted
    items: tuple[tuple[str, frozenset[str]], ...]  # list fields among them tested item by item: the items tested
    after_decision: bool  # it tests the decided mode, which is then part of its key
    bands: tuple[tuple[str, tuple[float, ...]], ...] = ()  # numbers among them: the thresholds compared with, sorted

    def key_function(self) -> Callable[[dict[str, Any], str | None], Any]:
        """``key(facts, mode)``: the part of a resolved profile (every field present: see
        ``Advisor.resolve_values``) and of the mode this slice can see, as one flat tuple (or the
        one value it reads). Made as one function with the fields written out: it runs for every
        slice of every new profile, where a chain of generic calls cost more than the look-up."""
        body, scope = self.key_expression()
        exec(f"def key(facts, mode):\n    return {body}\n", scope)  # noqa: S102 (field names from the pack's vocabulary, quoted by repr)
        return scope["key"]

    def key_expression(self, prefix: str = "") -> tuple[str, dict[str, Any]]:
        """``key_function``'s body as Python source over ``facts`` and ``mode``, and the names it
        uses (band and item helpers, each name starting with ``prefix``): for a caller that
        writes several slices' keys into one function."""
        terms, names = self._terms(prefix)
        parts = [f"{helper}(facts[{field!r}])" if kind == "band" else
                 f"{helper}.intersection(facts[{field!r}])" if kind == "items" else
                 "mode" if kind == "mode" else f"facts[{field!r}]" for kind, field, helper in terms]
        body = parts[0] if len(parts) == 1 else "None" if not parts else "(" + ", ".join(parts) + ",)"
        return body, names

    def key_column_expression(self, prefix: str = "") -> tuple[str, dict[str, Any]]:
        """``key_expression`` for a block of profiles: Python source of the list of their keys
        (the same keys, in order), over ``columns`` (each field's values, a list per field),
        ``modes`` (the decided mode of each) and ``count`` (how many), and the names it uses."""
        terms, names = self._terms(prefix)
        parts = [f"map({helper}, columns[{field!r}])" if kind == "band" else
                 f"map({helper}.intersection, columns[{field!r}])" if kind == "items" else
                 "modes" if kind == "mode" else f"columns[{field!r}]" for kind, field, helper in terms]
        if not parts:
            return "[None] * count", names
        if len(parts) == 1:
            return f"list({parts[0]})", names
        return f"list(zip({', '.join(parts)}))", names

    def _terms(self, prefix: str) -> tuple[list[tuple[str, str, str]], dict[str, Any]]:
        """The key's terms in order, each ``(kind, field, helper's name)`` (kind: mode, band,
        items or value), and the helpers by name."""
        limited, banded = dict(self.items), dict(self.bands)
        terms = [("mode", "", "")] if self.after_decision else []
        names: dict[str, Any] = {}
        for field in self.fields:
            name = f"{prefix}_{len(names)}"
            if field in banded:
                names[name] = _band(banded[field])
                terms.append(("band", field, name))
            elif field in limited:
                names[name] = limited[field]
                terms.append(("items", field, name))
            else:
                terms.append(("value", field, ""))
        return terms, names


def _band(thresholds: tuple[float, ...]) -> Callable[[Any], int]:
    """Where a number falls among ``thresholds``: 2i below the i-th, 2i+1 on it; -1 when absent.
    Every comparison of the number with one of the thresholds depends on that alone."""
    count = len(thresholds)

    def band(number: Any) -> int:
        if number is None:
            return -1
        i = bisect.bisect_left(thresholds, number)
        return 2 * i + (i < count and thresholds[i] == number)

    return band


def plan_slices(pack: RulePack, max_keys: int = MAX_KEYS) -> tuple[Slice, ...]:
    """The slices of ``pack``: together they hold every rule, each with the rules it depends on."""
    derivers: dict[str, set[str]] = {}
    for rule in pack.rules:
        for effect in rule.then:
            if effect.derive:
                derivers.setdefault(effect.derive, set()).add(rule.id)

    fields: dict[str, set[str]] = {}
    facts: dict[str, set[str]] = {}
    tests: dict[str, list[FieldTest]] = {}
    mode: dict[str, bool] = {}
    for rule in pack.rules:
        found = list(walk(rule.when)) if rule.when is not None else []
        tests[rule.id] = [t for t in found if isinstance(t, FieldTest) and t.field != MODE_FIELD]
        fields[rule.id] = {t.field for t in tests[rule.id]}
        facts[rule.id] = {t.fact for t in found if isinstance(t, FactTest)}
        mode[rule.id] = any(isinstance(t, FieldTest) and t.field == MODE_FIELD for t in found)

    # Follow the derived facts: a rule needs what the rules deriving its facts need. The rules a
    # rule depends on form a graph (cycles are possible through positive facts): settle its
    # strongly connected components, dependencies first.
    def needs(rid: str) -> list[tuple[str, None]]:
        return [(d, None) for fact in facts[rid] for d in derivers.get(fact, ())]

    for component in components([r.id for r in pack.rules], needs):
        inside = set(component)
        joined_fields = set().union(*(fields[r] for r in component))
        joined_mode = any(mode[r] for r in component)
        for rid in component:
            for d, _ in needs(rid):
                if d not in inside:
                    joined_fields |= fields[d]
                    joined_mode = joined_mode or mode[d]
        for rid in component:
            fields[rid], mode[rid] = joined_fields, joined_mode

    groups: dict[tuple[frozenset[str], bool], set[str]] = {}
    for rule in pack.rules:
        groups.setdefault((frozenset(fields[rule.id]), mode[rule.id]), set()).add(rule.id)
    for key, rules in groups.items():  # each with the rules it depends on
        todo = list(rules)
        while todo:
            for d, _ in needs(todo.pop()):
                if d not in rules:
                    rules.add(d)
                    todo.append(d)
    # Merge a group into the smallest group whose inputs include its own (same side of the decision).
    merged: dict[tuple[frozenset[str], bool], set[str]] = {}
    for inputs, after in sorted(groups, key=lambda g: (-len(g[0]), sorted(g[0]), g[1])):
        hosts = [k for k in merged if k[1] == after and inputs <= k[0]]
        host = min(hosts, key=lambda k: (len(k[0]), sorted(k[0]))) if hosts else (inputs, after)
        merged.setdefault(host, set()).update(groups[(inputs, after)])

    slices = []
    for (inputs, after), rules in merged.items():
        found = [t for rid in rules for t in tests[rid]]
        slices.append(Slice(rules=frozenset(rules), fields=tuple(sorted(inputs)), items=_item_limits(inputs, found),
                            after_decision=after, bands=_bands(inputs, found)))
    slices = _merge(slices, len(pack.meta.tie_break), max_keys)
    return tuple(sorted(slices, key=lambda s: (s.after_decision, min(pack.order[r] for r in s.rules))))


def _merge(slices: list[Slice], modes: int, max_keys: int) -> list[Slice]:
    """Fewer slices are fewer look-ups per profile: merge the two whose merged slice has the fewest
    possible keys, again and again while that is at most ``max_keys`` (each key is evaluated
    once at most, and the cache holds them all). Each pair is weighed once: O(n² log n)."""
    alive = dict(enumerate(slices))
    made = itertools.count(len(slices))
    heap: list[tuple[int, tuple, int, int]] = []

    def weigh(a: int, b: int) -> None:
        if alive[a].after_decision == alive[b].after_decision:
            keys = _possible_keys(_combine(alive[a], alive[b]), modes)
            if keys is not None and keys <= max_keys:
                heapq.heappush(heap, (keys, (alive[a].fields, alive[b].fields), a, b))

    for a, b in itertools.combinations(alive, 2):
        weigh(a, b)
    while heap:
        _, _, a, b = heapq.heappop(heap)
        if a in alive and b in alive:
            joined = next(made)
            alive[joined] = _combine(alive.pop(a), alive.pop(b))
            for other in list(alive)[:-1]:
                weigh(other, joined)
    return list(alive.values())


def _combine(a: Slice, b: Slice) -> Slice:
    """The slice of the rules of both (what a key needs is the union of what each needs)."""
    items, bands = dict(a.items), dict(a.bands)
    for name, tested in b.items:
        items[name] = items.get(name, frozenset()) | tested
    for name, thresholds in b.bands:
        bands[name] = tuple(sorted(set(bands.get(name, ())) | set(thresholds)))
    return Slice(rules=a.rules | b.rules, fields=tuple(sorted(set(a.fields) | set(b.fields))),
                 items=tuple(sorted(items.items())), after_decision=a.after_decision, bands=tuple(sorted(bands.items())))


def _possible_keys(piece: Slice, modes: int) -> int | None:
    """How many distinct keys ``piece`` can have (None: unbounded, it reads a number)."""
    voc = vocabulary()
    limited, banded = dict(piece.items), dict(piece.bands)
    count = modes if piece.after_decision else 1
    for name in piece.fields:
        spec = voc.fields.get(name)
        if name in limited:
            count *= 2 ** len(limited[name])
        elif name in banded:
            count *= 2 * len(banded[name]) + 2  # between, on, or absent
        elif spec is None or spec.type in ("integer", "list"):
            return None
        elif spec.type == "bool":
            count *= 3  # yes, no, or absent
        else:
            count *= len(voc.enums[spec.values]) + 1
    return count


def _item_limits(inputs: frozenset[str], tests: list[FieldTest]) -> tuple[tuple[str, frozenset[str]], ...]:
    """For each input tested only by item tests (``contains``...): the items tested."""
    by_field: dict[str, list[FieldTest]] = {}
    for test in tests:
        by_field.setdefault(test.field, []).append(test)
    limits = []
    for name in sorted(inputs):
        found = by_field.get(name, [])
        if found and all(t.op in _ITEM_TESTS for t in found):
            values: set[str] = set()
            for t in found:
                values.update(t.value if isinstance(t.value, list) else [t.value])
            limits.append((name, frozenset(values)))
    return tuple(limits)


def _bands(inputs: frozenset[str], tests: list[FieldTest]) -> tuple[tuple[str, tuple[float, ...]], ...]:
    """For each number among the inputs: the thresholds the tests compare it with, sorted."""
    found: dict[str, set[float]] = {}
    for test in tests:
        if test.field in NUMERIC_FIELDS:
            found.setdefault(test.field, set()).update(test.value if isinstance(test.value, list) else [test.value])
    return tuple((name, tuple(sorted(found.get(name, ())))) for name in sorted(inputs) if name in NUMERIC_FIELDS)
