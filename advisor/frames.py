"""Score a pandas DataFrame of profiles: ``advisor.score_frame``, what ``advisor.dask`` runs per partition.

A frame is read as ``advisor batch`` reads a CSV file (its rows written as CSV text, column by
column, and read by ``sources.csv_table.read_csv``: columns named by field or by Chinese name,
cells as text, an empty cell is absent) and scored by the batch's own loop; the result holds the
columns of ``advisor batch --format csv --headers ids`` (``batch.writers.CSV_COLUMNS``), every
cell the very text the CSV has.

One scorer is kept per process for each (rules, lang, options, cache): a worker that scores
partition after partition keeps its caches warm (a repeated profile is evaluated once per
process, not once per partition). While a frame is scored, the cyclic garbage collector runs
less often, as in ``advisor batch`` (the process's thresholds are restored after). pandas is
imported only here: it is not a dependency of the command line.
"""

from __future__ import annotations

import contextlib
import csv
import datetime as dt
import gc
import io
import itertools
import math
import re
import threading
from dataclasses import replace
from typing import Any, Iterator

from advisor.assembly import DEFAULT_OPTIONS, RunOptions
from advisor.batch.writers import LIST_SEPARATOR  # between the items of a list cell, as a CSV file has them
from advisor.pipeline import DEFAULT_LANG, dated

FRAME_SOURCE = "<DataFrame>"  # how messages name a frame when no ``source`` is given
# ``df.attrs[DECIMAL_COMMA]`` true: the frame's number cells are written with a decimal comma, as
# in the ``;``-separated CSV it was read from (``advisor.dask.read_csv`` sets it); they are read as
# ``advisor batch`` reads that file (``8000000,00`` is 8000000.00, an ambiguous ``1,500`` a bad row).
DECIMAL_COMMA = "advisor.decimal_comma"
# pandas names a column whose header cell is empty "Unnamed: 5" (Excel saves empty trailing
# columns as ",,,"): such a column is one without a header, as batch reads it (ignored while empty).
_UNNAMED = re.compile(r"Unnamed: \d+(?:_level_\d+)?")

_SCORERS: dict[tuple, Any] = {}  # one per process and (rules, lang, options, cache): see score_frame
_ENGINE = threading.Lock()  # the rule engine is not thread-safe: threads of one process take turns


def scorer(rules: str | None = None, lang: str = DEFAULT_LANG, options: RunOptions = DEFAULT_OPTIONS,
           cache: bool = True) -> Any:
    """This process's ``batch.scorer.Scorer`` for these settings (made once, caches kept warm)."""
    from advisor.batch.scorer import Scorer

    key = (None if rules is None else str(rules), lang, options, cache)
    found = _SCORERS.get(key)
    if found is None:
        found = _SCORERS[key] = Scorer(rules, lang, cache=cache, options=options)
    return found


def _text(cell: Any) -> str:
    """A cell as the text a CSV file holds: missing values are empty, numbers without a needless
    .0, a list of items (a list, tuple or set, or an array: ``tolist``) its items joined by ``;``."""
    if type(cell) is str:
        return cell
    if isinstance(cell, (list, tuple, set, frozenset)) or (hasattr(cell, "tolist") and not isinstance(cell, str)):
        items = cell.tolist() if hasattr(cell, "tolist") else cell
        if isinstance(items, (list, tuple, set, frozenset)):
            return LIST_SEPARATOR.join(_text(item) for item in items)
    if cell is None or (isinstance(cell, float) and math.isnan(cell)):
        return ""
    try:
        import pandas as pd

        if cell is pd.NA or cell is pd.NaT:
            return ""
    except ImportError:  # pragma: no cover - pandas is how a frame gets here
        pass
    if isinstance(cell, bool):
        return "true" if cell else "false"
    if isinstance(cell, float) and cell.is_integer():
        return str(int(cell))
    return str(cell)


def score_frame(df: Any, *, rules: str | None = None, lang: str = DEFAULT_LANG,
                as_of: dt.date | str | None = None, options: RunOptions = DEFAULT_OPTIONS,
                first_record: int = 1, source: str = FRAME_SOURCE, cache: bool = True) -> Any:
    """Score every row of the pandas DataFrame ``df``; a DataFrame of the batch CSV columns.

    ``df``: one profile per row, columns named by field or by Chinese name (contract §1), as in a
    CSV file; cells are text (``dtype=str``), empty for "not given" (NaN and None count as empty,
    numbers are written as text). The result has one row per non-empty row of ``df``, in order,
    with the columns ``record, profile, mode, mode_label, score, alternatives, pricing,
    min_params_b, max_params_b, required, recommended, first_year_cny_low, first_year_cny_high,
    within_budget, error``, every cell a string exactly as ``advisor batch --format csv
    --headers ids`` writes it (empty where the CSV is empty); its index is a RangeIndex.
    ``record`` counts from ``first_record`` (a partition's place in the whole). A bad row is
    scored as the CSV scores it: its record and name, and in ``error`` the message in ``lang``,
    naming ``source`` and the record (no line: a frame has none).

    ``rules``, ``lang``, ``as_of`` (a date or ``YYYY-MM-DD``, default today: fix it when the
    partitions may be scored on different days), ``options``, ``cache`` as ``advisor.score_many``.
    A column pandas named ``Unnamed: N`` (an empty header cell: Excel's empty trailing columns)
    is a column without a header, as in the file: ignored while its cells are empty, a value in
    it a bad row. ``df.attrs[DECIMAL_COMMA]`` (set by ``advisor.dask.read_csv`` for a
    ``;``-separated file): number cells are read with a decimal comma, as batch reads such a file.

    Raises ``advisor.errors.ArgumentError`` (also a ``ValueError``) for a ``df`` that is not a
    DataFrame, a ``lang`` other than zh/en, an ``as_of`` that is not a date from 1980-01-01 to
    2107-12-31 or a ``first_record`` below 1; ``advisor.errors.SourceError`` for a column that
    names no field (as batch does for a CSV header); ``RuleLoadError`` for ``rules`` that do not
    load. A bad row is not an exception: its message is in ``error``.
    """
    import pandas as pd

    from advisor.arguments import checked_as_of, checked_first_record, checked_frame, checked_lang
    from advisor.batch.run import ScoreChunk
    from advisor.batch.writers import CsvTable, csv_header

    checked_frame(df)
    checked_lang(lang)
    checked_first_record(first_record)
    day = checked_as_of(as_of)
    options = dated(replace(options, as_of=day) if day is not None else options)
    with _collecting_less_often():
        records = frame_records(df, source, first_record, ";" if df.attrs.get(DECIMAL_COMMA) else ",")
        with _ENGINE:
            lines = ScoreChunk(scorer(rules, lang, options, cache), CsvTable(lang, "ids"))(records).items
    # pandas' own CSV parser makes the columns faster than building them from the cells (it makes
    # the text columns directly; lists of strings are checked and converted cell by cell).
    text = csv_header(lang, "ids") + "\r\n" + "".join(lines)
    return pd.read_csv(io.StringIO(text), dtype=str, keep_default_na=False, na_filter=False)


_GC_THRESHOLDS = (100_000, 50, 1000)  # while scoring: the cyclic collector runs a hundred times less often
_gc_users = 0  # score_frame calls running in this process (threads): the first saves the thresholds, the last restores them
_gc_saved: tuple[int, ...] = ()
_GC_LOCK = threading.Lock()


@contextlib.contextmanager
def _collecting_less_often() -> Iterator[None]:
    """Python's cyclic collector run a hundred times less often meanwhile, as ``advisor batch``
    runs it (``commands.batch``): the scorer's caches hold hundreds of thousands of long-lived
    objects, which each collection walks (a third of the time of scoring new profiles), and
    scoring makes little cyclic garbage. The process's own thresholds are restored after."""
    global _gc_users, _gc_saved
    with _GC_LOCK:
        if not _gc_users:
            _gc_saved = gc.get_threshold()
            gc.set_threshold(*_GC_THRESHOLDS)
        _gc_users += 1
    try:
        yield
    finally:
        with _GC_LOCK:
            _gc_users -= 1
            if not _gc_users:
                gc.set_threshold(*_gc_saved)


def _column(values: list[Any]) -> list[str]:
    """A column's cells as text (see ``_text``): a column of text as it is."""
    for cell in values:
        if type(cell) is not str:
            return [_text(c) for c in values]
    return values


def frame_records(df: Any, source: str = FRAME_SOURCE, first_record: int = 1, delimiter: str = ",") -> list[Any]:
    """The records ``advisor batch`` reads from the CSV file of ``df``'s rows (without lines).

    The frame is written as CSV text (separated by ``delimiter``: ``;`` reads number cells with a
    decimal comma), column by column, and read by the batch's own CSV reader
    (``sources.csv_table.read_csv``): the same columns, cells, cache keys and errors as from a
    file, and a row without quotes stays one text until the scorer needs its cells (reading the
    frame row by row and cell by cell cost about four times the scoring of a repeated profile).
    ``SourceError`` for a column that names no field.
    """
    from advisor.sources.csv_table import read_csv, read_rows

    header = ["" if _UNNAMED.fullmatch(str(c)) else str(c) for c in df.columns]
    numbers = itertools.count(first_record)
    columns = [_column(df[c].tolist()) if not isinstance(df[c], type(df)) else None for c in df.columns]
    if len(header) < 2 or any(c is None for c in columns):  # one column (the reader would guess its delimiter
        # from the cells), or two columns of one name: row by row
        rows = ([_text(c) for c in row] for row in df.itertuples(index=False, name=None))
        return list(read_rows(header, rows, source, numbers))
    text = io.StringIO()
    writer = csv.writer(text, lineterminator="\n", delimiter=delimiter)
    writer.writerow(header)
    writer.writerows(zip(*columns))
    text.seek(0)
    no_line = tuple.__new__
    return [no_line(type(r), (r[0], r[1], None, *r[3:])) for r in read_csv(text, source, numbers)]
