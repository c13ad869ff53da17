"""A pack's invariants, checked over the grid it declares (``advisor rules test``).

An invariant (``invariants:`` in the pack, e.g. ``rules/invariants.yaml``) says that for every
profile of the grid that its ``when`` holds for, its ``expect`` holds of the recommendation. The
grid is every combination of the values of the fields ``invariant_grid:`` names (those its
rules can tell apart: ``advisor.analysis.space``), the other fields at their defaults; without
``invariant_grid``, the fields the invariants' ``when`` test.

Each profile goes through the batch engine (``advisor.batch.verdicts``: the pack's slices, each
verdict cached on the few fields it reads), and only the outcomes the invariants test are built
from what fired, each remembered by the rules it reads — the same section functions that build
the recommendation (``advisor.assembly``). Tens of thousands of profiles take seconds.

A violated invariant is reported with how many profiles violate it and the first of them (a
counterexample), with the outcomes its ``expect`` tests.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Iterator, Mapping

from advisor.analysis.conditions import check, walk
from advisor.analysis.space import Space
from advisor.engine.cases import OPERATORS, OUTCOMES
from advisor.engine.loader import BUDGET_NUMBER_FIELD, RulePack, field_test_problems, suggest
from advisor.engine.schema import FactTest, FieldTest, Invariant
from advisor.errors import as_written


def invariant_problems(pack: RulePack) -> list[str]:
    """What is wrong with the invariants of ``pack``: each problem names the file, the invariant,
    and the field or value (``when`` is checked as a rule's condition is)."""
    from advisor.ranking import DECIDED_BY
    from advisor.vocabulary import vocabulary

    voc = vocabulary()
    values = {"modes": list(pack.meta.tie_break), "decided_by": list(DECIDED_BY), "pricing": voc.outputs["pricing"],
              "items": list(pack.items), "rules": [r.id for r in pack.rules], "chosen_by": ["buyer", "vendor"]}
    profile_fields = [f for f in voc.fields if f != "name"] + [BUDGET_NUMBER_FIELD]
    problems: list[str] = []
    for inv in pack.invariants:
        where = f"{pack.origins.get(f'invariant {inv.id}', '?')}: invariant {inv.id}"
        for part, cond in (("when", inv.when), ("expect", inv.expect)):
            for test in walk(cond):
                if isinstance(test, FactTest):
                    if test.fact not in pack.facts:
                        problems.append(f"{where}: {part}: unknown fact '{test.fact}'{suggest(test.fact, pack.facts)}")
                elif part == "when":
                    if test.field not in profile_fields:
                        problems.append(f"{where}: when: unknown profile field '{test.field}'"
                                        f"{suggest(test.field, profile_fields)}")
                    else:
                        problems += [f"{where}: when: {p}" for p in field_test_problems(test, list(pack.meta.tie_break))]
                else:
                    problems += [f"{where}: expect: {p}" for p in _outcome_problems(test, values)]
    for name in pack.invariant_grid or ():
        if name not in profile_fields:
            problems.append(f"{pack.origins.get('invariant_grid', '?')}: invariant_grid: unknown profile field "
                            f"'{name}'{suggest(name, profile_fields)}; allowed: {', '.join(profile_fields)}")
    return problems


def _outcome_problems(test: FieldTest, values: dict[str, list[str]]) -> list[str]:
    kind = OUTCOMES.get(test.field)
    if kind is None:
        return [f"unknown outcome '{test.field}'{suggest(test.field, OUTCOMES)}; allowed: {', '.join(OUTCOMES)}"]
    shape, source = kind
    if test.op not in OPERATORS[shape]:
        return [f"'{test.field}' is tested with {', '.join(OPERATORS[shape])}, not {test.op}"]
    given = test.value if isinstance(test.value, list) else [test.value]
    if shape == "bool":
        return [] if all(isinstance(v, bool) for v in given) else [f"'{test.field}' is true or false"]
    if shape == "number":
        ok = all(isinstance(v, (int, float)) and not isinstance(v, bool) for v in given)
        return [] if ok else [f"'{test.field}' is a number"]
    return [f"'{test.field}' has no value {as_written(v)}{suggest(str(v), values[source])}" for v in given
            if v not in values[source]]


@dataclass
class Result:
    """How one invariant fared over the grid."""

    invariant: Invariant
    applied: int = 0  # profiles its ``when`` held for
    violated: int = 0
    example: dict[str, Any] | None = None  # the first counterexample, as a profile gives it
    outcomes: dict[str, Any] | None = None  # what its ``expect`` tests, for that profile


def grid_fields(pack: RulePack) -> tuple[str, ...]:
    """The fields the grid combines: ``invariant_grid``, else those the invariants' ``when`` test."""
    if pack.invariant_grid is not None:
        return tuple(pack.invariant_grid)
    return tuple(sorted({t.field for inv in pack.invariants for t in walk(inv.when) if isinstance(t, FieldTest)}))


def grid(pack: RulePack) -> Iterator[dict[str, Any]]:
    """Every profile of the invariants' grid, as a validated profile's values (without a name)."""
    from advisor.profile import parse_profile
    from advisor.vocabulary import vocabulary

    voc = vocabulary()
    fields = grid_fields(pack)
    first = {name: next(iter(voc.enums[voc.fields[name].values])) for name in ("sector", "privacy", "size")}
    template = parse_profile({"name": "grid", **first, "budget": next(iter(voc.enums["level"]))}).model_dump(exclude={"name"})
    if "employees" in fields and "size" not in fields:
        template["size"] = None  # the size comes from the headcount
    for combo in Space(pack, fields, pack.rules).assignments():
        values = {**template, **combo}
        amount = values.pop(BUDGET_NUMBER_FIELD, None)
        if amount is not None:
            values["budget"] = amount
        if values["size"] is None and values.get("employees") is None:
            continue  # a profile gives one of them
        yield values


class _Outcomes(Mapping[str, Any]):
    """The outcomes of one profile, each built when first read (``OUTCOMES``)."""

    def __init__(self, owner: "Checker", fired: list[str], resolved: Any) -> None:
        self.owner, self.fired, self.resolved, self.built = owner, fired, resolved, {}

    def __getitem__(self, name: str) -> Any:
        if name not in self.built:
            self.built.update(self.owner.outcome(name, self.fired, self.resolved))
        return self.built[name]

    def get(self, name: str, default: Any = None) -> Any:
        return self[name] if name in OUTCOMES else default

    def __iter__(self) -> Iterator[str]:
        return iter(OUTCOMES)

    def __len__(self) -> int:
        return len(OUTCOMES)


class Checker:
    """The invariants of an advisor's pack, run over its grid."""

    def __init__(self, advisor: Any, options: Any) -> None:
        from advisor.batch.verdicts import Verdicts
        from advisor.pipeline import dated

        self.advisor, self.pack = advisor, advisor.pack
        self.assembly = advisor.assembly("en", dated(options))
        self.sections = {s.key: s for s in self.assembly.sections}
        self.verdicts = Verdicts(advisor, advisor.ranker.mode)
        self._pieces: dict[tuple, dict[str, Any]] = {}
        self._derives = {r.id: [e.derive for e in r.then if e.derive] for r in self.pack.rules}

    def run(self) -> tuple[int, list[Result]]:
        """The number of grid profiles, and each invariant's result."""
        results = [Result(inv) for inv in self.pack.invariants]
        checks = [(check(inv.when), check(inv.expect)) for inv in self.pack.invariants]
        order = self.pack.order
        fields = grid_fields(self.pack)
        count = 0
        for values in grid(self.pack):
            count += 1
            resolved = self.advisor.resolve_values(values)
            facts = resolved.facts
            fired = sorted(self.verdicts.fired(facts), key=order.__getitem__)
            derived = {f for rid in fired for f in self._derives[rid]}
            outcomes = _Outcomes(self, fired, resolved)
            for result, (when, expect) in zip(results, checks):
                if not when(facts, derived):
                    continue
                result.applied += 1
                if not expect(outcomes, derived):
                    result.violated += 1
                    if result.example is None:
                        result.example = _as_given(values, fields)
                        result.outcomes = {t.field: outcomes[t.field] for t in walk(result.invariant.expect)
                                           if isinstance(t, FieldTest)}
        return count, results

    def outcome(self, name: str, fired: list[str], resolved: Any) -> dict[str, Any]:
        """The outcome ``name`` (and those built with it) for the rules ``fired`` (pack order) of
        the profile ``resolved`` (``advisor.resolution.Resolved``: a section reading fields or
        thresholds of the profile, e.g. the budget conflict of the costs, reads them there)."""
        section = {"mode": "deployment", "decided_by": "deployment", "mode_excluded": "deployment",
                   "excluded": "deployment", "pricing": "pricing", "pricing_excluded": "pricing",
                   "compliance": "compliance", "required": "compliance", "recommended": "compliance",
                   "upcoming": "upcoming", "conflicts": "conflicts", "min_params_b": "model_size",
                   "max_params_b": "model_size", "size_chosen_by": "model_size"}.get(name)
        if section is None:  # fired
            return {"fired": list(fired)}
        readers, reads = self.assembly.readers[section], self.sections[section].reads
        key = (section, tuple(r for r in fired if r in readers),
               self.advisor.ranker.key(fired) if reads.decision else None,
               tuple(_hashable(resolved.facts.get(f)) for f in reads.fields),
               tuple(map(_hashable, resolved.thresholds)) if reads.thresholds else ())
        found = self._pieces.get(key)
        if found is None:
            inp = self.assembly.input(self.sections[section], fired, resolved=resolved)
            value = self.assembly.build(self.sections[section], inp)
            found = _views(section, value)
            if len(self._pieces) >= 65536:
                self._pieces.clear()
            self._pieces[key] = found
        return found


def _hashable(value: Any) -> Any:
    """``value`` as a key: lists (a profile's use cases) as tuples, models by their data."""
    if isinstance(value, (list, tuple)):
        return tuple(_hashable(v) for v in value)
    if hasattr(value, "model_dump"):
        return _hashable(tuple(sorted(value.model_dump().items(), key=lambda kv: kv[0])))
    if isinstance(value, dict):
        return tuple(sorted((k, _hashable(v)) for k, v in value.items()))
    return value


def _views(section: str, value: Any) -> dict[str, Any]:
    """The outcomes a section's value gives."""
    if section == "deployment":
        excluded = [e["mode"] for e in value["excluded"]]
        return {"mode": value["mode"], "decided_by": value["decided_by"], "excluded": excluded,
                "mode_excluded": value["mode"] in excluded}
    if section == "pricing":
        return {"pricing": list(value.models), "pricing_excluded": [e.model for e in value.excluded]}
    if section == "compliance":
        return {"compliance": [c.id for c in value], "required": [c.id for c in value if c.status == "required"],
                "recommended": [c.id for c in value if c.status == "recommended"]}
    if section == "upcoming":
        return {"upcoming": [c.id for c in value]}
    if section == "conflicts":
        return {"conflicts": list(dict.fromkeys(r for c in value for r in c.rules))}
    return {"min_params_b": value.min_params_b, "max_params_b": value.max_params_b, "size_chosen_by": value.chosen_by}


def _as_given(values: Mapping[str, Any], fields: tuple[str, ...]) -> dict[str, Any]:
    """A grid profile as a profile file gives it: its name, the required fields and the grid's."""
    from advisor.vocabulary import vocabulary

    shown = [f for f, spec in vocabulary().fields.items() if spec.required or f in fields or f in ("size", "employees")]
    return {"name": "counterexample", **{f: values[f] for f in shown if f in values and values[f] is not None}}
