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

A row then costs a join of cached bytes, and only when an output asks for the JSON: a decision
keeps what its fired rules decided (an *outcome*, whose JSON is made the first time it is
needed) and the profile's resolved values, and the CSV columns read of the sections it
summarises only (``batch/decision.py``; a profile's costs through ``PROFILE_FIGURES``, without
building the section). The output is byte-for-byte the JSON of
``Advisor.recommend`` (the tests compare both on many profiles). Nothing here names a section
but ``profile`` (the name, which the batch writes itself: the section that reads the name must
come first, and be the only one) and those a ``Decision`` summarises (``batch/decision.py``).
"""

from __future__ import annotations

from itertools import chain, repeat
from operator import itemgetter
from typing import Any, Callable, Iterable, Sequence

from advisor.assembly import RULE, DEFAULT_OPTIONS, Assembly, RunOptions, Section, SectionInput, json_data
from advisor.batch.verdicts import Entry, Verdicts
from advisor.batch.decision import PROFILE_FIGURES, PROFILE_SUMMARIES, SUMMARIES, Decision, Shared, decision_from_dict
from advisor.formats.escape import json_bytes
from advisor.formats.json import compact
from advisor.pipeline import Advisor
from advisor.profile import Profile
from advisor.ranking import Ranking
from advisor.resolution import Resolved

PIECES = 4096  # cached pieces of each section (checklists, notes...): bounded memory
# What depends on the decision (rankings, the deployment section) is kept for this many decisions:
# a list of new profiles has a few thousand distinct decisions (6,000 in 200,000 uniform rows).
DECISIONS = 16384
# The JSON kept of each section read per profile (a profile's costs are 12 KB): the cache starts
# again past this many bytes, so memory stays flat when every profile is new.
PROFILE_PIECE_BYTES = 16 << 20
# The JSON of the lazy decisions asked for most recently (a JSON line is 12-25 KB): a repeated
# profile's line is joined from it, not from the caches of each section.
RENDERED_BYTES = 64 << 20


_DIGEST, _RANKED = itemgetter(1), itemgetter(0)  # an entry's digest; a digest's part the ranking reads


class UnknownShape(Exception):
    """The section table is not one this assembler can cache (see ``JsonAssembler``): the
    scorer then assembles through ``Advisor.recommend``."""


def _dumps(value: Any) -> bytes:
    # orjson's result keeps a buffer of at least 4 KB: copy what is kept to its real size.
    # Raw control characters from a pack's text are written as \\u escapes (formats.escape.json_bytes).
    return json_bytes(memoryview(compact(value)).tobytes())


class _Pieces(dict):
    """A cache of pieces that starts again when full (there are few distinct pieces of a kind)."""

    def __init__(self, size: int = PIECES) -> None:
        super().__init__()
        self.limit = size

    def put(self, key: Any, value: Any) -> Any:
        """Keep ``value`` under ``key`` (a full cache starts again); gives ``value`` back."""
        if len(self) >= self.limit:
            self.clear()
        self[key] = value
        return value


class _ProfilePieces(_Pieces):
    """The same for the JSON of a section read per profile: also bounded by its bytes."""

    size = 0  # bytes kept

    def put(self, key: Any, value: tuple[bytes, Any]) -> Any:
        if len(self) >= self.limit or self.size >= PROFILE_PIECE_BYTES:
            self.clear()
            self.size = 0
        self[key] = value
        self.size += len(value[0])
        return value


class _Rendered(dict):
    """The JSON pieces of lazy decisions, by decision: starts again past ``RENDERED_BYTES`` of
    the pieces read per profile (the others are shared by many decisions)."""

    size = 0

    def put(self, key: Any, value: tuple[Any, tuple[bytes, ...]], own: int) -> None:
        if self.size >= RENDERED_BYTES:
            self.clear()
            self.size = 0
        self[key] = value
        self.size += own


_PER_PROFILE, _EACH, _WHOLE, _STATIC = "per profile", "each", "whole", "static"  # kinds of plan


class _Plan:
    """How one section is assembled: its place in the JSON, what it reads, its cache."""

    def __init__(self, assembly: Assembly, section: Section) -> None:
        self.section, self.reads = section, section.reads
        self.key = section.key
        self.rules = assembly.readers[section.key]  # the rule ids it reads
        self.prefix = b',"' + section.key.encode() + b'":'
        self.per_profile = self.reads.thresholds or bool(self.reads.fields)
        self.decides = self.reads.decision
        self.cache = _Pieces(DECISIONS if self.decides else PIECES)
        self.summary = SUMMARIES.get(section.key) or PROFILE_SUMMARIES.get(section.key)  # what a Decision keeps of it
        self.figures = PROFILE_FIGURES.get(section.key)  # the same, from its input without building it
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
        if self.kind is _PER_PROFILE:
            self.cache = _ProfilePieces()

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
    """One set of fired rules: what every profile that fires them shares.

    ``common`` is the rest of the ``Decision`` (the summaries of ``SUMMARIES``, and a ``Shared``
    for what outputs keep per outcome, such as the CSV columns); it costs a few cache look-ups.
    The JSON is made only when an output asks for it: ``segments`` of parts, between which the
    sections read per profile (``slots``) go. ``chosen`` holds the fired rules each group of
    sections reads (None: not filtered yet)."""

    __slots__ = ("fired", "decision_key", "chosen", "common", "_json")

    def __init__(self, fired: tuple[str, ...], decision_key: frozenset[str], chosen: list[tuple[str, ...]],
                 common: tuple) -> None:
        self.fired, self.decision_key, self.chosen, self.common = fired, decision_key, chosen, common
        self._json: tuple[tuple, tuple] | None = None

    @property
    def segments(self) -> tuple:
        return self._json[0]

    @property
    def slots(self) -> tuple:
        return self._json[1]


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
        self._rules = {n: rid for rid, n in self._order.items()}  # a rule's place in the order -> its id
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
        self._rankings = _Pieces(DECISIONS)
        self._outcomes = _Pieces()  # by the set of rules that fired
        self._summarised = [p for p in self._steps if p.summary and p.kind is _WHOLE]  # in SUMMARIES order
        self._decision_keys: dict[frozenset[str], frozenset[str]] = {}
        self._rendered = _Rendered()  # the JSON pieces of recent lazy decisions
        self._lazy = any(p.kind is _PER_PROFILE for p in self._steps)
        # the groups of rules the summaries and figures read: the others are filtered for the JSON only
        self._summary_groups = sorted({p.group for p in self._steps if (p.summary and p.kind is _WHOLE)
                                       or p.figures is not None} - {None, -1})

        # The hot path (``decide``): the slices' verdicts, and what each section reads of them.
        # Each verdict's digest holds its part in each group of rules of interest: the rules the
        # ranking reads (0), then each of ``_groups`` (n + 1); ``_touch`` lists, per group, the
        # slices with rules of that group. A group's key for a profile is the tuple of those parts.
        self.verdicts = Verdicts(advisor, self.mode, self._digest)
        self._interest = [self.ranker.rules, *self._groups]
        self._parts: list[dict[tuple[str, ...], tuple[str, ...]]] = [{} for _ in self._interest]
        slices = self.verdicts.slices
        self._touch = [tuple(n for n, s in enumerate(slices) if s.rules & group) for group in self._interest]
        before = sum(not s.after_decision for s in slices)
        self._touch_before = tuple(n for n in self._touch[0] if n < before)
        self._ranked_before = self._touch_before == self._touch[0]  # the ranking's rules all decided before the mode
        self._decided: frozenset[str] | None = None  # the decision's key, as the mode was decided for this profile
        self._block_keys: list[frozenset[str]] | None = None  # the same for a block (``decide_block``)
        self._block_count = 0  # the profiles of that block
        self._modes = _Pieces(DECISIONS)  # a decision's key -> its mode
        self._rank_keys = _Pieces(PIECES * 4)  # a group-0 key -> the decision's key (``Ranker.key``)
        # Per section summarised (the order of SUMMARIES) and per section figured: its group of
        # interest (0: it reads no rules) and its cache, keyed on (its group's key, the decision's
        # key when it reads the decision).
        def step(plan: _Plan) -> tuple:  # (plan, group, its slices, reads the decision, cache)
            g = plan.group + 1 if plan.group is not None and plan.group >= 0 else -1
            return (plan, g, self._touch[g] if g > 0 else (), plan.decides,
                    _Pieces(DECISIONS if plan.decides else PIECES))

        self._summary_steps = [step(p) for p in self._summarised]
        self._figure_steps = [step(p) for p in self._steps if p.figures is not None]
        self._summaries = self._lookups(self._summary_steps, self._summary)
        self._figured = self._lookups(self._figure_steps, self._figure)
        self._summaries_block = self._block_lookups(self._summary_steps, self._summary)
        self._figured_block = self._block_lookups(self._figure_steps, self._figure)
        self._shared = _Pieces(PIECES * 8)  # the summaries' objects (by id) -> the Shared of the decisions with them
        # A section summarised or figured that reads every rule: only the whole set of fired rules says
        self._fast = self._lazy and all(p.group is not None for p, *_ in (*self._summary_steps, *self._figure_steps))

    def _lookups(self, steps: list[tuple], make: Callable[[_Plan, tuple], Any]) -> Callable[[list[Entry], Any], tuple]:
        """One function, with each step's key written out, that gives for a profile's entries (of
        ``Verdicts.entries``) and decision's key what each of ``steps`` keeps in its cache under its
        key — made by ``make(plan, key)`` and kept when not there. It runs for every new profile,
        where a loop over the steps building each key cost more than the look-ups themselves."""
        scope: dict[str, Any] = {}
        lines = ["def lookups(e, dk):"]
        for n, (plan, g, touch, decides, cache) in enumerate(steps):
            parts = "".join(f"e[{i}][1][{g}], " for i in touch)
            lines += [f"    key = (({parts}), {'dk' if decides else 'None'})",
                      f"    h{n} = get{n}(key)",
                      f"    if h{n} is None:",
                      f"        h{n} = put{n}(key, make(plan{n}, key))"]
            scope.update({f"get{n}": cache.get, f"put{n}": cache.put, f"plan{n}": plan, "make": make})
        lines += [f"    return ({''.join(f'h{n}, ' for n in range(len(steps)))})"]
        exec("\n".join(lines) + "\n", scope)  # noqa: S102 (indexes only)
        return scope["lookups"]

    def _block_lookups(self, steps: list[tuple], make: Callable[[_Plan, tuple], Any]) -> Callable[..., list[list]]:
        """``_lookups`` for a block of profiles: given each slice's entries (one list per slice, of
        ``Verdicts.entries_block``) and the decisions' keys, one list per step of what it keeps for
        each profile, each step's keys made and looked up for the whole block in one pass."""
        scope: dict[str, Any] = {"make": make, "repeat": repeat, "digest": _DIGEST}
        lines = ["def lookups(E, dks):", "    count = len(dks)"]
        for n, (plan, g, touch, decides, cache) in enumerate(steps):
            scope.update({f"get{n}": cache.get, f"put{n}": cache.put, f"plan{n}": plan, f"part{n}": itemgetter(g)})
            parts = ", ".join(f"map(part{n}, map(digest, E[{i}]))" for i in touch)
            groups = f"zip({parts})" if touch else "repeat((), count)"
            lines += [f"    keys = list(zip({groups}, {'dks' if decides else 'repeat(None, count)'}))",
                      f"    h{n} = list(map(get{n}, keys))",
                      f"    if None in h{n}:",
                      f"        for i, hit in enumerate(h{n}):",
                      "            if hit is None:",
                      "                key = keys[i]",
                      f"                hit = h{n}[i] = get{n}(key)",
                      "                if hit is None:",
                      f"                    h{n}[i] = put{n}(key, make(plan{n}, key))"]
        lines += [f"    return [{''.join(f'h{n}, ' for n in range(len(steps)))}]"]
        exec("\n".join(lines) + "\n", scope)  # noqa: S102 (indexes only)
        return scope["lookups"]

    def _digest(self, index: int, verdict: tuple[str, ...]) -> tuple[tuple[Any, ...], ...]:
        """A slice's verdict's part in each group of interest (see ``__init__``), one object per part,
        then the places of its rules in the pack's order (``fired``)."""
        out = []
        for group, parts in zip(self._interest, self._parts):
            part = tuple([rid for rid in verdict if rid in group])
            found = parts.get(part)
            if found is None:
                if len(parts) >= 1 << 16:
                    parts.clear()
                found = parts[part] = part
            out.append(found)
        out.append(tuple([self._order[rid] for rid in verdict]))
        return tuple(out)

    def _decision_key(self, key: tuple) -> frozenset[str]:
        """The decision's key (``Ranker.key``) from the parts of the ranking's rules, one object per key."""
        found = self._rank_keys.get(key)
        if found is None:
            found = frozenset(chain.from_iterable(key))
            found = self._decision_keys.setdefault(found, found)
            if len(self._decision_keys) > DECISIONS:
                self._decision_keys.clear()
            self._rank_keys.put(key, found)
        return found

    def _decide_entries(self, before: Sequence[Entry]) -> str:
        """The mode the rules fired before the decision decide (``Verdicts.entries``'s callback);
        the decision's key is kept for ``decide`` when no later slice has rules the ranking reads."""
        key = self._decided = self._decision_key(tuple([before[n][1][0] for n in self._touch_before]))
        return self.rank(key).mode

    def decide(self, sector: str, resolved: Resolved) -> Decision:
        """The decision for a profile of ``sector`` resolved as ``resolved``: the rules evaluated
        slice by slice (``Verdicts``), the rest from caches keyed on what each section reads of
        the verdicts. The same as ``assemble`` with the rules the whole pack fires."""
        if not self._fast:
            return self.assemble(sector, resolved, self.verdicts.fired(resolved.facts))
        self._decided = None
        entries = self.verdicts.entries(resolved.facts, self._decide_entries)
        decision_key = self._decided if self._ranked_before else None
        if decision_key is None:
            decision_key = self._decision_key(tuple([entries[n][1][0] for n in self._touch[0]]))
        hits = self._summaries(entries, decision_key)
        # (keyed on the ids of objects the entry keeps alive: an entry found holds these very objects)
        found = self._shared.get(key := tuple(map(id, hits)))
        if found is None:
            found = (hits, Shared(sections=hits))
            self._shared.put(key, found)
        summaries = sum(hits, ())
        figures = self._figured(entries, decision_key)
        return Decision(None, sector, *summaries, shared=found[1], lazy=(self, (entries, resolved, figures)))

    def decide_block(self, sectors: Sequence[str], resolved: Sequence[Resolved],
                     columns: dict[str, list]) -> list[Decision]:
        """``decide`` for a block of profiles: ``sectors`` and ``resolved`` one per profile,
        ``columns`` their facts field by field (a list per field, as ``Verdicts.entries_block``
        reads them). The same decisions as ``decide`` profile by profile, each step done for
        the whole block: the slices' keys and look-ups, then each section's."""
        if not self._fast:
            return [self.decide(sector, one) for sector, one in zip(sectors, resolved)]
        self._block_keys, self._block_count = None, len(resolved)
        entries = self.verdicts.entries_block(columns, [one.facts for one in resolved], self._decide_block)
        keys = self._block_keys if self._ranked_before else None
        if keys is None:
            keys = self._decision_keys_of([entries[n] for n in self._touch[0]], len(resolved))
        summaries = self._summaries_block(entries, keys)
        figures = self._figured_block(entries, keys)
        shared, put = self._shared.get, self._shared.put
        out = []
        ids = zip(*[map(id, column) for column in summaries]) if summaries else repeat((), len(resolved))
        for sector, one, row, hits, key, figured in zip(sectors, resolved, zip(*entries), zip(*summaries), ids,
                                                        zip(*figures)):
            found = shared(key)
            if found is None:
                found = put(key, (hits, Shared(sections=hits)))
            out.append(Decision(None, sector, *sum(hits, ()), shared=found[1], lazy=(self, (row, one, figured))))
        return out

    def _decide_block(self, before: list[list[Entry]]) -> list[str]:
        """The modes the rules fired before the decision decide, for a block of profiles (the
        callback of ``Verdicts.entries_block``); the decisions' keys are kept for ``decide_block``."""
        keys = self._block_keys = self._decision_keys_of([before[n] for n in self._touch_before], self._block_count)
        modes = list(map(self._modes.get, keys))
        if None in modes:
            for i, mode in enumerate(modes):
                if mode is None:
                    modes[i] = self._modes.put(keys[i], self.rank(keys[i]).mode)
        return modes

    def _decision_keys_of(self, columns: list[list[Entry]], count: int) -> list[frozenset[str]]:
        """Each of ``count`` profiles' decision key, from the entries of the slices with rules the
        ranking reads (one list per slice)."""
        parts = list(zip(*[map(_RANKED, map(_DIGEST, column)) for column in columns])) if columns else [()] * count
        keys = list(map(self._rank_keys.get, parts))
        if None in keys:
            for i, key in enumerate(keys):
                if key is None:
                    keys[i] = self._decision_key(parts[i])
        return keys

    def _figure(self, plan: _Plan, key: tuple) -> Callable[[dict[str, Any], tuple], tuple]:
        """A section's figures (``PROFILE_FIGURES``) for its group's key and the decision's key: a
        function of a profile's facts and thresholds."""
        return plan.figures(self._input(plan, (self._chosen(key[0]), key[1])))

    def _chosen(self, parts: tuple[tuple[str, ...], ...]) -> tuple[str, ...]:
        """The rules of a group that fired, in pack order, from the group's key."""
        return tuple(sorted(set(chain.from_iterable(parts)), key=self._order.__getitem__))

    def _summary(self, plan: _Plan, key: tuple) -> tuple:
        """What a Decision keeps of a summarised section, for its group's key and the decision's key."""
        fixed = (self._chosen(key[0]), key[1])
        hit = plan.cache.get(fixed)
        if hit is not None:
            return hit[1]
        # Not its JSON: an output that writes it makes and keeps it (a CSV never does)
        return plan.summary(json_data(self.assembly.build(plan.section, self._input(plan, fixed))))

    def assemble(self, sector: str, resolved: Resolved, fired_ids: Iterable[str]) -> Decision:
        """The decision for a profile of ``sector`` resolved as ``resolved``, given the rules that
        fired for it (each id once). When sections read the profile's own values, the decision is
        lazy: their JSON (``Decision.parts``) and figures are made when an output asks for them."""
        key = frozenset(fired_ids)
        outcome = self._outcomes.get(key)
        if outcome is None:
            outcome = self._outcome(key)
            self._outcomes.put(key, outcome)
        common = outcome.common
        if not self._lazy:
            return Decision(self._json(outcome)[0][0], sector, *common[:-1], shared=common[-1], fired=outcome.fired)
        return Decision(None, sector, *common[:-1], shared=common[-1], lazy=(self, (outcome, resolved)),
                        fired=outcome.fired)

    def parts(self, state: tuple[_Outcome, Resolved]) -> tuple[bytes, ...]:
        """The JSON pieces of a lazy decision (see ``assemble``), kept for the decisions asked
        most recently (a repeated profile's JSON line is then joined from them)."""
        rendered = self._rendered
        found = rendered.get(id(state))
        if found is not None and found[0] is state:  # the state is kept with it: its id is not reused
            return found[1]
        parts, own = self._render(state)
        rendered.put(id(state), (state, parts), own)
        return parts

    def _render(self, state: tuple[_Outcome, Resolved]) -> tuple[tuple[bytes, ...], int]:
        """The JSON pieces, and the bytes of those read per profile."""
        outcome, resolved = self._outcome_of(state), state[1]
        segments, slots = self._json(outcome)
        parts = list(segments[0])
        own = 0
        for n, (plan, fixed) in enumerate(slots, start=1):
            parts.append(plan.opening)
            if plan.reads.each is not None:  # element by element: the thresholds
                comma = False
                for applied in resolved.thresholds:
                    piece = plan.threshold(self.assembly, applied, comma)
                    parts.extend(piece)
                    comma = comma or bool(piece)
            else:
                piece = self._per_profile(plan, fixed, resolved)[0]
                own += len(piece)
                parts.append(piece)
            parts.extend(segments[n])
        return tuple(parts), own

    def figures(self, state: tuple[_Outcome, Resolved]) -> tuple:
        """What a lazy decision keeps of the sections read per profile (``PROFILE_SUMMARIES``),
        worked out from their inputs (``PROFILE_FIGURES``), without building their JSON."""
        if len(state) == 3:  # from ``decide``: each section's function of the profile's values
            facts, thresholds = state[1].facts, state[1].thresholds
            found = ()
            for figure in state[2]:
                found += figure(facts, thresholds)
            return found
        outcome, resolved = state
        found = ()
        for plan in self._steps:
            if plan.figures is not None:
                rules = outcome.fired if plan.group is None else outcome.chosen[plan.group]
                figure = plan.figures(self._input(plan, (rules, outcome.decision_key if plan.decides else None)))
                found += figure(resolved.facts, resolved.thresholds)
        return found

    def fired(self, state: tuple) -> tuple[str, ...]:
        """The ids of the rules that fired for a lazy decision, in pack order (``Decision.fired``)."""
        if len(state) == 2:
            return state[0].fired
        rules = self._rules
        return tuple([rules[n] for n in sorted(set().union(*[digest[-1] for _, digest in state[0]]))])

    def _outcome_of(self, state: tuple) -> _Outcome:
        """The outcome of a lazy decision's state: given (``assemble``), or the union of its
        slices' verdicts (``decide``)."""
        if len(state) == 2:
            return state[0]
        key = frozenset(chain.from_iterable(verdict for verdict, _ in state[0]))
        outcome = self._outcomes.get(key)
        if outcome is None:
            outcome = self._outcome(key)
            self._outcomes.put(key, outcome)
        return outcome

    def _outcome(self, fired_ids: frozenset[str]) -> _Outcome:
        """What the rules that fired decide, but its JSON (``_json``): the summaries."""
        fired = tuple(sorted(fired_ids, key=self._order.__getitem__))
        decision_key = self.ranker.key(fired)
        decision_key = self._decision_keys.setdefault(decision_key, decision_key)  # one copy of each
        if len(self._decision_keys) > DECISIONS:
            self._decision_keys.clear()
        groups = self._groups
        chosen: list[tuple[str, ...] | None] = [None] * len(groups)
        for n in self._summary_groups:
            chosen[n] = tuple(filter(groups[n].__contains__, fired))
        chosen.append(())  # group -1: a plan that reads no rules
        summaries: tuple = ()  # in the order of the sections (that of SUMMARIES)
        for plan in self._summarised:
            key = (fired if plan.group is None else chosen[plan.group], decision_key if plan.decides else None)
            hit = plan.cache.get(key)
            if hit is None:
                hit = self._piece(plan, key)
            summaries += hit[1]
        common = (*summaries, Shared())
        return _Outcome(fired, decision_key, chosen, common)

    def _json(self, outcome: _Outcome) -> tuple[tuple, tuple]:
        """The JSON of an outcome: every section's but those read per profile, made the first time
        it is asked for (``_Outcome``)."""
        if outcome._json is not None:
            return outcome._json
        fired, decision_key, chosen = outcome.fired, outcome.decision_key, outcome.chosen
        for n, group in enumerate(self._groups):
            if chosen[n] is None:
                chosen[n] = tuple(filter(group.__contains__, fired))
        segments: list[tuple[bytes, ...]] = []
        parts: list[bytes] = []
        slots = []
        for plan in self._steps:
            kind, group = plan.kind, plan.group
            rules = fired if group is None else chosen[group]
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
        parts.append(self._end)
        segments.append(tuple(parts))
        outcome._json = (tuple(segments), tuple(slots))
        return outcome._json

    # --- cached pieces, each built by the section's own function --------------------------------

    def rank(self, fired: Iterable[str]) -> Ranking:
        """``Advisor.rank``, remembered by the rules the decision reads (treat as read-only)."""
        if type(fired) is frozenset:  # a decision's key, or the whole set: the same ranking
            ranking = self._rankings.get(fired)
            if ranking is not None:
                return ranking
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
