"""Compact JSON Lines (``advisor batch --detail ids``): ids, statuses, dates and numbers, no texts.

The full line (contract §3) stays the contract and the default. A compact line is a projection
of it, with its own shape (``format``: ``ids/1``; ``advisor/contract.yaml`` lists its keys):

``{"profile": NAME, "format": "ids/1",
  "deployment": {"mode", "score", "alternatives": [{"mode", "score", "excluded"}]},
  "pricing": {"models"}, "model_size": {"min_params_b", "max_params_b"}, "as_of",
  "compliance": [{"id", "status", "effective", "unconfirmed"}],
  "first_year_cny": [low, high] | null, "within_budget": true | false | null,
  "rules": [ids], "rule_pack": {"name", "version"}, "lang"}``

Every key but ``format``, ``unconfirmed``, ``first_year_cny``, ``within_budget`` and ``rules``
sits at the same place with the same value as in the full line, with fewer keys beside it.
``unconfirmed`` is whether the item's ``needs_confirmation`` holds a text (the text is the rule
pack's); ``first_year_cny`` and ``within_budget`` are those of ``costs[0]``, the recommended
mode (null when there are no costs); ``rules`` are the rules that fired, in pack order (the
``rule`` of each ``trace`` entry), to join with ``advisor rules list --format json``.

``project`` makes that shape from a full recommendation: the reference. The batch makes the
same bytes from a ``Decision`` without the full recommendation (``CompactEncoder``): each part
of a line is encoded once for all the decisions that share it, and a row is ``{"profile":`` +
its name joined to them.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

import orjson

from advisor.batch.decision import CHECKLIST_FIELDS, SUMMARIES, Decision
from advisor.formats.escape import json_bytes
from advisor.formats.json import compact
from advisor.vocabulary import vocabulary

FORMAT: str = vocabulary().compact_line["format"]  # the value of every line's "format" key
KEYS: tuple[str, ...] = tuple(vocabulary().compact_line["keys"])  # a line's keys, in order
_NEEDS_CONFIRMATION = CHECKLIST_FIELDS.index("needs_confirmation")
_CHECKLIST = tuple(CHECKLIST_FIELDS.index(f) for f in ("id", "status", "effective"))


def project(recommendation: dict[str, Any]) -> dict[str, Any]:
    """The compact line's data from a full recommendation (contract §3, as
    ``Advisor.recommend(...).model_dump(mode="json")`` gives it). ``KeyError`` when a section
    the line reads is missing."""
    r = recommendation
    deployment = r["deployment"]
    costs = r.get("costs") or ()
    first = costs[0] if costs else {}
    return {
        "profile": r["profile"],
        "format": FORMAT,
        "deployment": {"mode": deployment["mode"], "score": deployment["score"],
                       "alternatives": [{"mode": a["mode"], "score": a["score"], "excluded": bool(a.get("excluded"))}
                                        for a in deployment["alternatives"]]},
        "pricing": {"models": list(r["pricing"]["models"])},
        "model_size": {"min_params_b": r["model_size"]["min_params_b"],
                       "max_params_b": r["model_size"]["max_params_b"]},
        "as_of": r["as_of"],
        "compliance": [{"id": c["id"], "status": c["status"], "effective": c.get("effective"),
                        "unconfirmed": bool(c.get("needs_confirmation"))} for c in r["compliance"]],
        "first_year_cny": first.get("first_year_cny"),
        "within_budget": first.get("within_budget"),
        "rules": [entry["rule"] for entry in r["trace"]],
        "rule_pack": {"name": r["rule_pack"]["name"], "version": r["rule_pack"]["version"]},
        "lang": r["lang"],
    }


def name_json(name: str) -> bytes:
    """A profile's name as a JSON string, as ``encode`` writes it: ``json_bytes(orjson.dumps(name))``,
    whose check is skipped for a name of printable characters only (every raw control character
    that ``json_bytes`` escapes is unprintable), as nearly every name is."""
    data = orjson.dumps(name)
    return data if name.isprintable() else json_bytes(data)


def encode(data: dict[str, Any]) -> bytes:
    """A compact line's data as its JSON line (UTF-8, no newline), as the batch writes it:
    orjson's compact form, control characters as ``\\u`` escapes (``formats.escape.json_bytes``)."""
    return json_bytes(compact(data))


_BUDGET = {True: b',"within_budget":true', False: b',"within_budget":false', None: b',"within_budget":null'}
KEPT = 4096  # encoded checklists and lists of fired rules kept by a writer, of each (under a KB each)


def decision_part(decision: Decision) -> bytes:
    """From ``,"format"`` to ``model_size``: the same for every decision of the same deployment
    ranking, pricing and model size."""
    excluded = decision.excluded
    return b"," + encode({
        "format": FORMAT,
        "deployment": {"mode": decision.mode, "score": decision.score,
                       "alternatives": [{"mode": m, "score": s, "excluded": m in excluded}
                                        for m, s in decision.alternatives]},
        "pricing": {"models": list(decision.pricing)},
        "model_size": {"min_params_b": decision.min_params_b, "max_params_b": decision.max_params_b},
    })[1:-1]


def checklist_part(checklist: tuple[tuple[Any, ...], ...], as_of: bytes) -> bytes:
    """From ``as_of`` to ``"first_year_cny":``, for a ``Decision.checklist`` (``as_of``: the run's
    ``"as_of":...`` pair)."""
    items = encode({"compliance": [{"id": item[_CHECKLIST[0]], "status": item[_CHECKLIST[1]],
                                    "effective": item[_CHECKLIST[2]], "unconfirmed": bool(item[_NEEDS_CONFIRMATION])}
                                   for item in checklist]})
    return b"".join((b",", as_of, b",", items[1:-1], b',"first_year_cny":'))


def figures_part(decision: Decision) -> bytes:
    """The profile's own figures: the recommended mode's first-year costs and budget verdict, as
    the CSV has them (``Decision.figures``: worked out without building the costs section)."""
    first, within = decision.figures()
    return (b"null" if first is None else compact(list(first))) + _BUDGET[within]


class CompactEncoder:
    """Makes the compact lines of one run (one scorer: its pack, language and date).

    ``parts(decision)`` are the bytes of a line after ``{"profile":NAME``, newline included:

    1. ``format``, ``deployment``, ``pricing``, ``model_size`` (``decision_part``): encoded once
       for the decisions with the same summaries, kept in their ``Shared`` (``Shared.compact``);
    2. ``as_of`` and ``compliance`` (``checklist_part``): once per checklist;
    3. the profile's figures (``figures_part``): once per decision;
    4. the rules that fired: once per set of rules;
    5. the pack and the language: once per run.

    Checklists and sets of rules are kept here, ``KEPT`` of each (a few hundred distinct ones in a
    client list), keyed on their content (ids, statuses, dates and texts: no number). The parts
    are kept with the decision (``Decision.compact``), so a repeated profile costs a join; and
    they are the same bytes objects for many rows, so a block handed over by a worker pickles
    each once.
    """

    def __init__(self, pack: Any, lang: str, as_of: dt.date) -> None:
        self.as_of = encode({"as_of": as_of.isoformat()})[1:-1]  # '"as_of":"2026-06-01"'
        self.end = b"," + encode({"rule_pack": {"name": pack.meta.name, "version": pack.version}, "lang": lang})[1:] + b"\n"
        self._checklists: dict[tuple, bytes] = {}
        self._rules: dict[tuple[str, ...], bytes] = {}
        # by the identity of the sections' summaries a decision was read from (``Shared.sections``),
        # when known: (those objects, which keeps their ids theirs, and the part)
        self._heads: dict[tuple[int, ...], tuple[tuple, bytes]] = {}
        self._lists: dict[int, tuple[Any, bytes]] = {}

    def parts(self, decision: Decision) -> tuple[bytes, ...]:
        """The line's parts after the name (see the class); kept with ``decision``."""
        parts = decision.compact
        if parts is None:
            shared = decision.shared
            sections = shared.sections
            head = shared.compact
            if head is None:
                head = shared.compact = self._head(decision, sections)
            if sections is not None:  # the checklist's summary: one object per checklist
                found = self._lists.get(id(sections[_LIST]))
                if found is None:
                    if len(self._lists) >= KEPT:
                        self._lists.clear()
                    found = self._lists[id(sections[_LIST])] = (sections[_LIST], self._checklist(decision))
                checklist = found[1]
            else:
                checklist = self._checklist(decision)
            fired = decision.fired
            rules = self._rules.get(fired)
            if rules is None:
                if len(self._rules) >= KEPT:
                    self._rules.clear()
                rules = self._rules[fired] = b',"rules":' + compact(list(fired))
            parts = decision.compact = (head, checklist, figures_part(decision), rules, self.end)
        return parts

    def _head(self, decision: Decision, sections: tuple | None) -> bytes:
        """``decision_part``, kept per deployment, pricing and model size summaries when known."""
        if sections is None:
            return decision_part(decision)
        pinned = tuple([sections[n] for n in _HEAD])
        key = tuple(map(id, pinned))
        found = self._heads.get(key)
        if found is None:
            if len(self._heads) >= KEPT * 4:
                self._heads.clear()
            found = self._heads[key] = (pinned, decision_part(decision))
        return found[1]

    def _checklist(self, decision: Decision) -> bytes:
        """``checklist_part``, kept per checklist."""
        checklist = self._checklists.get(decision.checklist)
        if checklist is None:
            if len(self._checklists) >= KEPT:
                self._checklists.clear()
            checklist = self._checklists[decision.checklist] = checklist_part(decision.checklist, self.as_of)
        return checklist


# Where the summaries a compact part is made of are in ``Shared.sections`` (``SUMMARIES``' order).
_HEAD = tuple(list(SUMMARIES).index(key) for key in ("deployment", "pricing", "model_size"))
_LIST = list(SUMMARIES).index("compliance")
