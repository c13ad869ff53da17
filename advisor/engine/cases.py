"""A pack's own test cases and guarantees.

* Cases: given-profile / expected-outcome YAML in ``cases/`` beside the rules (``load_cases``,
  ``check_case``).
* Invariants: what must hold over every profile of a grid (``invariants:`` and
  ``invariant_grid:`` in the pack's files, e.g. ``rules/invariants.yaml``). ``expect`` tests the
  names of ``OUTCOMES``, each a view of the recommendation. They are checked and run by
  ``advisor.analysis.invariants``.

One implementation serves both ``advisor rules test`` and the project's pytest suite.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from pydantic import Field, ValidationError

from advisor.engine.schema import Strict
from advisor.errors import RuleLoadError
from advisor.safe_load import DATA, DocumentError, load_yaml, non_finite


class SizeRange(Strict):
    """An expected model-size range."""

    min: float
    max: float


class Expect(Strict):
    """What a case expects; every key is optional."""

    mode: str | None = None
    pricing: list[str] | None = None
    pricing_includes: list[str] = []
    model_size: SizeRange | None = None
    required: list[str] = []
    recommended: list[str] = []
    absent: list[str] = []
    fired: list[str] = []
    not_fired: list[str] = []
    facts: list[str] = []
    excluded: list[str] = []  # modes a hard requirement must rule out
    not_excluded: list[str] = []
    conflicts: list[str] = []  # rules that must be behind a conflict
    decided_by: str | None = None
    tied_with: list[str] | None = None
    size_chosen_by: str | None = None
    upcoming: list[str] | None = None  # exactly these items come into force within 12 months
    basis: dict[str, str] = {}  # item id -> text its basis (in English) contains


class Case(Strict):
    """A profile and the outcome it must give, with the checklist as of ``as_of`` (default: the
    file's ``as_of``, else today)."""

    name: str
    profile: dict[str, Any]
    as_of: dt.date | None = None
    expect: Expect


class CaseFile(Strict):
    """A YAML file of cases; ``as_of`` dates every case that gives no date of its own."""

    as_of: dt.date | None = None
    cases: list[Case] = Field(min_length=1)


@dataclass(frozen=True)
class LoadedCase:
    """A case with the file it came from."""

    file: str
    number: int
    case: Case

    @property
    def label(self) -> str:
        """``file #n: name``."""
        return f"{self.file} #{self.number}: {self.case.name}"


def load_cases(pack_dir: str | Path, pack: Any = None) -> list[LoadedCase]:
    """Every case in ``pack_dir/cases/*.yaml`` (none if the folder is absent).

    Read like rule files (``advisor.safe_load``, YAML 1.2): a key given twice, NaN or an infinite
    number, an empty file or a folder named ``*.yaml`` is a problem naming the file. Given the
    loaded ``pack`` (an ``advisor.engine.loader.RulePack``), every id an expectation names — a
    rule, a compliance item, a mode, a charging model, a fact — must be one the pack has (a
    misspelt id would make ``not_fired``/``absent``/``not_excluded`` hold for ever), and every
    profile must be valid: either is a problem naming the file, the case and the key.
    Raises ``RuleLoadError`` with every problem found.
    """
    out: list[LoadedCase] = []
    problems: list[str] = []
    for path in sorted((Path(pack_dir) / "cases").glob("*.yaml")):
        name = f"cases/{path.name}"
        if not path.is_file():
            problems.append(f"{name}: is a folder (or not a regular file), not a file of cases")
            continue
        try:
            raw = load_yaml(path.read_bytes().decode("utf-8-sig"), DATA)
        except (OSError, UnicodeDecodeError) as exc:
            problems.append(f"{name}: cannot read as UTF-8 text: {exc}")
            continue
        except DocumentError as exc:
            problems.append(f"{name}: {exc.where + ': ' if exc.where else ''}broken YAML: {exc.reason}")
            continue
        if raw is None:
            problems.append(f"{name}: empty; a file of cases holds 'cases:', a list of name, profile and expect")
            continue
        bad = [f"{name}: {'.'.join(map(str, where))}: {value} is not a number" for where, value in non_finite(raw)]
        if bad:
            problems += bad
            continue
        try:
            data = CaseFile.model_validate(raw)
        except ValidationError as exc:
            problems += [f"{name}: {'.'.join(map(str, e['loc']))}: {e['msg']}"
                         for e in exc.errors(include_url=False)]
            continue
        out += [LoadedCase(name, n, case if case.as_of or not data.as_of
                           else case.model_copy(update={"as_of": data.as_of}))
                for n, case in enumerate(data.cases, start=1)]
    if pack is not None and not problems:
        problems += [p for loaded in out for p in case_problems(loaded, pack)]
    if problems:
        raise RuleLoadError(problems, str(pack_dir))
    return out


# Where the ids each expectation names come from (see ``case_problems``).
_REFERENCES = {"mode": "modes", "excluded": "modes", "not_excluded": "modes", "tied_with": "modes",
               "pricing": "pricing", "pricing_includes": "pricing", "required": "items", "recommended": "items",
               "absent": "items", "upcoming": "items", "basis": "items", "fired": "rules", "not_fired": "rules",
               "conflicts": "rules", "facts": "facts", "decided_by": "decided_by", "size_chosen_by": "chosen_by"}


def case_problems(loaded: LoadedCase, pack: Any) -> list[str]:
    """What is wrong with ``loaded`` against ``pack``: an id its expectation names that the pack
    does not have (with the closest one), and a profile that is not valid."""
    from advisor.engine.loader import suggest
    from advisor.errors import ProfileError
    from advisor.profile import parse_profile
    from advisor.ranking import DECIDED_BY
    from advisor.vocabulary import vocabulary

    known = {"modes": list(pack.meta.tie_break), "pricing": list(vocabulary().outputs["pricing"]),
             "items": list(pack.items), "rules": [r.id for r in pack.rules], "facts": list(pack.facts),
             "decided_by": list(DECIDED_BY), "chosen_by": ["buyer", "vendor"]}
    where = f"{loaded.file}: case {loaded.number} ({loaded.case.name})"
    problems = []
    expect = loaded.case.expect
    for key, source in _REFERENCES.items():
        given = getattr(expect, key)
        for value in ([] if given is None else [given] if isinstance(given, str) else list(given)):
            if value in known[source]:
                continue
            suggestion = suggest(value, known[source])
            if source == "modes":
                problems.append(f"{where}: expect.{key}: unknown mode '{value}'{suggestion}")
            elif source == "pricing":
                problems.append(f"{where}: expect.{key}: unknown charging model '{value}'{suggestion}")
            elif source == "items":
                problems.append(f"{where}: expect.{key}: unknown compliance item '{value}'{suggestion}")
            elif source == "rules":
                problems.append(f"{where}: expect.{key}: unknown rule '{value}'{suggestion}")
            elif source == "facts":
                problems.append(f"{where}: expect.{key}: unknown fact '{value}'{suggestion}")
            elif source == "decided_by":
                problems.append(f"{where}: expect.{key}: unknown way of deciding '{value}'{suggestion}; "
                                f"allowed: {', '.join(known[source])}")
            else:
                problems.append(f"{where}: expect.{key}: unknown chooser '{value}'; allowed: {', '.join(known[source])}")
    try:
        parse_profile(loaded.case.profile)
    except ProfileError as exc:
        problems += [f"{where}: profile: {problem}" for problem in exc.problems]
    return problems


def check_case(result: dict[str, Any], expect: Expect) -> list[str]:
    """The ways ``result`` (a recommendation as JSON data) falls short of ``expect``; empty if none."""
    failures: list[str] = []
    fired = [t["rule"] for t in result["trace"]]
    checklist = {c["id"]: c["status"] for c in result["compliance"]}
    mode = result["deployment"]["mode"]
    if expect.mode is not None and mode != expect.mode:
        scores = ", ".join(f"{a['mode']} {a['score']:g}" + (" excluded" if a.get("excluded") else "")
                           for a in result["deployment"]["alternatives"])
        failures.append(f"mode is {mode} ({result['deployment']['score']:g}; then {scores}), expected {expect.mode}")
    models = result["pricing"]["models"]
    if expect.pricing is not None and set(models) != set(expect.pricing):
        failures.append(f"pricing is {models}, expected {expect.pricing}")
    if not set(expect.pricing_includes) <= set(models):
        failures.append(f"pricing {models} lacks {sorted(set(expect.pricing_includes) - set(models))}")
    size = result["model_size"]
    if expect.model_size and (size["min_params_b"], size["max_params_b"]) != (expect.model_size.min, expect.model_size.max):
        failures.append(f"model size is {size['min_params_b']}–{size['max_params_b']} B, "
                        f"expected {expect.model_size.min:g}–{expect.model_size.max:g} B")
    for status, items in (("required", expect.required), ("recommended", expect.recommended)):
        for item in items:
            if checklist.get(item) != status:
                failures.append(f"{item} is {checklist.get(item, 'not on the checklist')}, expected {status}")
    failures += [f"{item} is on the checklist ({checklist[item]}), expected absent"
                 for item in expect.absent if item in checklist]
    failures += [f"rule {rule} did not fire" for rule in expect.fired if rule not in fired]
    failures += [f"rule {rule} fired" for rule in expect.not_fired if rule in fired]
    failures += [f"fact {fact} was not derived" for fact in expect.facts if fact not in result["derived_facts"]]
    excluded = [e["mode"] for e in result["deployment"].get("excluded", [])]
    failures += [f"{m} is not excluded (excluded: {excluded or 'none'})" for m in expect.excluded if m not in excluded]
    failures += [f"{m} is excluded by {next(e['rules'] for e in result['deployment']['excluded'] if e['mode'] == m)}"
                 for m in expect.not_excluded if m in excluded]
    conflicting = [r for c in result.get("conflicts", []) for r in c["rules"]]
    failures += [f"no conflict from {rule} (conflicts from: {conflicting or 'none'})"
                 for rule in expect.conflicts if rule not in conflicting]
    decided_by = result["deployment"].get("decided_by")
    if expect.decided_by is not None and decided_by != expect.decided_by:
        failures.append(f"decided by {decided_by}, expected {expect.decided_by}")
    tied = result["deployment"].get("tied_with")
    if expect.tied_with is not None and tied != expect.tied_with:
        failures.append(f"tied with {tied}, expected {expect.tied_with}")
    chosen_by = size.get("chosen_by")
    if expect.size_chosen_by is not None and chosen_by != expect.size_chosen_by:
        failures.append(f"model size chosen by {chosen_by}, expected {expect.size_chosen_by}")
    upcoming = [c["id"] for c in result.get("upcoming", [])]
    if expect.upcoming is not None and set(upcoming) != set(expect.upcoming):
        failures.append(f"upcoming is {upcoming} (after {result.get('as_of')}), expected {expect.upcoming}")
    bases = {c["id"]: c["basis"] for c in result["compliance"]}
    for item, text in expect.basis.items():
        if text not in bases.get(item, ""):
            failures.append(f"{item}: basis {bases.get(item, '(not on the checklist)')!r} lacks {text!r}")
    return failures


# --- invariants -----------------------------------------------------------------------------------

# What an invariant's ``expect`` may test: a name of the recommendation's outcome, its kind (a
# value of one, a list of them, a yes/no, a number) and where its values come from.
OUTCOMES: dict[str, tuple[str, str]] = {
    "mode": ("value", "modes"),  # deployment.mode
    "decided_by": ("value", "decided_by"),  # deployment.decided_by
    "mode_excluded": ("bool", ""),  # the chosen mode is itself ruled out (every mode is: least bad)
    "excluded": ("list", "modes"),  # deployment.excluded[].mode
    "pricing": ("list", "pricing"),  # pricing.models
    "pricing_excluded": ("list", "pricing"),  # pricing.excluded[].model
    "compliance": ("list", "items"),  # compliance[].id, either status
    "required": ("list", "items"),  # compliance[].id with status required
    "recommended": ("list", "items"),  # ... recommended
    "upcoming": ("list", "items"),  # upcoming[].id
    "conflicts": ("list", "rules"),  # conflicts[].rules
    "fired": ("list", "rules"),  # trace[].rule
    "min_params_b": ("number", ""),  # model_size
    "max_params_b": ("number", ""),
    "size_chosen_by": ("value", "chosen_by"),  # model_size.chosen_by
}
OPERATORS = {"list": ("contains", "contains_any"), "value": ("eq", "ne", "in", "not_in"), "bool": ("eq", "ne"),
             "number": ("eq", "ne", "lt", "lte", "gt", "gte")}  # what each kind of outcome may be tested with
