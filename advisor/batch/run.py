"""The batch loop: records in, blocks scored (here or in workers), results out in input order.

``advisor batch`` and ``advisor.score_many`` both run this loop, so the command line and a
library user (say inside Dask's ``map_partitions``) get the same results from the same code.
"""

from __future__ import annotations

import gc
import time
from collections import Counter
from dataclasses import dataclass, replace
from typing import Any, BinaryIO, Callable, Iterable, Iterator, NamedTuple

import orjson

from advisor.assembly import DEFAULT_OPTIONS, RunOptions
from advisor.batch.scorer import Scorer
from advisor.batch.summary import Summary
from advisor.batch.workers import chunked, map_blocks
from advisor.batch.writers import Failed, OutputFormat, make_format
from advisor.console import interface_lang
from advisor.messages import translate
from advisor.pipeline import DEFAULT_LANG, as_of_date
from advisor.sources.records import Record, Unreadable
from advisor.surrogates import replaced

BLOCK = 1000  # records per block: big enough to amortise the hand-over to workers, small for memory

ResultHook = Callable[[Record, dict], None]


class ScoredBlock(NamedTuple):
    """A block of records scored: what the main process needs to write it and count it."""

    items: list[Any]  # each record encoded in the output format, in order
    errors: list[tuple[int, str]]  # (record number, message) of each bad record, in order
    tally: Counter  # what the summary counts, for the scored records
    json: list[bytes | None] | None  # each recommendation's JSON, when a result hook asked for it


class ScoreChunk:
    """Score and encode a block of records (in a worker process when there are workers).

    Encoding here keeps the hand-over small: a CSV row is a few hundred bytes, where the
    decision it comes from is several kilobytes of JSON pieces.
    """

    def __init__(self, scorer: Scorer, fmt: OutputFormat, with_json: bool = False, settle: bool = False) -> None:
        self.scorer, self.fmt, self.with_json = scorer, fmt, with_json
        # After each block, move what survived it (new cache entries) out of the cyclic collector's
        # sight (``gc.freeze``): scoring makes no cyclic garbage, and the collector walking the caches
        # again and again cost a tenth of the time on new profiles. For a process of its own
        # (``advisor batch``), not for a library call in someone else's program.
        self.settle = settle

    def __call__(self, records: list[Record]) -> ScoredBlock:
        row, fmt = self.fmt.row, self.fmt
        items: list[Any] = []
        errors: list[tuple[int, str]] = []
        decisions: list[Any] = []  # of the scored records, in order
        json: list[bytes | None] | None = [] if self.with_json else None
        for record, scored in zip(records, self.scorer.score_block(records)):
            if type(scored) is tuple:
                items.append(row(record.number, *scored))
                decisions.append(scored[1])
                if json is not None:
                    json.append(scored[1].json_line(scored[0]))
                continue
            lang = self.scorer.lang  # the output's rows are in its language; messages on standard error in the interface's
            failed = Failed(record.number, scored.text(lang), _given_name(record.data), translate(scored.problems[0], lang))
            items.append(fmt.error_row(failed))
            errors.append((record.number, failed.message if lang == interface_lang() else scored.text(interface_lang())))
            if json is not None:
                json.append(None)
        tally: Counter = Counter()
        for decision, count in Counter(decisions).items():  # (a decision hashes by identity: faster than its summary key)
            tally[decision.summary_key] += count
        if self.settle:
            gc.freeze()
        return ScoredBlock(items, errors, tally, json)


def _given_name(data: Any) -> str:
    """The name a bad record gives, for its error row (a lone surrogate in it replaced: it cannot be written)."""
    if type(data) is Unreadable:
        return replaced(data.name)  # a record that could not be read whole, whose name could be
    name = data.get("name") if isinstance(data, dict) else None
    return replaced(name.strip()) if isinstance(name, str) else ""


def scored_blocks(records: Iterable[Record], job: ScoreChunk, *, workers: int = 1,
                  block_size: int = BLOCK) -> Iterator[tuple[list[Record], ScoredBlock]]:
    """``(records, scored block)`` block by block, in input order."""
    return map_blocks(job, chunked(records, block_size), workers)


@dataclass
class RunReport:
    """How a run went."""

    summary: Summary
    seconds: float
    stopped: bool  # ended early at --max-errors


def run_batch(
    records: Iterable[Record],
    scorer: Scorer,
    fmt: OutputFormat,
    out: BinaryIO,
    *,
    to_file: bool = False,
    workers: int = 1,
    max_errors: int | None = None,
    on_error: Callable[[int, str], None] = lambda number, message: None,
    on_result: ResultHook | None = None,
    on_progress: Callable[[int, int, str | None, int | None], None] = lambda rows, bad, source, line: None,
    block_size: int = BLOCK,
    settle: bool = False,
) -> RunReport:
    """Score ``records`` into ``out`` in the format ``fmt``, in input order.

    ``on_error(number, message)`` is called for each bad record, in order. ``on_result(record,
    recommendation)`` is called in this process, in order, for each scored record with its
    recommendation (contract §3 data): the place to hang per-profile side outputs such as memos.
    ``on_progress(rows, bad, source, line)`` is called after each block is written, with the
    counts so far and where the block's last record came from.
    Stops at the ``max_errors``-th bad record (``RunReport.stopped``; the caller drops the output).
    ``settle``: ``ScoreChunk``'s (for a process that does nothing else).
    """
    summary = Summary()
    start = time.monotonic()
    stopped = False
    fmt.begin(out, to_file)
    job = ScoreChunk(scorer, fmt, with_json=on_result is not None, settle=settle)
    blocks = scored_blocks(records, job, workers=workers, block_size=block_size)
    try:
        for block, scored in blocks:
            for count, (number, message) in enumerate(scored.errors, start=1):
                on_error(number, message)
                if max_errors is not None and summary.bad + count >= max_errors:
                    summary.bad += count
                    stopped = True
                    break
            if stopped:
                break
            fmt.write(out, scored.items)
            summary.add(scored.tally, len(block), len(scored.errors))
            if on_result is not None:
                for record, json in zip(block, scored.json):
                    if json is not None:
                        on_result(record, orjson.loads(json))
            last = block[-1]
            on_progress(summary.rows, summary.bad, last.source, last.line)
    finally:
        blocks.close()  # stops the workers at once when the loop ends early
    if not stopped:
        fmt.end(out)
    return RunReport(summary=summary, seconds=time.monotonic() - start, stopped=stopped)


def score_records(
    profiles: Iterable[Any], *, rules: str | None = None, lang: str = DEFAULT_LANG,
    options: RunOptions = DEFAULT_OPTIONS, workers: int = 1, cache: bool = True, block_size: int = BLOCK,
    as_of: dt.date | str | None = None,
) -> Iterator[dict[str, Any]]:
    """``advisor.score_many``: each profile's recommendation (or error object) as a dict, in order.

    ``as_of`` (a date or ``YYYY-MM-DD``) is the date every checklist is evaluated for, in place of
    ``options.as_of``; by default today, read once for the whole run. ``ValueError`` for text
    that is not such a date."""
    if as_of is not None:
        options = replace(options, as_of=as_of_date(as_of))
    scorer = Scorer(rules, lang, cache=cache, options=options)
    records = (Record(number, None, None, data) for number, data in enumerate(profiles, start=1))
    blocks = scored_blocks(records, ScoreChunk(scorer, make_format("rows", lang)), workers=workers,
                           block_size=block_size)
    try:
        for _, scored in blocks:
            for item in scored.items:
                yield orjson.loads(item)
    finally:
        blocks.close()
