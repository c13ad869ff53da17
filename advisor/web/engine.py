"""Everything the server does with the rule engine, on one thread of its own.

durable-rules is not thread-safe (``advisor/engine/runtime.py``), and the server answers requests
concurrently; so every call that evaluates rules runs on a single worker thread, in arrival
order, while the event loop stays free for pages and uploads. Each function below is the
library call the command line makes for the same job.
"""

from __future__ import annotations

import asyncio
import datetime as dt
import functools
from concurrent.futures import ThreadPoolExecutor
from typing import Any, Callable, TypeVar

T = TypeVar("T")


class Engine:
    """A rule pack compiled once, and the one thread that uses it."""

    def __init__(self, rules_dir: str | None, prices: str | None = None, as_of: dt.date | None = None) -> None:
        self.rules_dir = rules_dir
        self.prices = prices  # a price file laid over the pack's price book (advisor serve --prices)
        self.as_of = as_of  # the checklists' date when a request names none (advisor serve --as-of; None: today)
        self._thread = ThreadPoolExecutor(max_workers=1, thread_name_prefix="advisor-engine")

    def start(self) -> Any:
        """Start loading and compiling the pack on the engine thread; a future of the ``Advisor``.

        The caller builds the app meanwhile, then waits on the future (a broken pack raises there,
        before the server listens)."""
        return self._thread.submit(self._load)

    def _load(self) -> Any:
        from advisor.costs.section import cost_estimator
        from advisor.pipeline import get_advisor

        advisor = get_advisor(self.rules_dir)
        if self.prices is not None:  # a bad price file stops the server before it listens (PriceBookError)
            cost_estimator(advisor.pack, self.prices)
        return advisor

    @property
    def advisor(self) -> Any:
        """The compiled advisor (its pack is read-only data, safe to read from any thread)."""
        from advisor.pipeline import get_advisor

        return get_advisor(self.rules_dir)

    async def run(self, fn: Callable[..., T], *args: Any, **kwargs: Any) -> T:
        """Run ``fn(*args, **kwargs)`` on the engine thread."""
        loop = asyncio.get_running_loop()
        return await loop.run_in_executor(self._thread, functools.partial(fn, *args, **kwargs))

    def close(self) -> None:
        """Stop the thread (work already queued is dropped)."""
        self._thread.shutdown(wait=False, cancel_futures=True)

    # --- the jobs (each runs on the engine thread) ----------------------------------------------

    # ``as_of``: the date the compliance checklist is evaluated for (None: the server's --as-of,
    # else today), as --as-of. Every job lays the server's --prices file over the price book.

    def options(self, as_of: dt.date | None = None) -> Any:
        """The ``RunOptions`` of a request: its date (else the server's), the server's price file."""
        from advisor.assembly import RunOptions

        return RunOptions(as_of=as_of or self.as_of, prices=self.prices)

    def advise_json(self, profile: Any, lang: str, as_of: dt.date | None = None) -> bytes:
        """Exactly the bytes ``advisor advise --format json`` prints: the same two calls."""
        from advisor.formats import render
        from advisor.pipeline import get_advisor

        rec = get_advisor(self.rules_dir).recommend(profile, lang, self.options(as_of))
        return render(rec, "json").encode("utf-8")

    def recommend(self, profile: Any, lang: str, as_of: dt.date | None = None) -> dict[str, Any]:
        """The recommendation as contract §3 data (what the result page renders)."""
        from advisor.pipeline import get_advisor

        return get_advisor(self.rules_dir).recommend(profile, lang, self.options(as_of)).model_dump(mode="json")

    def memo(self, profile: Any, fmt: str, lang: str, date: dt.date | None = None,
             as_of: dt.date | None = None) -> bytes:
        """The memo file, as ``advisor memo`` writes it."""
        from advisor.memo.writer import memo_bytes

        return memo_bytes(None, profile, fmt, lang, rules_dir=self.rules_dir, date=date, as_of=as_of or self.as_of,
                          prices=self.prices)

    def compare(self, before: Any, after: Any, lang: str, as_of: dt.date | None = None) -> dict[str, Any]:
        """``advisor.whatif.compare``: both recommendations and their difference."""
        from advisor.whatif import compare

        return compare(before, after, rules=self.rules_dir, lang=lang, as_of=as_of or self.as_of, prices=self.prices)

    def batch(self, records: list[Any], fmt: str, lang: str, out: Any, as_of: dt.date | None = None,
              said: int = 0) -> Any:
        """Score ``records`` into the binary file ``out`` in the batch format ``fmt``, as ``advisor
        batch`` does; the run's report and the bad records as ``(number, {lang: message})``, the
        first ``said`` of them in every language of the pages (a page is read in either, whatever
        the language of the upload), the others only counted (``{}``)."""
        from advisor.batch.run import run_batch
        from advisor.batch.scorer import Scorer
        from advisor.batch.writers import make_format

        reported: list[tuple[int, str]] = []
        scorer = Scorer(self.rules_dir, lang, options=self.options(as_of))
        report = run_batch(records, scorer, make_format(fmt, lang, scorer.advisor.pack), out, to_file=True,
                           on_error=lambda number, message: reported.append((number, message)))
        return report, said_errors(scorer, records, reported, lang, said)


def said_errors(scorer: Any, records: list[Any], reported: list[tuple[int, str]], lang: str,
                said: int) -> list[tuple[int, dict[str, str]]]:
    """The bad records ``run_batch`` reported as ``(number, message)``, as ``(number, {lang:
    message})``: the first ``said`` in every language of the pages, the others only counted
    (``{}``). ``run_batch`` says them in the interface's language (the server's, not the page's);
    each is said again from the ``ProfileError`` that scoring its record raises, by
    ``ProfileError.text`` (the error row's words)."""
    from advisor.errors import ProfileError
    from advisor.web.app import LANGS

    by_number = {record.number: record for record in records} if reported and said else {}
    out: list[tuple[int, dict[str, str]]] = []
    for count, (number, message) in enumerate(reported):
        texts: dict[str, str] = {}
        if count < said:
            texts = {code: message for code in LANGS}  # (kept only if the record scored now: never, one pack)
            try:
                scorer.score(by_number[number])
            except ProfileError as exc:
                texts = {code: exc.text(code) for code in LANGS}
        out.append((number, texts))
    return out
