"""Counterfactuals: the smallest changes of a profile's answers that change the recommended mode.

Which answers are changed, in which order, and how many counterfactuals are given is the pack's
``counterfactuals`` section (``rules/counterfactuals.yaml``): first the ``answers`` a client can
change (a budget, an ML team...), then the facts of the ``enterprise`` (its sector, its size).
Each field takes every other value it can have (``candidates``). The search, in the order shown:

1. one answer changed;
2. two answers changed, neither of which changes the mode alone;
3. one fact of the enterprise changed;
4. two fields changed, one of them at least a fact of the enterprise, neither changing the mode
   alone.

Within a group, changes follow the order of the fields in the pack and of the values in the
contract; the search stops at ``limit``. A change is given as a profile would give it
(``{"budget": "medium"}``: a budget given as an amount is changed to another band), so that
``advisor whatif PROFILE --set budget=medium`` gives exactly the mode it names.

Only the deployment decision is evaluated again, and of it only the rules that read a changed
field (``advisor.analysis.decision``); the outcome is remembered by the values of the fields the
decision and the changes read, so profiles that differ elsewhere share it.
"""

from __future__ import annotations

import itertools
from typing import AbstractSet, Any, Callable, Mapping, NamedTuple

from advisor.analysis.conditions import walk
from advisor.analysis.decision import Base, DecisionModel
from advisor.engine.loader import BUDGET_NUMBER_FIELD, RulePack
from advisor.engine.schema import FieldTest
from advisor.ranking import Ranker
from advisor.vocabulary import vocabulary

KEPT = 16384  # outcomes remembered per pack (a few hundred bytes each)


class Change(NamedTuple):
    """One field changed: its name, the value as a profile gives it, and what it sets among the
    resolved facts the rules read (a list as a tuple)."""

    field: str
    value: Any
    mapping: dict[str, Any]


class Found(NamedTuple):
    """A counterfactual: the changes, the mode they lead to, and whether every changed field is an
    answer the client can change."""

    changes: tuple[Change, ...]
    mode: str
    changeable: bool

    def change(self) -> dict[str, Any]:
        """The changes as ``{field: value}`` (contract §4.3)."""
        return {c.field: (list(c.value) if isinstance(c.value, tuple) else c.value) for c in self.changes}


class Searcher:
    """The counterfactual search for one pack (see the module doc)."""

    def __init__(self, pack: RulePack, ranker: Ranker | None = None) -> None:
        self.pack = pack
        self.model = DecisionModel(pack, ranker)
        plan = pack.counterfactuals
        self.limit = plan.limit if plan else 0
        self.answers = tuple(plan.answers) if plan else ()
        self.enterprise = tuple(plan.enterprise) if plan else ()
        self.scales = frozenset(plan.scales) if plan else frozenset()
        self.key_fields = tuple(sorted(self.model.fields | set(self.answers) | set(self.enterprise)))
        self.listed = (*self.answers, *self.enterprise)
        self._items = _tested_items(pack, self.model.rule_ids)
        self._found: dict[tuple, tuple[Found, ...]] = {}
        self._singles: dict[tuple, tuple[tuple[Change, int], ...]] = {}
        self._sections: dict[tuple, list[dict[str, Any]]] = {}
        voc = vocabulary()
        # fields keyed by their value, not its class: a listed list (the change gives the whole
        # list) and a listed scale (its values are tried nearest first)
        self._exact = frozenset(n for n in self.listed if voc.fields[n].type == "list" or n in self.scales)
        self._classes: dict[str, dict[Any, int]] = {n: {} for n in self.key_fields}
        self._signs: dict[str, dict[tuple, int]] = {}

    def candidates(self, name: str, facts: Mapping[str, Any]) -> list[Change]:
        """Every other value of field ``name`` for a profile resolved as ``facts``."""
        voc = vocabulary()
        spec = voc.fields[name]
        current = facts.get(name)
        if spec.type == "bool":
            value = not current
            return [Change(name, value, {name: value})]
        if spec.type == "list":
            given = tuple(current or ())
            out = []
            for item in voc.enums[spec.values]:
                if item not in self._items.get(name, ()):
                    continue
                changed = tuple(x for x in given if x != item) if item in given else tuple(
                    x for x in voc.enums[spec.values] if x in given or x == item)
                out.append(Change(name, changed, {name: changed}))  # a tuple: hashable, and tested as the list
            return out
        values = list(voc.enums[spec.values])
        if name in self.scales and current in values:  # nearest first, then in the enum's order
            at = values.index(current)
            values = [v for _, v in sorted((abs(i - at), v) for i, v in enumerate(values))]
        if spec.type == "budget":  # another band; an amount given is replaced by the band
            return [Change(name, v, {name: v, BUDGET_NUMBER_FIELD: None}) for v in values if v != current]
        return [Change(name, v, {name: v}) for v in values if v != current]

    def distinct(self, name: str, facts: Mapping[str, Any]) -> list[Change]:
        """``candidates`` but those no deciding rule tells apart from the current value or from an
        earlier candidate (``DecisionModel.signature``): such a change decides as the earlier one
        does in any profile, so it can never add a counterfactual."""
        mask = self.model.reach((name,)).mask
        seen: set[tuple] = set()
        out = []
        for change in self.candidates(name, facts):
            names = tuple(change.mapping)
            sign = self.model.signature(mask, names)
            if not seen:
                seen.add(sign({n: facts.get(n) for n in names}))
            mark = sign(change.mapping)
            if mark not in seen:
                seen.add(mark)
                out.append(change)
        return out

    def key(self, facts: Mapping[str, Any]) -> tuple:
        """What the counterfactuals of a profile resolved as ``facts`` depend on: for each field the
        decision or the changes read, the class of its value — values no deciding rule tells apart
        (``DecisionModel.signature``) are one class, so profiles whose values fall in the same
        classes get the same counterfactuals (a listed list, and a listed scale whose order of
        values starts at the current one, by the value itself)."""
        classes, exact = self._classes, self._exact
        key = []
        for name in self.key_fields:
            value = facts.get(name)
            if type(value) is list:
                value = tuple(value)
            if name in exact:
                key.append(value)
                continue
            known = classes[name]
            found = known.get(value)
            if found is None:
                sign = self.model.signature(self.model.reach((name,)).mask, (name,))({name: value})
                ids = self._signs.setdefault(name, {})
                found = known[value] = ids.setdefault(sign, len(ids))
            key.append(found)
        return tuple(key)

    def search(self, facts: Mapping[str, Any], engine: Callable[[], tuple[AbstractSet[str], AbstractSet[str]]]
               ) -> tuple[Found, ...]:
        """The counterfactuals of a profile resolved as ``facts`` (every field present, as
        ``advisor.resolution`` gives them). ``engine()`` gives the rules the engine fired for it (the
        deciding ones at least) and the facts it derived: asked only when no profile of the same
        ``key`` was searched before."""
        if not self.limit:
            return ()
        key = self.key(facts)
        found = self._found.get(key)
        if found is None:
            fired, derived = engine()
            found = self._search(self.model.base(facts, fired, derived))
            if len(self._found) >= KEPT:
                self._found.clear()
            self._found[key] = found
        return found

    def section(self, facts: Mapping[str, Any], engine: Callable[[], tuple[AbstractSet[str], AbstractSet[str]]],
                lang: str) -> list[dict[str, Any]]:
        """The ``counterfactuals`` section of a recommendation (contract §4.3), as JSON data: each
        with its change in words and the mode's label. Remembered by ``key`` (treat as read-only)."""
        if not self.limit:
            return []
        key = (self.key(facts), lang)
        found = self._sections.get(key)
        if found is None:
            modes = self.pack.vocabulary.modes
            found = []
            for cf in self.search(facts, engine):
                change = cf.change()
                found.append({"change": change, "text": change_text(self.pack, change, lang), "mode": cf.mode,
                              "label": modes[cf.mode].label.get(lang), "changeable": cf.changeable})
            if len(self._sections) >= KEPT:
                self._sections.clear()
            self._sections[key] = found
        return found

    def _alone(self, name: str, base: Base) -> tuple[tuple[Change, int], ...]:
        """Every change of field ``name`` for ``base``, with the deciding rules of its reach that
        fire after it (a mask); remembered by what they depend on."""
        model = self.model
        reach = model.reach((name,))
        current = base.facts.get(name)
        key = (name, tuple(current) if type(current) is list else current,
               *[base.values[f] for f in reach.inputs])
        found = self._singles.get(key)
        if found is None:
            found = tuple((c, model.fired_after(base, c.mapping, reach)) for c in self.distinct(name, base.facts))
            if len(self._singles) >= KEPT:
                self._singles.clear()
            self._singles[key] = found
        return found

    def _search(self, base: Base) -> tuple[Found, ...]:
        model, limit, mode = self.model, self.limit, base.mode
        if not model.may_change(base, model.reach(self.listed)):
            return ()  # nothing the listed fields reach can change the mode
        modes, mode_of = model.modes, model.mode_of
        out: list[Found] = []
        given: set[tuple] = set()  # (fields, mode) of what is in out: the first change of some fields to a mode is kept

        def keep(changes: tuple[Change, ...], now: str, changeable: bool) -> None:
            key = (*(c.field for c in changes), now)
            if key not in given:
                given.add(key)
                out.append(Found(changes, now, changeable))

        def singles(names: tuple[str, ...], changeable: bool) -> dict[str, list[tuple[Change, int]]]:
            """Each change of one field of ``names``; those that keep the mode are returned per field,
            with the deciding rules of their reach that fire after them (the parts of pairs)."""
            kept: dict[str, list[tuple[Change, int]]] = {}
            for name in names:
                entries = self._alone(name, base)
                reach = model.reach((name,))
                if not model.may_change(base, reach):
                    kept[name] = list(entries)
                    continue
                kept[name] = parts = []
                rest = base.fired & ~reach.mask
                for change, now in entries:
                    fired = rest | now
                    after = modes.get(fired)
                    if after is None:
                        after = mode_of(fired)
                    if after != mode:
                        keep((change,), after, changeable)
                    else:
                        parts.append((change, now))
            return kept

        def pairs(fields: list[tuple[str, str]], stable: dict[str, list[tuple[Change, int]]], changeable: bool) -> None:
            for names in fields:
                first, second = stable[names[0]], stable[names[1]]
                if not first or not second or not model.may_change(base, model.reach(names)):
                    continue
                reach_a, reach_b = model.reach(names[:1]), model.reach(names[1:])
                shared = reach_a.mask & reach_b.mask  # the rules that read both fields
                rest = base.fired & ~(reach_a.mask | reach_b.mask)
                joint = model.rules_reach(shared) if shared else None
                seconds = [(b, now_b & ~shared) for b, now_b in second]
                both: dict[tuple, int] = {}  # what the shared rules do, by how they see each change
                for a, now_a in first:
                    part = rest | (now_a & ~shared)
                    mark_a = model.signature(shared, tuple(a.mapping))(a.mapping) if joint else None
                    for b, now_b in seconds:
                        fired = part | now_b
                        if joint is not None:
                            key = (mark_a, model.signature(shared, tuple(b.mapping))(b.mapping))
                            found = both.get(key)
                            if found is None:
                                found = both[key] = model.fired_after(base, {**a.mapping, **b.mapping}, joint)
                            fired |= found
                        after = modes.get(fired)
                        if after is None:
                            after = mode_of(fired)
                        if after != mode and (names[0], names[1], after) not in given:
                            keep((a, b), after, changeable)
                            if len(out) >= limit:
                                return

        stable = singles(self.answers, True)
        if len(out) < limit:
            pairs(list(itertools.combinations(self.answers, 2)), stable, True)
        if len(out) < limit:
            stable.update(singles(self.enterprise, False))
            if len(out) < limit:
                pairs([(a, e) for a in self.answers for e in self.enterprise]
                      + list(itertools.combinations(self.enterprise, 2)), stable, False)
        return tuple(out[:limit])


def _tested_items(pack: RulePack, rule_ids: tuple[str, ...]) -> dict[str, frozenset[str]]:
    """For each list field, the items the deciding rules test."""
    items: dict[str, set[str]] = {}
    for rid in rule_ids:
        for test in walk(pack.by_id[rid].when):
            if isinstance(test, FieldTest) and test.op in ("contains", "contains_any"):
                items.setdefault(test.field, set()).update(test.value if isinstance(test.value, list) else [test.value])
    return {name: frozenset(found) for name, found in items.items()}


_TEXTS: dict[tuple, str] = {}


def change_text(pack: RulePack, change: Mapping[str, Any], lang: str) -> str:
    """A change of answers in words: ``预算改为“中（每年50万元至500万元）”，技术团队改为“较强”``;
    a budget band with its limits (the pack's band labels). Remembered (few changes recur)."""
    key = (pack.version, lang, *((k, tuple(v) if isinstance(v, list) else v) for k, v in change.items()))
    found = _TEXTS.get(key)
    if found is None:
        if len(_TEXTS) >= KEPT:
            _TEXTS.clear()
        found = _TEXTS[key] = _change_text(pack, change, lang)
    return found


def _change_text(pack: RulePack, change: Mapping[str, Any], lang: str) -> str:
    from advisor.ui_text import t

    voc = vocabulary()
    parts = []
    for name, value in change.items():
        spec = voc.fields[name]
        field = spec.zh if lang == "zh" else (spec.en[0].lower() + spec.en[1:] if spec.en[1:2].islower() else spec.en)
        if isinstance(value, bool):
            shown = t("word_yes" if value else "word_no", lang)
        elif isinstance(value, (list, tuple)):
            shown = t("list_sep", lang).join(voc.label(spec.values, v, lang) for v in value) if value else t("none", lang)
        elif spec.type == "budget":
            band = next((b for b in pack.thresholds.budget.bands if b.value == value and b.label), None)
            shown = band.label.get(lang) if band else voc.label(spec.values, value, lang)
        else:
            shown = voc.label(spec.values, value, lang) if spec.values else str(value)
        parts.append(t("cf_part", lang, field=field, value=shown))
    return t("cf_sep", lang).join(parts)


_SEARCHERS: dict[str, Searcher] = {}


def searcher(pack: RulePack) -> Searcher:
    """The searcher of ``pack`` (made once per pack version)."""
    key = f"{pack.version} {pack.path}"
    found = _SEARCHERS.get(key)
    if found is None:
        found = _SEARCHERS[key] = Searcher(pack)
    return found
