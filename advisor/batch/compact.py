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
same bytes from a ``Decision`` without the full recommendation (``line_parts``): the part of a
line shared by every profile of an outcome (the same rules fired) is encoded once and kept in
the outcome's ``Shared``; a profile's own figures (costs) are encoded once and kept with its
decision; a row is then ``{"profile":`` + its name, the outcome's part before the figures, the
figures, and the outcome's part after them — the same bytes objects for every row of an
outcome, so a block handed over by a worker pickles each once.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from advisor.batch.decision import CHECKLIST_FIELDS, Decision
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


def encode(data: dict[str, Any]) -> bytes:
    """A compact line's data as its JSON line (UTF-8, no newline), as the batch writes it:
    orjson's compact form, control characters as ``\\u`` escapes (``formats.escape.json_bytes``)."""
    return json_bytes(compact(data))


class RunPart:
    """What every line of a run shares: its date, the rule pack and the language (encoded once)."""

    def __init__(self, pack: Any, lang: str, as_of: dt.date) -> None:
        self.as_of = encode({"as_of": as_of.isoformat()})[1:-1]  # '"as_of":"2026-06-01"'
        self.end = encode({"rule_pack": {"name": pack.meta.name, "version": pack.version}, "lang": lang})[1:]


def outcome_part(decision: Decision, run: RunPart) -> tuple[bytes, bytes]:
    """The bytes of a line that every decision of ``decision``'s outcome shares (the same rules
    fired): from ``"format"`` to ``"first_year_cny":``, and from ``"rules"`` to the end (with the
    newline). Between them go the profile's own figures (``figures_part``)."""
    excluded = decision.excluded
    head = encode({
        "format": FORMAT,
        "deployment": {"mode": decision.mode, "score": decision.score,
                       "alternatives": [{"mode": m, "score": s, "excluded": m in excluded}
                                        for m, s in decision.alternatives]},
        "pricing": {"models": list(decision.pricing)},
        "model_size": {"min_params_b": decision.min_params_b, "max_params_b": decision.max_params_b},
    })
    checklist = encode({"compliance": [{"id": item[_CHECKLIST[0]], "status": item[_CHECKLIST[1]],
                                        "effective": item[_CHECKLIST[2]],
                                        "unconfirmed": bool(item[_NEEDS_CONFIRMATION])}
                                       for item in decision.checklist]})
    rules = encode({"rules": list(decision.fired)})
    return (b"".join((b",", head[1:-1], b",", run.as_of, b",", checklist[1:-1], b',"first_year_cny":')),
            b"".join((b",", rules[1:-1], b",", run.end, b"\n")))


_BUDGET = {True: b',"within_budget":true', False: b',"within_budget":false', None: b',"within_budget":null'}


def figures_part(decision: Decision) -> bytes:
    """The profile's own figures: the recommended mode's first-year costs and budget verdict, as
    the CSV has them (``Decision.figures``: worked out without building the costs section)."""
    first, within = decision.figures()
    return (b"null" if first is None else compact(list(first))) + _BUDGET[within]


def line_parts(decision: Decision, run: RunPart) -> tuple[bytes, bytes, bytes]:
    """A compact line after ``{"profile":NAME``, newline included, in three parts: the outcome's
    (``outcome_part``, encoded once per outcome and kept in its ``Shared.compact``), the
    profile's figures between them, kept with the decision (``Decision.compact``)."""
    parts = decision.compact
    if parts is None:
        shared = decision.shared
        around = shared.compact
        if around is None:
            around = shared.compact = outcome_part(decision, run)
        parts = decision.compact = (around[0], figures_part(decision), around[1])
    return parts
