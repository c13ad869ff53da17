"""Score raw records, one process's worth: validation, the decision cache, the rules.

Rules are evaluated once per distinct profile, and bounded caches make repeated profiles cheap:

* the decision cache, keyed on the validated profile's values without its name, in the model's
  order (a scorer has one language), holds the recommendation without the name;
* in front of it, a cache keyed on the raw record without its name skips validation when the
  very same cells come again (a client list repeats the same few sector/size/budget rows);
* a new row of known cells is validated cell by cell, each distinct cell once (``cells``);
* behind it, the rules are evaluated slice by slice (``verdicts``), each slice's verdict cached
  on the few fields it reads: a new profile is mostly a new combination of known answers.

A cached row differs from a fresh one only by its name, which is checked on every row (not
empty, not too long, no lone surrogate) and put back into the output; the tests check that
cached and uncached output are identical.
"""

from __future__ import annotations

from itertools import repeat
from typing import Any

from advisor.assembly import DEFAULT_OPTIONS, RunOptions
from advisor.batch.assembly import JsonAssembler, UnknownShape, reference_decision
from advisor.batch.cache import LRU, Probe
from advisor.batch.cells import CellValidator
from advisor.batch.decision import Decision
from advisor.errors import ProfileError
from advisor.pipeline import DEFAULT_LANG, Advisor, dated, get_advisor
from advisor.profile import MAX_NAME, Profile, parse_profile
from advisor.resolution import Resolved, resolve_columns
from advisor.sources.csv_table import CsvRow
from advisor.sources.records import KEY_SEPARATOR, Record, Unreadable
from advisor.surrogates import encodable

# Bounded caches: memory stays flat whatever the number of rows. A decision is lazy when the
# profile's own values are read (costs...): it keeps the resolved profile (about 1 KB), what its
# rules decided (shared with the profiles that fire the same rules) and its CSV cells, about 3 KB
# in all when every profile is new; the raw rows point to the same decisions.
DECISIONS = 4096  # distinct profiles kept at least (twice as many at most: batch/cache.py)
# Each cache is looked up while it pays (``batch.cache.Probe``): when fewer than PROBE_HITS of
# PROBE rows that reached it were answered, the next SKIP such rows go without it, then it is
# tried again. The raw rows' cache answers a list that repeats its rows (a client list); the
# decision cache a row whose cells are new but mean a profile seen before ("yes" for "是", a
# space more). In a list of new profiles neither answers, and their keys, look-ups and the
# decisions they keep alive cost a tenth of a new row's time and most of the memory. Left out,
# a cache changes nothing but the time (the tests check it).
PROBE = 4096
PROBE_HITS = 64
SKIP = 4 * PROBE
RAW_RECORDS = 16384  # distinct raw rows kept at least (the cells joined, and a reference to their decision)


class Scorer:
    """Turns records into ``(name, Decision)``, or raises ``ProfileError`` for a bad record."""

    def __init__(self, rules: str | None = None, lang: str = DEFAULT_LANG, *, cache: bool = True,
                 advisor: Advisor | None = None, options: RunOptions = DEFAULT_OPTIONS) -> None:
        self.advisor = advisor or get_advisor(rules)
        self.lang = lang
        self.options = dated(options)  # one day for the whole run, even across midnight
        if self.options.prices is not None:  # a bad price file stops the run before any output
            from advisor.costs.section import cost_estimator

            cost_estimator(self.advisor.pack, self.options.prices, self.options.as_of)
        self.cache = cache
        self._assembler: JsonAssembler | None = None
        if cache:
            try:
                self._assembler = JsonAssembler(self.advisor, lang, self.options)
            except UnknownShape:
                self._assembler = None  # a section table it cannot cache: assemble through Advisor.recommend
        self._verdicts = self._assembler.verdicts if self._assembler else None
        self._cells = CellValidator()
        self._decisions: LRU[Decision] = LRU(DECISIONS)
        self._raw: LRU[Decision] = LRU(RAW_RECORDS)  # a decision is ~2 KB: its JSON pieces are shared
        self._raw_probe = Probe(PROBE, PROBE_HITS, SKIP, self._raw.clear)
        self._decision_probe = Probe(PROBE, PROBE_HITS, SKIP, self._decisions.clear)

    def score(self, record: Record) -> tuple[str, Decision]:
        """The name and decision for ``record``; ``ProfileError`` names its record, line and problem."""
        name, decision, raw_key = self._known(record)
        if decision is not None:
            return name, decision
        return self._score_new(record, raw_key)

    def score_block(self, records: list[Record]) -> list[tuple[str, Decision] | ProfileError]:
        """``score`` for each of ``records``, in order: ``(name, decision)``, or the ``ProfileError``
        ``score`` raises for a bad one. The same results as record by record; the new rows of a
        CSV file (of one header) are taken together: validated column by column, their
        thresholds applied and their rules looked up slice by slice for the whole block."""
        results: list[Any] = [None] * len(records)
        new: list[tuple[int, Record, Any]] = []  # new CSV rows: (index, record, raw key)
        first: dict[Any, int] = {}  # a raw key -> the index of the first new row with it
        copies: list[tuple[int, int, str]] = []  # (index, that row's index, its name): the same cells again
        block = self._assembler is not None
        if block and self._raw_probe.skipping >= len(records):  # the raw rows' cache is left out for them all
            self._raw_probe.skipping -= len(records)
            for i, record in enumerate(records):
                if type(record) is CsvRow:
                    new.append((i, record, None))
                else:
                    results[i] = self._score_or_error(record, None)
            records = ()
        raw, probe = self._raw, self._raw_probe
        young = raw.data  # (a row seen again: LRU.get's first look-up, and the probe counted below)
        hits = 0
        for i, record in enumerate(records):
            if not probe.skipping and (raw_key := record.key) is not None:
                decision = young.get(raw_key)
                if decision is not None and type(name := record.name) is str:
                    name = name.strip()
                    if name and len(name) <= MAX_NAME:
                        try:  # (``encodable``, inline: a repeated row costs a few microseconds in all)
                            name.encode()
                        except UnicodeEncodeError:  # a lone surrogate: the whole check below refuses it
                            pass
                        else:
                            results[i] = (name, decision)
                            hits += 1
                            continue
            if hits:  # counted before any other look-up, in order
                raw.hits += hits
                probe.answered(hits)
                hits = 0
            name, decision, raw_key = self._known(record)
            young = raw.data  # (the look-up may have moved the generations)
            if decision is not None:
                results[i] = (name, decision)
            elif block and type(record) is CsvRow:
                if raw_key is not None:
                    earlier = first.get(raw_key)
                    if earlier is not None:
                        copies.append((i, earlier, name))
                        continue
                    first[raw_key] = i
                new.append((i, record, raw_key))
            else:
                results[i] = self._score_or_error(record, raw_key)
        if hits:
            raw.hits += hits
            probe.answered(hits)
        if new:
            self._score_rows(new, results)
        for i, earlier, name in copies:  # a row scored as its first copy was (from the cache, row by row)
            found = results[earlier]
            results[i] = (name, found[1]) if type(found) is tuple else self._score_or_error(records[i], None)
        return results

    def _score_or_error(self, record: Record, raw_key: Any) -> tuple[str, Decision] | ProfileError:
        try:
            return self._score_new(record, raw_key)
        except ProfileError as exc:
            return exc.with_traceback(None)  # (its traceback holds this frame, which holds it: a cycle)

    def _score_rows(self, new: list[tuple[int, Record, Any]], results: list[Any]) -> None:
        """Score new CSV rows together (see ``score_block``); a row of another header, of another
        width, or with a cell or name not valid on its own is scored on its own."""
        columns = CsvRow.columns_of([record for _, record, _ in new])
        fields = columns[0][0]
        together, rows = [], []
        for item, (row_fields, cells) in zip(new, columns):
            if row_fields is fields and len(cells) == len(fields):
                together.append(item)
                rows.append(cells)
            else:
                results[item[0]] = self._score_or_error(item[1], item[2])
        checked = self._cells.block(fields, rows) if together else None
        if checked is None:
            for index, record, raw_key in together:
                results[index] = self._score_or_error(record, raw_key)
            return
        names, values, bad = checked
        if bad:
            for n in sorted(bad):
                index, record, raw_key = together[n]
                results[index] = self._score_or_error(record, raw_key)
            keep = [n for n in range(len(together)) if n not in bad]
            together, names = [together[n] for n in keep], [names[n] for n in keep]
            values = {field: [column[n] for n in keep] for field, column in values.items()}
            if not together:
                return
        decisions: list[Decision | None] = [None] * len(together)
        keys: list[Any] = [None] * len(together)
        probe = self._decision_probe
        if probe.skipping >= len(together):
            probe.skipping -= len(together)
        else:
            listed = [[tuple(v) if type(v) is list else v for v in column] if list in set(map(type, column)) else column
                      for column in values.values()]
            every = list(zip(*listed))
            for n in range(len(together)):
                if probe.skipping:
                    probe.skipping -= 1
                    continue
                keys[n] = every[n]
                decisions[n] = self._decisions.get(every[n])
                probe.count(decisions[n] is not None)
        todo = [n for n, decision in enumerate(decisions) if decision is None]
        if todo:
            columns = values if len(todo) == len(together) else \
                {field: [column[n] for n in todo] for field, column in values.items()}
            facts, thresholds = resolve_columns(self.advisor.pack, columns)
            # each profile's facts as a mapping, made in C: map(dict, map(zip, ...)) runs no Python per row
            resolved = list(map(Resolved, map(dict, map(zip, repeat(tuple(facts)), zip(*facts.values()))), thresholds))
            for n, decision in zip(todo, self._assembler.decide_block(columns["sector"], resolved, facts)):
                decisions[n] = decision
                if keys[n] is not None:
                    self._decisions.put(keys[n], decision)
        for (index, _, raw_key), name, decision in zip(together, names, decisions):
            results[index] = (name, decision)
            if raw_key is not None:
                self._raw.put(raw_key, decision)

    def _known(self, record: Record) -> tuple[str, Decision | None, Any]:
        """``(name, decision, raw key)``: the decision of a raw row seen before (else None), and the
        key to keep a new row's decision under (None: not to be kept)."""
        raw_key = name = None
        if self.cache:
            raw_key, name = record.key, record.name
            if raw_key is None:  # not given by the source: work it out from the mapping
                data = record.data
                name = data.get("name") if type(data) is dict else None
                raw_key = raw_record_key(data) if type(name) is str else None
            name = name.strip() if type(name) is str else ""
            if not name or len(name) > MAX_NAME or not encodable(name):
                raw_key = None  # no name, one too long, a lone surrogate: the full check below says what is wrong
            elif self._raw_probe.skipping:
                self._raw_probe.skipping -= 1
                raw_key = None
            elif raw_key is not None:
                decision = self._raw.data.get(raw_key)  # the hot path: LRU.get's first look-up without the call
                if decision is not None:
                    self._raw.hits += 1
                    self._raw_probe.count(True)
                    return name, decision, raw_key
                decision = self._raw.get(raw_key)  # the older generation
                self._raw_probe.count(decision is not None)
                if decision is not None:
                    return name, decision, raw_key
        return name, None, raw_key

    def _score_new(self, record: Record, raw_key: Any) -> tuple[str, Decision]:
        """``score`` for a record not seen before (``raw_key``: to keep its decision under, or None)."""
        if type(record) is CsvRow and self._assembler is not None:  # its cells, without the mapping
            checked = self._cells.columns(*record.columns())
            data = record.data if checked is None else None
        else:
            data = record.data
            if isinstance(data, Unreadable):
                raise ProfileError([data.reason], record.source, record.number, record.line)
            checked = self._cells.values(data) if self._assembler is not None and type(data) is dict else None
        if checked is not None:  # every cell seen before, or valid on its own: no whole-record validation
            name, values = checked
            profile = None
        else:
            profile = data if isinstance(data, Profile) else parse_profile(
                data, source=record.source, record=record.number, line=record.line)
            if not self.cache:
                return profile.name, reference_decision(self.advisor, profile, self.lang, self.options)
            name, values = profile.name, {k: v for k, v in profile.__dict__.items() if k != "name"}
        key = decision = None
        if self._decision_probe.skipping:
            self._decision_probe.skipping -= 1
        else:
            key = tuple([tuple(v) if type(v) is list else v for v in values.values()])
            decision = self._decisions.get(key)
            self._decision_probe.count(decision is not None)
        if decision is None:
            if self._assembler is None:
                decision = reference_decision(self.advisor, profile, self.lang, self.options)
            else:
                resolved = self.advisor.resolve_values(values)
                decision = self._assembler.decide(values["sector"], resolved)
            if key is not None:
                self._decisions.put(key, decision)
        if raw_key is not None:
            self._raw.put(raw_key, decision)
        return name, decision

    def stats(self) -> dict[str, Any]:
        """Cache sizes and hit counts (for the benchmark and for tuning)."""
        return {
            "raw_hits": self._raw.hits, "raw_misses": self._raw.misses,
            "decision_hits": self._decisions.hits, "decision_misses": self._decisions.misses,
            **(self._verdicts.stats() if self._verdicts else {}),
            "decisions_kept": len(self._decisions),
        }


_SHAPES: dict[tuple[str, ...], tuple[tuple[str, ...], int]] = {}  # columns -> (shared copy, index of name)


def raw_record_key(data: dict[str, Any]) -> tuple | None:
    """A raw record without its name, as a compact hashable key (None: not cacheable)."""
    fields = tuple(data)
    shape = _SHAPES.get(fields)
    if shape is None:
        shape = (fields, fields.index("name") if "name" in fields else -1)
        if len(_SHAPES) < 64:
            _SHAPES[fields] = shape
    values = list(data.values())
    if shape[1] >= 0:
        del values[shape[1]]
    try:
        cells = KEY_SEPARATOR.join(values)  # CSV cells: all text
    except TypeError:  # JSON values: numbers, booleans, lists
        try:
            # each value with its type: true, 1 and 1.0 are equal keys in Python but not the same
            # cell (``employees: true`` is an error, ``startup: 1.0`` too, ``employees: 1`` is not)
            key = (shape[0], tuple([(type(v), v) for v in values]))
            hash(key)
            return key
        except TypeError:
            return None
    if cells.count(KEY_SEPARATOR) != max(len(values) - 1, 0):
        return None  # a cell holds the separator itself: the key would be ambiguous
    return shape[0], cells
