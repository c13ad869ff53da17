"""The recommendation for one profile, without the profile's name: what the batch caches.

``parts`` joined are the recommendation's JSON (contract §3) after the ``profile`` value, so a
row's JSON line is ``{"profile":`` + the name as JSON + the parts. The parts are shared between
decisions (the trace entry of a rule, a compliance checklist...), so a cached decision costs
about a kilobyte however long its JSON. The other fields are what the CSV and table outputs and
the summary show, taken from the same recommendation.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import orjson

from advisor.assembly import recommended_cost_for
from advisor.formats.escape import json_bytes
from advisor.formats.json import compact

JSON_HEAD = b'{"profile":'


@dataclass(slots=True)
class Shared:
    """What outputs may keep for every decision of one outcome (the same rules fired)."""

    csv_cells: str | None = None  # the CSV columns from mode to recommended
    compact: bytes | None = None  # a compact JSON line's part from "format" to "model_size" (batch.compact)
    # What the decisions' fields were read from, one object per section of SUMMARIES, in its order
    # (None: not known): decisions with the same object there have the same fields of that section,
    # so an output may keep what it makes of them per object (``CsvTable``).
    sections: tuple[Any, ...] | None = None


class Decision:
    """Everything a batch row needs, except the name.

    A decision of a profile whose sections read its own values (costs, counterfactuals...) is
    *lazy*: it keeps the profile's resolved values and what its fired rules decided, and makes
    the JSON of those sections (``parts``), its own figures (``first_year_cny``,
    ``within_budget``) and the list of its fired rules (``fired``) only when an output asks for them — a CSV row never builds the JSON, and a
    JSON line is joined from the assembler's caches each time it is written (the decision does
    not keep it, so the decision cache stays small whatever the output)."""

    __slots__ = ("_parts", "sector", "mode", "mode_label", "score", "alternatives", "excluded", "pricing",
                 "min_params_b", "max_params_b", "required", "recommended", "checklist", "_figures", "shared",
                 "summary_key", "_lazy", "row_cells", "_fired", "compact")

    def __init__(self, parts: tuple[bytes, ...] | None, sector: str, mode: str, mode_label: str, score: float,
                 alternatives: tuple[tuple[str, float], ...], excluded: tuple[str, ...], pricing: tuple[str, ...],
                 min_params_b: float | int | None, max_params_b: float | int | None, required: tuple[str, ...],
                 recommended: tuple[str, ...], checklist: tuple[tuple[Any, ...], ...],
                 first_year_cny: tuple[int, int] | None = None, within_budget: bool | None = None,
                 shared: Shared | None = None, lazy: Any = None, fired: tuple[str, ...] | None = None) -> None:
        self._parts = parts
        self.sector, self.mode, self.mode_label, self.score = sector, mode, mode_label, score
        # every other mode with its score: the modes left, best first, then the excluded ones
        self.alternatives = alternatives
        self.excluded = excluded  # the modes among them that a requirement rules out
        self.pricing = pricing
        self.min_params_b, self.max_params_b = min_params_b, max_params_b
        self.required = required  # compliance ids, in checklist order
        self.recommended = recommended
        # each item of the checklist as CHECKLIST_FIELDS, in checklist order (shared by the decisions
        # with the same checklist): what the workbook output lists per profile and item
        self.checklist = checklist
        # the recommended mode's first-year costs and budget verdict (per profile): None until asked
        # when lazy
        self._figures = None if lazy is not None else (first_year_cny, within_budget)
        self.shared = shared if shared is not None else Shared()  # the same object for the same outcome
        self.summary_key = (mode, sector, required, recommended)  # what the summary counts
        # (renderer, its state): renderer.parts(state), .figures(state) and .fired(state) make the rest
        self._lazy = lazy
        self.row_cells: Any = None  # what an output keeps of this decision (a CSV row's columns after the name)
        self._fired = fired if fired is not None or lazy is not None else ()  # None: asked of the renderer
        self.compact: tuple[bytes, ...] | None = None  # a compact JSON line after the name (batch.compact)

    @property
    def parts(self) -> tuple[bytes, ...]:
        """The recommendation's JSON after the ``profile`` value, in pieces to join."""
        if self._parts is not None:
            return self._parts
        renderer, state = self._lazy
        return renderer.parts(state)

    @property
    def fired(self) -> tuple[str, ...]:
        """The ids of the rules that fired, in pack order (the rules of the trace)."""
        fired = self._fired
        if fired is None:  # worked out each time it is asked (once per decision by an output): not kept
            renderer, state = self._lazy
            return renderer.fired(state)
        return fired

    @property
    def first_year_cny(self) -> tuple[int, int] | None:
        """The recommended mode's first-year costs, low and high (CNY)."""
        return self._own_figures()[0]

    @property
    def within_budget(self) -> bool | None:
        """Whether the budget covers those costs (None: it cannot say)."""
        return self._own_figures()[1]

    def figures(self) -> tuple[tuple[int, int] | None, bool | None]:
        """``(first_year_cny, within_budget)``."""
        return self._figures or self._own_figures()

    def _own_figures(self) -> tuple:
        figures = self._figures
        if figures is None:
            renderer, state = self._lazy
            figures = self._figures = renderer.figures(state)
        return figures

    def digest(self) -> tuple:
        """Everything but the JSON pieces (whose split may differ for the same JSON)."""
        return (self.sector, self.mode, self.mode_label, self.score, self.alternatives, self.excluded, self.pricing,
                self.min_params_b, self.max_params_b, self.required, self.recommended, self.checklist,
                self.first_year_cny, self.within_budget, self.fired)

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

# The same fields worked out without building the section: what a CSV row needs of a profile's
# costs costs a few microseconds, where the section's JSON (every mode, every component, their
# texts) costs a hundred and more. Each function takes the section's input without the
# profile's own values (``advisor.assembly.SectionInput``) and gives a function of a profile's
# resolved facts and applied thresholds, made once per input (the rules and the decision) and
# called per profile. The tests check both give the same on every profile they score.
PROFILE_FIGURES: dict[str, Any] = {
    "costs": recommended_cost_for,
}
assert PROFILE_FIGURES.keys() == PROFILE_SUMMARIES.keys()


def summary(data: dict[str, Any]) -> tuple:
    """The fields of a ``Decision`` after ``parts`` and ``sector`` (but ``shared``), from the
    JSON data of a recommendation (at least its sections in ``SUMMARIES`` and ``PROFILE_SUMMARIES``)."""
    return tuple(field for table in (SUMMARIES, PROFILE_SUMMARIES)
                 for key, part in table.items() for field in part(data[key]))


def decision_from_dict(recommendation: dict[str, Any], sector: str) -> Decision:
    """A ``Decision`` from a recommendation as JSON data (``Recommendation.model_dump(mode="json")``)."""
    data = dict(recommendation)
    data["profile"] = ""  # the first key: its JSON is '{"profile":""'
    encoded = compact(data)
    return Decision((encoded[len(JSON_HEAD) + 2:],), sector, *summary(data),
                    fired=tuple(entry["rule"] for entry in data.get("trace") or ()))
