"""Assemble a recommendation straight into JSON, section by section, from cached pieces.

``Advisor.recommend`` builds the sections of ``advisor.assembly`` into pydantic models: for one
profile that is instant, for a million it was as slow as the rules engine. This assembler calls
the very same section functions, but keeps each section's JSON in a cache keyed on exactly what
the section declares it reads (``advisor.assembly.Reads``):

* a section made element by element (``each``) is kept per rule (notes, trace) or per band
  of a threshold, and joined;
* a section that reads fired rules, the decision or run options is kept per combination of
  the rules it reads (and the decision), and the JSON of every such section is kept per set
  of fired rules — an *outcome*, shared by every profile that fires the same rules;
* a section that reads the profile's own values (``thresholds``, ``fields``) is looked up for
  each profile, in a cache keyed on those values and the rules it reads.

A row then costs a join of cached bytes. The output is byte-for-byte the JSON of
``Advisor.recommend`` (the tests compare both on many profiles). Nothing here names a section
but ``profile`` (the name, which the batch writes itself: the section that reads the name must
come first, and be the only one) and those a ``Decision`` summarises (``batch/decision.py``).
"""

from __future__ import annotations

from typing import Any, Iterable

import orjson

from advisor.assembly import RULE, DEFAULT_OPTIONS, Assembly, RunOptions, Section, SectionInput, json_data
from advisor.batch.decision import PROFILE_SUMMARIES, SUMMARIES, Decision, Shared, decision_from_dict
from advisor.formats.escape import json_bytes
from advisor.pipeline import Advisor
from advisor.profile import Profile
from advisor.ranking import Ranking
from advisor.resolution import Resolved

PIECES = 4096  # cached pieces of each section (rankings, checklists, ...): bounded memory


class UnknownShape(Exception):
    """The section table is not one this assembler can cache (see ``JsonAssembler``): the
    scorer then assembles through ``Advisor.recommend``."""


def _dumps(value: Any) -> bytes:
    # orjson's result keeps a buffer of at least 4 KB: copy what is kept to its real size.
    # Raw control characters from a pack's text are written as \\u escapes (formats.escape.json_bytes).
    return json_bytes(memoryview(orjson.dumps(value)).tobytes())


class _Pieces(dict):
    """A cache of pieces that starts again when full (there are few distinct pieces of a kind)."""

    def put(self, key: Any, value: Any) -> None:
        if len(self) >= PIECES:
            self.clear()
        self[key] = value


_PER_PROFILE, _EACH, _WHOLE, _STATIC = "per profile", "each", "whole", "static"  # kinds of plan


class _Plan:
    """How one section is assembled: its place in the JSON, what it reads, its cache."""

    def __init__(self, assembly: Assembly, section: Section) -> None:
        self.section, self.reads = section, section.reads
        self.key = section.key
        self.rules = assembly.readers[section.key]  # the rule ids it reads
        self.prefix = b',"' + section.key.encode() + b'":'
        self.cache = _Pieces()
        self.per_profile = self.reads.thresholds or bool(self.reads.fields)
        self.decides = self.reads.decision
        self.summary = SUMMARIES.get(section.key) or PROFILE_SUMMARIES.get(section.key)  # what a Decision keeps of it
        self.static: tuple[bytes, Any] | None = None
        self.first: dict[Any, bytes] = {}  # element by element: each element's items as JSON, no brackets
        self.after: dict[Any, bytes] = {}  # the same after a comma
        self.frames: dict[tuple, tuple[bytes, bytes, bytes]] = {}  # by band: the JSON around the number
        reads = self.reads
        if reads.each is not None:
            self.prefix += b"["
            if reads.each == RULE:  # known in advance: every rule of the pack it reads
                for rid in sorted(self.rules, key=assembly.pack.order.__getitem__):
                    self._element(assembly, assembly.pack.by_id[rid], rid)
                self.rules = frozenset(self.first)
        elif not (reads.effects or reads.decision or self.per_profile):
            self.static = self._data(json_data(assembly.build(section, assembly.input(section, []))))
        self.opening = self.prefix  # set by the assembler: what comes before its value
        self.group: int | None = None  # set by the assembler: which set of rules it reads
        self.kind = (_PER_PROFILE if self.per_profile else _EACH if reads.each is not None
                     else _STATIC if self.static is not None else _WHOLE)

    def _element(self, assembly: Assembly, element: Any, key: Any) -> None:
        items = json_data(self.section.build(assembly.element(self.section, element)))
        if items:  # an element without items is left out, as in the joined list
            self.first[key] = _dumps(items)[1:-1]
            self.after[key] = b"," + self.first[key]

    def threshold(self, assembly: Assembly, applied: Any, comma: bool) -> tuple[bytes, ...]:
        """A threshold's part (after a comma if ``comma``), as parts to join. With the section's
        ``number_text``, the part is kept per band with the number's text cut out."""
        if self.section.number_text is None:
            if applied not in self.first:
                if len(self.first) >= PIECES:
                    self.first.clear()
                    self.after.clear()
                self._element(assembly, applied, applied)
            found = (self.after if comma else self.first).get(applied)
            return (found,) if found else ()
        given = _dumps(self.section.number_text(applied, assembly.lang))
        band = (applied.field, applied.value, applied.index)
        frame = self.frames.get(band)
        if frame is None:
            items = json_data(self.section.build(assembly.element(self.section, applied)))
            whole = _dumps(items)[1:-1] if items else b""
            pieces = whole.split(given)
            if len(pieces) != 2:  # the number's text appears elsewhere too, or nowhere: no frame
                return ((b"," + whole if comma else whole),) if whole else ()
            frame = self.frames[band] = (pieces[0], b"," + pieces[0], pieces[1])
        return frame[1 if comma else 0], given, frame[2]

    def _data(self, data: Any) -> tuple[bytes, Any]:
        """A piece: the JSON, and what a Decision keeps of it."""
        return _dumps(data), (self.summary(data) if self.summary else None)


class _Outcome:
    """The JSON of one set of fired rules: ``segments`` of parts, between which the sections
    read per profile (``slots``) go; and the rest of the ``Decision``, shared by its profiles."""

    __slots__ = ("segments", "slots", "common")

    def __init__(self, segments: tuple, slots: tuple, common: tuple) -> None:
        self.segments, self.slots, self.common = segments, slots, common


class JsonAssembler:
    """Builds ``Decision``s for one advisor, language and set of run options.

    It needs the section table to have the name read by the first section only, and the
    sections of ``SUMMARIES`` whole, in that order, and independent of the profile's values
    (else ``UnknownShape``).
    """

    def __init__(self, advisor: Advisor, lang: str, options: RunOptions = DEFAULT_OPTIONS) -> None:
        self.advisor, self.lang = advisor, lang
        self.assembly = assembly = advisor.assembly(lang, options)
        sections = assembly.sections
        named = [s.key for s in sections if s.reads.name]
        if named != [sections[0].key]:
            raise UnknownShape(f"sections reading the name: {named}; only the first may")
        summarised = [s.key for s in sections if s.key in SUMMARIES and s.reads.each is None
                      and not (s.reads.thresholds or s.reads.fields)]
        if summarised != list(SUMMARIES):
            raise UnknownShape(f"the batch summarises {list(SUMMARIES)}: whole sections, in this order, "
                               f"that do not read the profile's values; found {summarised}")
        per_profile = [s.key for s in sections if s.key in PROFILE_SUMMARIES and s.reads.each is None
                       and (s.reads.thresholds or s.reads.fields)]
        if per_profile != list(PROFILE_SUMMARIES):
            raise UnknownShape(f"the batch summarises {list(PROFILE_SUMMARIES)} per profile: whole sections, in "
                               f"this order, that read the profile's values; found {per_profile}")
        self._order = advisor.pack.order
        self.ranker = advisor.ranker
        plans = [_Plan(assembly, s) for s in sections[1:]]
        # Each plan's opening: the closing bracket of a list before it, and its key; static
        # sections are folded into the opening of the next plan (or the end).
        carry = b""
        self._steps: list[_Plan] = []
        for plan in plans:
            if plan.kind is _STATIC:
                carry += plan.prefix + plan.static[0]
                continue
            plan.opening = carry + plan.prefix
            carry = b"]" if plan.reads.each is not None else b""
            self._steps.append(plan)
        self._end = carry + b"}"
        # The rules each plan reads, as one of a few distinct sets: each is filtered once per outcome
        # (None: every rule of the pack, nothing to filter).
        every = frozenset(advisor.pack.order)
        self._groups = list(dict.fromkeys(p.rules for p in self._steps if p.rules and p.rules != every))
        for plan in self._steps:
            plan.group = None if plan.rules == every else self._groups.index(plan.rules) if plan.rules else -1
        self._rankings = _Pieces()
        self._outcomes = _Pieces()  # by the set of rules that fired

    def assemble(self, sector: str, resolved: Resolved, fired_ids: Iterable[str]) -> Decision:
        """The decision for a profile of ``sector`` resolved as ``resolved``, given the rules that
        fired for it (each id once)."""
        key = frozenset(fired_ids)
        outcome = self._outcomes.get(key)
        if outcome is None:
            outcome = self._outcome(key)
            self._outcomes.put(key, outcome)
        segments = outcome.segments
        if not outcome.slots:
            return Decision(segments[0], sector, *outcome.common)
        parts = list(segments[0])
        summaries: tuple = ()  # of the sections read per profile (PROFILE_SUMMARIES)
        for n, (plan, fixed) in enumerate(outcome.slots, start=1):
            parts.append(plan.opening)
            if plan.reads.each is not None:  # element by element: the thresholds
                comma = False
                for applied in resolved.thresholds:
                    piece = plan.threshold(self.assembly, applied, comma)
                    parts.extend(piece)
                    comma = comma or bool(piece)
            else:
                piece, summarised = self._per_profile(plan, fixed, resolved)
                parts.append(piece)
                if summarised is not None:
                    summaries += summarised
            parts.extend(segments[n])
        common = outcome.common
        return Decision(tuple(parts), sector, *common[:-1], *summaries, shared=common[-1])

    def _outcome(self, fired_ids: frozenset[str]) -> _Outcome:
        """What the rules that fired decide: every section's JSON but those read per profile."""
        fired = sorted(fired_ids, key=self._order.__getitem__)
        decision_key = self.ranker.key(fired)
        segments: list[tuple[bytes, ...]] = []
        parts: list[bytes] = []
        slots = []
        common: tuple = ()  # the summaries, in the order of the sections (that of SUMMARIES)
        chosen = [tuple(filter(group.__contains__, fired)) for group in self._groups]
        chosen.append(())  # group -1: a plan that reads no rules
        for plan in self._steps:
            kind, group = plan.kind, plan.group
            rules = tuple(fired) if group is None else chosen[group]
            if kind is _PER_PROFILE:
                segments.append(tuple(parts))
                parts = []
                slots.append((plan, (rules, decision_key if plan.decides else None)))
                continue
            parts.append(plan.opening)
            if kind is _EACH:
                if rules:
                    parts.append(plan.first[rules[0]])
                    parts.extend(map(plan.after.__getitem__, rules[1:]))
            else:
                key = (rules, decision_key if plan.decides else None)
                hit = plan.cache.get(key)
                if hit is None:
                    hit = self._piece(plan, key)
                parts.append(hit[0])
                if plan.summary:
                    common += hit[1]
        parts.append(self._end)
        segments.append(tuple(parts))
        return _Outcome(tuple(segments), tuple(slots), (*common, Shared()))

    # --- cached pieces, each built by the section's own function --------------------------------

    def rank(self, fired: Iterable[str]) -> Ranking:
        """``Advisor.rank``, remembered by the rules the decision reads (treat as read-only)."""
        key = self.ranker.key(fired)
        ranking = self._rankings.get(key)
        if ranking is None:
            ranking = self.ranker.rank(key)
            self._rankings.put(key, ranking)
        return ranking

    def mode(self, fired: Iterable[str]) -> str:
        """The deployment mode the rules that fired so far decide (the runtime's decision callback)."""
        return self.rank(fired).mode

    def _input(self, plan: _Plan, fixed: tuple, resolved: Resolved | None = None) -> SectionInput:
        rules, decision_key = fixed
        decision = self.rank(decision_key) if plan.reads.decision else None
        return self.assembly.input(plan.section, rules, decision, resolved)

    def _piece(self, plan: _Plan, fixed: tuple) -> tuple[bytes, Any]:
        hit = plan._data(json_data(self.assembly.build(plan.section, self._input(plan, fixed))))
        plan.cache.put(fixed, hit)
        return hit

    def _per_profile(self, plan: _Plan, fixed: tuple, resolved: Resolved) -> tuple[bytes, Any]:
        facts = resolved.facts
        key = (fixed, resolved.thresholds if plan.reads.thresholds else None,
               tuple([tuple(v) if type(v) is list else v for v in map(facts.__getitem__, plan.reads.fields)]))
        hit = plan.cache.get(key)
        if hit is None:
            hit = plan._data(json_data(self.assembly.build(plan.section, self._input(plan, fixed, resolved))))
            plan.cache.put(key, hit)
        return hit


def reference_decision(advisor: Advisor, profile: Profile, lang: str, options: RunOptions = DEFAULT_OPTIONS) -> Decision:
    """The decision as ``Advisor.recommend`` makes it: the reference the fast path must equal."""
    return decision_from_dict(advisor.recommend(profile, lang, options).model_dump(mode="json"), profile.sector)
