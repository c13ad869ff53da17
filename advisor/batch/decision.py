"""The recommendation for one profile, without the profile's name: what the batch caches.

``parts`` joined are the recommendation's JSON (contract §3) after the ``profile`` value, so a
row's JSON line is ``{"profile":`` + the name as JSON + the parts. The parts are shared between
decisions (the trace entry of a rule, a compliance checklist...), so a cached decision costs
about a kilobyte however long its JSON. The other fields are what the CSV and table outputs and
the summary show, taken from the same recommendation.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import orjson

from advisor.formats.escape import json_bytes

JSON_HEAD = b'{"profile":'


@dataclass(slots=True)
class Shared:
    """What outputs may keep for every decision of one outcome (the same rules fired)."""

    csv_cells: str | None = None  # the CSV columns from mode to recommended


@dataclass(slots=True)
class Decision:
    """Everything a batch row needs, except the name."""

    parts: tuple[bytes, ...]
    sector: str
    mode: str
    mode_label: str
    score: float
    alternatives: tuple[tuple[str, float], ...]  # every other mode with its score, best first
    excluded: tuple[str, ...]  # the modes among them that a requirement rules out
    pricing: tuple[str, ...]
    min_params_b: float | int | None
    max_params_b: float | int | None
    required: tuple[str, ...]  # compliance ids, in checklist order
    recommended: tuple[str, ...]
    # each item of the checklist as CHECKLIST_FIELDS, in checklist order (shared by the decisions
    # with the same checklist): what the workbook output lists per profile and item
    checklist: tuple[tuple[Any, ...], ...]
    first_year_cny: tuple[int, int] | None = None  # the recommended mode's first-year costs (per profile)
    within_budget: bool | None = None
    shared: Shared = field(default_factory=Shared, repr=False)  # the same object for the same outcome
    summary_key: tuple = field(init=False, repr=False)  # what the summary counts

    def __post_init__(self) -> None:
        self.summary_key = (self.mode, self.sector, self.required, self.recommended)

    def digest(self) -> tuple:
        """Everything but the JSON pieces (whose split may differ for the same JSON)."""
        return (self.sector, self.mode, self.mode_label, self.score, self.alternatives, self.excluded, self.pricing,
                self.min_params_b, self.max_params_b, self.required, self.recommended, self.checklist,
                self.first_year_cny, self.within_budget)

    def json_line(self, name: str) -> bytes:
        """The full JSON object (no newline) for a profile called ``name``."""
        return b"".join((JSON_HEAD, json_bytes(orjson.dumps(name)), *self.parts))


# The fields of a compliance item (contract §3) a Decision keeps, in this order.
CHECKLIST_FIELDS = ("id", "title", "status", "status_label", "basis", "effective", "needs_confirmation")

# What a Decision summarises of each section (for the CSV columns, the table, the workbook and the
# summary), in the order of its fields: each function takes the section's JSON data.
SUMMARIES: dict[str, Any] = {
    "deployment": lambda d: (d["mode"], d["label"], d["score"], tuple((a["mode"], a["score"]) for a in d["alternatives"]),
                             tuple(a["mode"] for a in d["alternatives"] if a.get("excluded"))),
    "pricing": lambda d: (tuple(d["models"]),),
    "model_size": lambda d: (d["min_params_b"], d["max_params_b"]),
    "compliance": lambda d: (tuple(c["id"] for c in d if c["status"] == "required"),
                             tuple(c["id"] for c in d if c["status"] != "required"),
                             tuple(tuple(c.get(f) for f in CHECKLIST_FIELDS) for c in d)),
}


# The same for sections that read the profile's own values (kept per profile, not per outcome),
# in the order of the fields after those of SUMMARIES.
PROFILE_SUMMARIES: dict[str, Any] = {
    "costs": lambda d: ((tuple(d[0]["first_year_cny"]), d[0]["within_budget"]) if d else (None, None)),
}


def summary(data: dict[str, Any]) -> tuple:
    """The fields of a ``Decision`` after ``parts`` and ``sector`` (but ``shared``), from the
    JSON data of a recommendation (at least its sections in ``SUMMARIES`` and ``PROFILE_SUMMARIES``)."""
    return tuple(field for table in (SUMMARIES, PROFILE_SUMMARIES)
                 for key, part in table.items() for field in part(data[key]))


def decision_from_dict(recommendation: dict[str, Any], sector: str) -> Decision:
    """A ``Decision`` from a recommendation as JSON data (``Recommendation.model_dump(mode="json")``)."""
    data = dict(recommendation)
    data["profile"] = ""  # the first key: its JSON is '{"profile":""'
    encoded = orjson.dumps(data)
    return Decision((encoded[len(JSON_HEAD) + 2:],), sector, *summary(data))
