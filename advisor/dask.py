"""Score a client list on a Dask cluster: ``advisor.score_frame`` on every partition.

    from dask.distributed import Client, LocalCluster
    import advisor.dask

    with LocalCluster(n_workers=2, threads_per_worker=1) as cluster, Client(cluster) as client:
        clients = advisor.dask.read_csv("clients-*.csv")
        scored = advisor.dask.score(clients, as_of="2026-06-01")
        scored.to_csv("scored-*.csv", index=False)

How it is partitioned: every worker process keeps one scorer with warm caches, and a partition
is the unit of work handed out, so a file is cut into at least ``PER_WORKER`` (2) partitions per
worker (a worker that finishes early takes another; one partition for the whole file, as
``dd.read_csv`` gives a file under its 64 MB block size, leaves every other worker idle), but no
smaller than ``MIN_BLOCK`` (1 MB, 8,000 to 20,000 rows), so that each task is worth its
hand-over, and no larger than ``MAX_BLOCK`` (64 MB), so that a worker holds a few partitions at
most, whatever the file's size. A partition is read, counted, scored and written by one worker:
only the row counts travel between workers (``score``).

The rule engine (durable-rules) is not thread-safe: give workers one thread each
(``threads_per_worker=1``) and as many processes as cores; threads in one process take turns.

Requires pandas and dask[dataframe, distributed] (not dependencies of advisor itself).
"""

from __future__ import annotations

import datetime as dt
import glob
import os
from typing import Any

from advisor.assembly import DEFAULT_OPTIONS, RunOptions
from advisor.errors import SourceError
from advisor.frames import DECIMAL_COMMA
from advisor.pipeline import DEFAULT_LANG, as_of_date
from advisor.surrogates import encodable

PER_WORKER = 2  # partitions per worker at least: a worker that finishes first takes another
MIN_BLOCK = 1 << 20  # bytes: the smallest partition worth a task (8,000 to 20,000 rows of a client list)
MAX_BLOCK = 64 << 20  # bytes: the largest partition (dask's own default): a partition is held whole in memory


def worker_count(client: Any = None) -> int:
    """Worker processes of ``client`` (default: the current distributed client), else this machine's CPUs."""
    if client is None:
        try:
            from distributed import get_client

            client = get_client()
        except (ImportError, ValueError):  # no distributed, or no client: the local schedulers
            return os.cpu_count() or 1
    try:
        info = client.scheduler_info(n_workers=-1)  # every worker (recent versions list the first few by default)
    except TypeError:  # distributed before 2025: always every worker
        info = client.scheduler_info()
    return max(1, len(info["workers"]))


def read_csv(path: str | list[str], *, client: Any = None, encoding: str | None = None, sep: str | None = None,
             per_worker: int = PER_WORKER, min_block: int = MIN_BLOCK, max_block: int = MAX_BLOCK,
             **kwargs: Any) -> Any:
    """A Dask DataFrame of the CSV file(s) at ``path`` (a name, a glob or a list), read as
    ``advisor batch`` reads them: every cell as text (``str`` objects; an empty cell stays empty), each file's
    encoding and delimiter taken from its first block as batch takes them
    (``sources.text.detect_encoding``: UTF-8 with or without a byte-order mark, UTF-16 with one,
    GB18030/GBK; ``sources.csv_table.table_delimiter``: a comma, a tab or a semicolon), a
    ``;``-separated file's number cells read with a decimal comma (``frames.DECIMAL_COMMA``), a
    column with an empty header (Excel's empty trailing columns) ignored while empty, a byte
    not valid in the encoding a bad row, a row wider than the header a bad row (``read_block``),
    and Excel's ``sep=;`` first line taken as the delimiter and skipped.
    ``encoding`` and ``sep`` force one for every file.

    In blocks that give each worker at least ``per_worker`` partitions, no smaller than
    ``min_block`` bytes and no larger than ``max_block`` (a UTF-16 file is one block: its line
    breaks are two bytes). Other keyword arguments go to ``dask.dataframe.read_csv``.

    Raises ``advisor.errors.SourceError`` naming the file for a path that matches no file, a
    file that is empty or cannot be read, and a header that is not valid in its encoding.
    """
    import dask
    from dask.dataframe.io.csv import read_pandas  # dd.read_csv with our reader of a block (``read_block``)

    paths = [path] if isinstance(path, str) else list(path)
    files = [p for pattern in paths for p in (sorted(glob.glob(pattern)) or [pattern])]
    for name in files:
        if not os.path.isfile(name):
            raise SourceError(f"{name}: no such file")
    size = sum(os.path.getsize(p) for p in files)
    blocksize = min(max(min_block, size // (per_worker * worker_count(client))), max(max_block, min_block))
    groups: dict[tuple[str, str, int], list[str]] = {}  # (encoding, delimiter, lines before the header) -> files
    for name in files:
        codec, delimiter = conventions(name, encoding, sep)
        groups.setdefault((codec, delimiter, _directive_lines(name, codec)), []).append(name)
    frames = []
    for (codec, delimiter, skip), names in groups.items():
        whole = codec.startswith(("utf-16", "utf-32"))  # its line breaks are not one byte: no blocks
        # Cells are Python text (object), as pandas read them: an Arrow string cannot hold a byte not
        # valid in the encoding (kept as U+DC80..U+DCFF, surrogateescape), which makes that row a bad one.
        options = dict(dtype=object, keep_default_na=False, na_filter=False, encoding=codec,
                       encoding_errors="surrogateescape", sep=delimiter, blocksize=None if whole else blocksize)
        if skip and "skiprows" not in kwargs:
            options["skiprows"] = skip  # Excel's "sep=;" line (dask skips it in each file's first block)
        with dask.config.set({"dataframe.convert-string": False}):
            ddf = read_pandas(read_block, names if len(names) > 1 else names[0], **options, **kwargs)
        if delimiter == ";":
            ddf = ddf.map_partitions(_decimal_comma, meta=ddf._meta)
        frames.append(ddf)
    if len(frames) == 1:
        return frames[0]
    import dask.dataframe as dd

    return dd.concat(frames)


def read_block(data: Any, **kwargs: Any) -> Any:
    """A block of a CSV file as a pandas DataFrame: ``pandas.read_csv(data, **kwargs)``, but for a
    block with a row wider than the header, which pandas refuses (``ParserError``): then the block
    is read by Python's ``csv`` module, and the cells past the header's columns go into columns
    without a header (``Unnamed: N``, as pandas names them), so that the row is a bad row that
    names its value in a column without a header, and every other row is scored (as ``advisor
    batch`` reads such a file). A ``ParserError`` for anything else, or for options this reader
    does not follow, stays as it is."""
    import pandas as pd

    start = data.tell()
    try:
        return pd.read_csv(data, **kwargs)
    except pd.errors.ParserError as exc:  # "Expected 5 fields in line 3, saw 6": a row wider than the header
        if (set(kwargs) - _WIDENED_OPTIONS or kwargs.get("header", "infer") not in ("infer", 0)
                or "fields in line" not in str(exc)):
            raise
    data.seek(start)
    return _widened(data.read(), kwargs)


# The options of pandas.read_csv that ``_widened`` follows (those ``read_csv`` and dask give it).
_WIDENED_OPTIONS = frozenset({"dtype", "keep_default_na", "na_filter", "encoding", "encoding_errors", "sep",
                              "skiprows", "nrows", "header"})


def _widened(raw: bytes, kwargs: dict[str, Any]) -> Any:
    """The DataFrame of the CSV bytes ``raw`` (see ``read_block``), every cell a text."""
    import csv
    import io
    import itertools

    import pandas as pd

    text = raw.decode(kwargs.get("encoding") or "utf-8", kwargs.get("encoding_errors", "strict"))
    lines = io.StringIO(text, newline="")
    for _ in range(kwargs.get("skiprows") or 0):
        lines.readline()
    rows = (row for row in csv.reader(lines, delimiter=kwargs.get("sep") or ",") if row)  # (blank lines: none)
    header = next(rows, None)
    if header is None:
        return pd.DataFrame()
    body = [list(row) for row in itertools.islice(rows, kwargs.get("nrows"))]
    # The header's columns as pandas names them (an empty cell "Unnamed: N", a repeated one "x.1").
    buffer = io.StringIO()
    csv.writer(buffer, delimiter=kwargs.get("sep") or ",").writerow(header)
    columns = list(pd.read_csv(io.StringIO(buffer.getvalue()), sep=kwargs.get("sep") or ",", nrows=0,
                               dtype=object).columns)
    width = max([len(columns), *map(len, body)])
    columns += [f"Unnamed: {i}" for i in range(len(columns), width)]
    for row in body:
        row.extend([""] * (width - len(row)))
    return pd.DataFrame(body, columns=columns, dtype=object)


def _directive_lines(path: str, codec: str) -> int:
    """The lines before the header of the CSV file ``path``: those up to Excel's ``sep=;``
    directive when it comes first (``csv_table.sep_directive``), else none."""
    from advisor.sources.csv_table import sep_directive
    from advisor.sources.text import SNIFF_BYTES

    with open(path, "rb") as f:
        head = f.read(SNIFF_BYTES)
    text = head.decode(codec, "replace")
    for number, line in enumerate(text.splitlines(keepends=True), start=1):
        if line.strip():
            return number if sep_directive(line) is not None else 0
    return 0


def conventions(path: str, encoding: str | None = None, sep: str | None = None) -> tuple[str, str]:
    """``(encoding, delimiter)`` of the CSV file ``path``, from its first block, as ``advisor batch``
    reads them (``encoding`` and ``sep``: given, not detected). ``SourceError`` naming the file
    for a file that is empty or cannot be read, or whose header is not valid in its encoding."""
    from advisor.sources.csv_table import sep_directive, table_delimiter
    from advisor.sources.text import SNIFF_BYTES, check_encoding, detect_encoding

    try:
        with open(path, "rb") as f:
            head = f.read(SNIFF_BYTES)
    except OSError as exc:
        raise SourceError(f"{path}: cannot read: {exc.strerror}") from None
    codec = check_encoding(encoding) if encoding else detect_encoding(head, len(head) < SNIFF_BYTES)
    text = head.decode(codec, "surrogateescape" if not codec.startswith(("utf-16", "utf-32")) else "replace")
    lines = [line for line in text.splitlines(keepends=True) if line.strip()]
    directed = sep_directive(lines[0]) if lines else None
    if directed is not None:  # Excel's "sep=;" line: the delimiter; the header comes after it
        lines = lines[1:]
    if not lines:
        raise SourceError(f"{path}: empty; a client list has a header row and one row per client")
    if not encodable(lines[0]):
        raise SourceError(f"{path}: the header is not valid {codec} text",
                          hint="name the file's encoding with encoding= (e.g. encoding=\"gb18030\" or \"utf-8\")")
    return codec, sep or directed or table_delimiter(lines[0], lines[1:])


def _decimal_comma(part: Any) -> Any:
    """A partition of a ``;``-separated file: its number cells have a decimal comma (``frames.DECIMAL_COMMA``)."""
    part.attrs[DECIMAL_COMMA] = True
    return part


def _rows(part: Any) -> int:
    """Rows ``score_frame`` scores in ``part``: all but rows of empty cells (skipped, as in a file)."""
    if part.empty or not len(part.columns):
        return 0
    return int((part.notna() & part.ne("")).any(axis=1).sum())  # (no text conversion: Arrow cannot hold every cell)


def _next_start(start: int, rows: int) -> int:
    return start + rows


def score(ddf: Any, *, client: Any = None, rules: str | None = None, lang: str = DEFAULT_LANG,
          as_of: dt.date | str | None = None, options: RunOptions = DEFAULT_OPTIONS,
          per_worker: int = PER_WORKER, source: str = "<DataFrame>") -> Any:
    """Score every row of the Dask DataFrame ``ddf``; a Dask DataFrame of the batch CSV columns.

    Each partition is scored by ``advisor.score_frame`` in a worker process (one scorer per
    process, caches kept from partition to partition); the records are numbered from 1 across
    the whole frame in order, so the result equals ``advisor batch --format csv --headers ids``
    on the same rows, cell for cell, but the place a bad row's message names (``source`` and its
    record; a frame has no lines). ``ddf`` is repartitioned when it has fewer than
    ``per_worker`` partitions per worker. ``as_of`` (default: today, here, once): every
    partition is evaluated for the same day.

    Nothing is computed here. In the graph, a partition is read once, where it is then counted
    and scored (and written, by what follows: ``to_csv``): its rows stay in the worker that read
    them. Only the counts travel: a partition's first record number is the sum of the counts
    before it, a chain of additions that runs ahead of the scoring.

    Raises ``advisor.errors.ArgumentError`` (also a ``ValueError``) for a ``ddf`` that is not a
    Dask DataFrame, a ``lang`` other than zh/en or an ``as_of`` that is not a date, at once
    (not when computed).
    """
    import dask
    import dask.dataframe as dd
    import pandas as pd

    from advisor.arguments import checked_as_of, checked_lang, kind_name
    from advisor.batch.writers import CSV_COLUMNS
    from advisor.errors import ArgumentError
    from advisor.frames import score_frame

    checked_lang(lang)
    day = checked_as_of(as_of) or as_of_date(None)  # today, here, once
    if not isinstance(ddf, dd.DataFrame):
        raise ArgumentError("advisor.dask.score takes a Dask DataFrame (advisor.dask.read_csv), "
                            f"not a {kind_name(ddf)}")
    wanted = per_worker * worker_count(client)
    if ddf.npartitions < wanted:
        ddf = ddf.repartition(npartitions=wanted)
    parts = ddf.to_delayed(optimize_graph=True)
    scored, start = [], 1
    for part in parts:
        scored.append(dask.delayed(score_frame)(part, rules=rules, lang=lang, as_of=day, options=options,
                                                first_record=start, source=source))
        start = dask.delayed(_next_start)(start, dask.delayed(_rows)(part))
    meta = pd.DataFrame({c: pd.Series(dtype=str) for c in CSV_COLUMNS})
    return dd.from_delayed(scored, meta=meta, verify_meta=False)
