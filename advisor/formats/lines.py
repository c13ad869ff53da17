"""Text laid out for a terminal: display width, line breaking, tables that fit.

- ``width``: the columns a text takes; East Asian wide and full-width characters take two
  (``wcwidth``).
- ``wrap``: lines of at most a given width, broken where the Unicode line-breaking algorithm
  (UAX #14, from ``uniseg``) allows: between Chinese characters, at spaces, after a hyphen —
  never before closing punctuation (``）``, ``、``, ``。``), never after opening punctuation.
  Tailored so that a number (``1,000,000``, ``499,999.99``, ``100~200亿``), an id
  (``DEP-PRIVACY-LOCAL``, ``usage_metered``, an item's id on its own line) or a standard's code
  (``GB/T 22239-2019``, ``TC260-003``) is never broken either. Only a unit wider than the whole line is cut, between
  characters (still not before closing punctuation).
- ``table``: rows and headers as a table as wide as the terminal at most; each column gets at
  least its longest unbreakable unit, the rest of the width goes to the columns with the most
  text. When even that does not fit (a narrow terminal), each row is shown as a block of
  ``header  value`` lines instead.

Measuring and breaking text (``wcwidth``, ``uniseg``) takes most of the time of printing a
recommendation, and most texts come back run after run (the rules' wording, the labels): what
``width`` and ``units`` found is kept in the user's cache folder (``advisor.user_cache``) as
``layout-<key>.pickle``, and a later run looks a text up there before it measures it (without
importing either library when every text is known). The key hashes this module's source and the
installed files of both libraries, so a new version of either never reads an old answer; the
file is written at exit when the run measured new texts, and starts again from this run's texts
when it grows past ``KEPT_TEXTS``. Both functions being pure, the output is the same bytes with
the file or without it (``tests/test_startup.py``).
"""

from __future__ import annotations

import functools
import itertools
import operator
import os
import re
from typing import Any, Sequence

SEPARATOR = "  "  # between two columns
READABLE = 20  # a column of running text (over twice as wide unwrapped) narrower than this: the rows become blocks

# Spans a line never breaks inside (tailoring of UAX #14, which would break after "GB/", after
# the hyphens of an id, between a number and 万): a standard's code, an id or a number.
_NUMBER = r"第?\d+(?:[.,]\d+)*[%万亿元年月日条款项号节章]?"  # 1,000,000; 499,999.99; 3000万; 第21条; 2025年
_UNBREAKABLE = (  # compiled by ``_unbreakable`` when a text is first cut into units
    r"[A-Za-z_]\w*(?:\.\w+)*(?:\[[\w.\-]+\])+(?:\.\w+(?:\[[\w.\-]+\])*)*"  # a path: compliance[pi-audit].basis
    r"|[A-Z]{1,6}(?:/[A-Z])?[ \u00a0]?\d+(?:\.\d+)?-\d+"  # GB/T 22239-2019, GB 45438-2025, TC260-003
    rf"|{_NUMBER}(?:[ \u00a0]?[~–\-][ \u00a0]?{_NUMBER})?"  # a number or a range: 28–29, 100~200亿, 218万–1,005万
    r"|[A-Z0-9]+(?:[-_.:][A-Z0-9]+)+|\w*_\w*|[A-Za-z0-9]+(?:[.:][A-Za-z0-9]+)+"  # DEP-PRIVACY-LOCAL, usage_metered, sha256:3f9a
    r"|第[一二三四五六七八九十百千零〇]+[条款项号节章]"  # 第二十八条
)
# A line that is an id alone (personal-information-protection, under an item's title) is kept
# whole; a hyphenated word in running text (critical-information-infrastructure) may break.
_ID_LINE = re.compile(r"[A-Za-z0-9]+(?:[-_][A-Za-z0-9]+)+")
# Classes a line may not start with (UAX #14 LB13, LB16, LB17): closing punctuation and marks.
_NO_LINE_START = frozenset({"CL", "CP", "EX", "IS", "NS"})


KEPT_TEXTS = 5_000  # texts kept in the layout file at most (about 1 MB: it stays quick to read)
_LAYOUT_FORMAT = 1  # bump when the kept data changes shape


class _Kept:
    """What ``width`` and ``units`` found, kept between runs (see the module doc): the width of
    each character (``chars``) and the units of each text (``units``)."""

    def __init__(self) -> None:
        self.found: dict[str, dict[str, Any]] | None = None  # read on first use
        self.new: dict[str, dict[str, Any]] = {"chars": {}, "units": {}}
        self.used: set[str] = set()  # the kept texts whose units this run looked up
        self.path: Any = None
        self.pid = 0

    def _read(self) -> dict[str, dict[str, Any]]:
        from advisor import user_cache

        self.found = {"chars": {}, "units": {}}
        key = _layout_key() if user_cache.enabled() else None
        if key is None:
            return self.found
        self.path = user_cache.cache_dir() / f"layout-{key}.pickle"
        data = user_cache.read(self.path)
        if type(data) is dict and type(data.get("chars")) is dict and type(data.get("units")) is dict:
            chars = {c: w for c, w in data["chars"].items() if type(c) is str and len(c) == 1 and type(w) is int}
            self.found = {"chars": chars, "units": data["units"]}
        return self.found

    def chars(self) -> dict[str, int]:
        """Each character's width as ``width`` adds it up (``_NOT_ADDED``: not added up)."""
        return (self.found if self.found is not None else self._read())["chars"]

    def units(self, text: str) -> tuple[str, ...] | None:
        """The units of ``text`` found before (None: not known)."""
        found = (self.found if self.found is not None else self._read())["units"].get(text)
        if type(found) is not tuple:
            return None
        self.used.add(text)
        return found

    def put(self, kind: str, text: str, value: Any) -> None:
        """Remember ``value`` for ``text`` (and keep it at exit)."""
        if self.found is None:
            self._read()
        if kind == "chars":
            self.found["chars"][text] = value
        if self.path is None or len(self.new[kind]) >= KEPT_TEXTS:  # a long-running process keeps a bounded part
            return
        if not any(self.new.values()):
            import atexit

            self.pid = os.getpid()
            atexit.register(self.write)
        self.new[kind][text] = value

    def write(self) -> None:
        """Keep what this run found (in the process that measured it, not a forked child)."""
        if os.getpid() != self.pid or self.found is None or self.path is None:
            return
        from advisor import user_cache

        chars = {**self.found["chars"], **self.new["chars"]}
        units = {**self.found["units"], **self.new["units"]}
        if len(chars) > KEPT_TEXTS:  # start again from this run's
            chars = dict(self.new["chars"])
        if len(units) > KEPT_TEXTS:
            units = {text: units[text] for text in self.used} | self.new["units"]
        user_cache.write(self.path, {"chars": chars, "units": units})


_KEPT = _Kept()


def _layout_key() -> str | None:
    """The layout file's key: this module's source and the installed files of ``wcwidth`` and
    ``uniseg`` (names, sizes, times), without importing them (None: not found)."""
    import hashlib
    import importlib.util
    import sys

    try:
        digest = hashlib.sha256(f"{_LAYOUT_FORMAT}\0{sys.version}\0".encode())
        with open(__file__, "rb") as f:
            digest.update(f.read())
        for name in ("wcwidth", "uniseg"):
            spec = importlib.util.find_spec(name)
            if spec is None or not spec.submodule_search_locations:
                return None
            for folder in spec.submodule_search_locations:
                for entry in sorted(os.scandir(folder), key=lambda e: e.name):
                    if entry.is_file():
                        info = entry.stat()
                        digest.update(f"{name}/{entry.name}\0{info.st_size}\0{info.st_mtime_ns}\0".encode())
    except (OSError, ImportError, ValueError):
        return None
    return digest.hexdigest()[:32]


_NOT_ADDED = -(1 << 40)  # the kept width of a character that may join or change its neighbours


@functools.lru_cache(maxsize=65536)
def width(text: str) -> int:
    """Columns ``text`` takes on a terminal: a Chinese character two, a combining mark none."""
    if text.isascii() and text.isprintable():
        return len(text)
    # The sum of its characters' widths, as ``wcswidth`` measures it, when each of them stands
    # alone (see ``_char_width``); the characters' widths are kept between runs.
    chars = _KEPT.chars()
    try:
        total = sum(map(chars.__getitem__, text))
    except KeyError:
        for ch in set(text) - chars.keys():
            _KEPT.put("chars", ch, _char_width(ch))
        total = sum(map(chars.__getitem__, text))
    return total if total >= 0 else _measure(text)


def _char_width(ch: str) -> int:
    """``wcswidth`` of one character; ``_NOT_ADDED`` for one that may join or change its
    neighbours, so that a text holding it is measured whole: outside the Basic Multilingual
    Plane (emoji, flags, skin tones), a joiner or a variation selector, a character of no
    width (combining marks, viramas) or a control character."""
    if ord(ch) > 0xFFFF or ch in "\u200d\ufe0e\ufe0f":
        return _NOT_ADDED
    found = _measure(ch)
    return found if found > 0 else _NOT_ADDED


def _measure(text: str) -> int:
    from wcwidth import wcswidth

    found = wcswidth(text)
    if found >= 0:
        return found
    from wcwidth import wcwidth

    return sum(max(wcwidth(ch), 0) for ch in text)  # control characters count as nothing


def _class(ch: str) -> str:
    from uniseg.linebreak import line_break

    return str(getattr(line_break(ch), "name", line_break(ch)))


@functools.lru_cache(maxsize=16384)
def units(text: str) -> tuple[str, ...]:
    """``text`` (one line) cut where a line may break: UAX #14, tailored (see the module)."""
    if not text:
        return ()
    if _ID_LINE.fullmatch(text):
        return (text,)
    found = _KEPT.units(text)
    if found is None:
        found = _units(text)
        _KEPT.put("units", text, found)
    return found


@functools.cache
def _unbreakable() -> re.Pattern[str]:
    return re.compile(_UNBREAKABLE)


def _units(text: str) -> tuple[str, ...]:
    from uniseg.linebreak import line_break_boundaries

    keep = set()
    for match in _unbreakable().finditer(text):
        keep.update(range(match.start() + 1, match.end()))
    out: list[str] = []
    start = 0
    for boundary in line_break_boundaries(text):
        if boundary in keep or boundary <= start:
            continue
        out.append(text[start:boundary])
        start = boundary
    if start < len(text):
        out.append(text[start:])
    return tuple(out)


def _cut(unit: str, limit: int) -> list[str]:
    """A unit wider than ``limit``, cut into pieces of at most ``limit`` columns (between grapheme
    clusters), none starting with closing punctuation."""
    from uniseg.graphemecluster import grapheme_clusters

    pieces: list[str] = []
    piece = ""
    for cluster in grapheme_clusters(unit):
        if piece and width(piece + cluster) > limit:
            if _class(cluster[0]) in _NO_LINE_START and len(piece) > 1:
                pieces.append(piece[:-1])  # the last character goes down with the punctuation
                piece = piece[-1]
            else:
                pieces.append(piece)
                piece = ""
        piece += cluster
    if piece:
        pieces.append(piece)
    return pieces


def wrap(text: str, limit: int) -> list[str]:
    """``text`` as lines of at most ``limit`` columns (its own line breaks kept)."""
    return list(_wrapped(str(text), max(limit, 2)))


@functools.lru_cache(maxsize=16384)
def _measured(paragraph: str) -> tuple[tuple[str, ...], tuple[int, ...], tuple[int, ...]] | None:
    """The units of ``paragraph`` (one line), the width of each and the width of each without
    its trailing spaces, when the width of any run of its characters is the sum of theirs (see
    ``width``); None when a character of it may join or change its neighbours. (Counted with
    C-level ``map``s: a recommendation has thousands of units.)"""
    cut = units(paragraph)
    if "".join(cut) != paragraph:  # not the paragraph's own pieces (a damaged layout file): measured as they grow
        return None
    if paragraph.isascii() and paragraph.isprintable():
        return cut, tuple(map(len, cut)), tuple(map(len, map(str.rstrip, cut)))
    chars = _KEPT.chars()
    try:
        sizes = list(map(chars.__getitem__, paragraph))
    except KeyError:
        for ch in set(paragraph):
            if ch not in chars:
                _KEPT.put("chars", ch, _char_width(ch))
        sizes = list(map(chars.__getitem__, paragraph))
    if min(sizes, default=0) < 0:
        return None
    ends = [0, *itertools.accumulate(sizes)]  # the width of paragraph[:n] is ends[n]
    stops = list(itertools.accumulate(map(len, cut)))  # where each unit ends in the paragraph
    starts = [0, *stops[:-1]]
    begins = list(map(ends.__getitem__, starts))
    bare_stops = map(operator.add, starts, map(len, map(str.rstrip, cut)))
    return (cut, tuple(map(operator.sub, map(ends.__getitem__, stops), begins)),
            tuple(map(operator.sub, map(ends.__getitem__, bare_stops), begins)))


@functools.lru_cache(maxsize=16384)
def _wrapped(text: str, limit: int) -> tuple[str, ...]:
    lines: list[str] = []
    for paragraph in text.split("\n"):
        measured = _measured(paragraph)
        if measured is not None:
            _wrap_measured(measured, limit, lines)
            continue
        line = ""
        for unit in units(paragraph):
            if width((line + unit).rstrip()) <= limit:
                line += unit
                continue
            if line.strip():
                lines.append(line.rstrip())
            line = ""
            if width(unit.rstrip()) <= limit:
                line = unit
                continue
            *full, line = _cut(unit.rstrip(), limit)
            lines.extend(full)
        lines.append(line.rstrip())
    return tuple(lines)


def _wrap_measured(measured: tuple[tuple[str, ...], tuple[int, ...], tuple[int, ...]], limit: int,
                   lines: list[str]) -> None:
    """``_wrapped``'s loop over one paragraph whose widths add up: the same lines, from the
    widths of its units (``_measured``) instead of measuring each line as it grows."""
    line, size = "", 0  # the line so far and its width
    for unit, whole, bare in zip(*measured):
        if bare:  # ``(line + unit).rstrip()`` is ``line + unit.rstrip()``
            fits = size + bare <= limit
        else:  # a unit of spaces alone
            fits = width(line.rstrip()) <= limit
        if fits:
            line += unit
            size += whole
            continue
        if line.strip():
            lines.append(line.rstrip())
        if bare <= limit:
            line, size = unit, whole
            continue
        *full, line = _cut(unit.rstrip(), limit)
        size = width(line)
        lines.extend(full)
    lines.append(line.rstrip())


def longest_unit(text: str) -> int:
    """The width of the widest piece of ``text`` that ``wrap`` keeps whole."""
    longest = 0
    for line in str(text).split("\n"):
        measured = _measured(line)
        bare = measured[2] if measured is not None else [width(u.rstrip()) for u in units(line)]
        longest = max(longest, *bare) if bare else longest
    return longest


def natural_width(text: str) -> int:
    """The width of the widest line of ``text`` unwrapped."""
    return max((width(line) for line in str(text).split("\n")), default=0)


def _pad(text: str, size: int, align: str) -> str:
    gap = " " * max(size - width(text), 0)
    return gap + text if align == "right" else text + gap


def column_widths(columns: Sequence[Sequence[str]], available: int, headed: bool = False,
                  whole: Sequence[int] = ()) -> list[int] | None:
    """Widths for columns holding ``columns`` within ``available`` columns in all, or ``None``
    when even their unbreakable units do not fit side by side. ``headed``: the first cell of
    each column is its header, which is not wrapped. ``whole``: the indexes of columns whose
    cells are never wrapped (short labels such as "not fired (+0.5)").

    Each column gets what its longest unit needs; the rest is shared in proportion to how much
    wider each column would be unwrapped (the automatic layout of HTML tables).
    """
    low = [max([*(longest_unit(cell) for cell in col), natural_width(col[0]) if headed and col else 0])
           for col in columns]
    high = [max(max((natural_width(cell) for cell in col), default=0), lo) for col, lo in zip(columns, low)]
    low = [hi if i in whole else lo for i, (lo, hi) in enumerate(zip(low, high))]
    if sum(high) <= available:
        return high
    if sum(low) > available:
        return None
    spare = available - sum(low)
    slack = [hi - lo for hi, lo in zip(high, low)]
    total = sum(slack)
    widths = [lo + (spare * s) // total for lo, s in zip(low, slack)]
    return _settle(columns, widths, high, available)


def _settle(columns: Sequence[Sequence[str]], widths: list[int], high: Sequence[int], available: int) -> list[int]:
    """Shrink each column to the lines it really has, then give the columns saved to the column
    where they save the most lines of the table; until no column gets shorter."""
    rows = range(len(columns[0]) if columns else 0)
    for _ in range(len(widths) + 1):
        widths = [max(max((width(line) for cell in col for line in _wrapped(str(cell), max(w, 2))), default=1), 1)
                  for col, w in zip(columns, widths)]
        spare = available - sum(widths)
        if spare <= 0:
            break
        # the lines of each cell at these widths; a trial widens one column, the others keep theirs
        heights = [[len(_wrapped(str(cell), max(w, 2))) for cell in col] for col, w in zip(columns, widths)]
        best, best_height = -1, sum(max(h[r] for h in heights) for r in rows)
        for i in range(len(widths)):
            if widths[i] < high[i]:
                trial = max(min(high[i], widths[i] + spare), 2)
                widened = [len(_wrapped(str(cell), trial)) for cell in columns[i]]
                others = heights[:i] + heights[i + 1:]
                height = sum(max([widened[r], *(h[r] for h in others)]) for r in rows)
                if height < best_height:
                    best, best_height = i, height
        if best < 0:
            break
        widths[best] = min(high[best], widths[best] + spare)
    return widths


def table(rows: Sequence[Sequence[object]], headers: Sequence[str] = (), limit: int = 80, *,
          fmt: str = "simple", align: Sequence[str] | None = None, whole: Sequence[int] = ()) -> str:
    """``rows`` under ``headers`` as a table at most ``limit`` columns wide.

    ``fmt``: ``simple`` (headers underlined with dashes), ``plain`` (no rule) or ``github``
    (a pipe table, for pasting into Markdown; cells are not wrapped: when it is too wide, the
    ``simple`` layout is used). ``align``: ``left`` or
    ``right`` per column. ``whole``: indexes of columns never wrapped (see ``column_widths``).
    When the columns cannot fit side by side, or a column of text would be narrower than
    ``READABLE``, the rows are shown as blocks (``stacked``).
    """
    cells = [[str(cell) for cell in row] for row in rows]
    headers = [str(h) for h in headers]
    count = max([len(headers), *(len(r) for r in cells)], default=0)
    if not count:
        return ""
    cells = [r + [""] * (count - len(r)) for r in cells]
    heads = headers + [""] * (count - len(headers)) if headers else []
    align = list(align or []) + ["left"] * count
    if fmt == "github":
        piped = _github(cells, heads, align, limit)
        if piped is not None:
            return piped
        fmt = "simple"  # too wide for a pipe table: wrapped columns, or blocks
    columns = [[*([heads[i]] if heads else []), *(r[i] for r in cells)] for i in range(count)]
    widths = column_widths(columns, limit - len(SEPARATOR) * (count - 1), headed=bool(heads), whole=whole)
    if widths is None or any(w < READABLE < max(natural_width(c) for c in col) / 2  # a column of prose, too narrow
                             for w, col in zip(widths, columns)):
        return stacked(cells, heads, limit)
    out: list[str] = []
    if heads:
        out.extend(_row(heads, widths, align))
        if fmt == "simple":
            out.append(SEPARATOR.join("-" * w for w in widths))
    for row in cells:
        out.extend(_row(row, widths, align))
    return "\n".join(out)


def _row(row: Sequence[str], widths: Sequence[int], align: Sequence[str]) -> list[str]:
    wrapped = [wrap(cell, w) if cell else [""] for cell, w in zip(row, widths)]
    height = max(len(w) for w in wrapped)
    lines = []
    for n in range(height):
        parts = [_pad(w[n] if n < len(w) else "", size, a) for w, size, a in zip(wrapped, widths, align)]
        lines.append(SEPARATOR.join(parts).rstrip())
    return lines


def _github(cells: list[list[str]], heads: list[str], align: list[str], limit: int) -> str | None:
    flat = [[" ".join(c.split("\n")) for c in row] for row in cells]
    columns = [[*([heads[i]] if heads else []), *(r[i] for r in flat)] for i in range(len(flat[0] if flat else heads))]
    widths = [max(max((width(c) for c in col), default=0), 3) for col in columns]
    if sum(widths) + 3 * len(widths) + 1 > limit:
        return None

    def line(row: Sequence[str]) -> str:
        return "| " + " | ".join(_pad(c, w, a) for c, w, a in zip(row, widths, align)) + " |"

    rule = "|" + "|".join((":" + "-" * (w + 1)) if a == "left" else ("-" * (w + 1) + ":")
                          for w, a in zip(widths, align)) + "|"
    return "\n".join(([line(heads), rule] if heads else []) + [line(r) for r in flat])


def stacked(rows: Sequence[Sequence[str]], headers: Sequence[str], limit: int) -> str:
    """Each row as a block of lines, ``header  value`` (values wrapped beside the headers, or
    under them when the headers leave too little room); blocks apart by an empty line."""
    label = max((width(h) for h in headers), default=0)
    longest = max((longest_unit(cell) for row in rows for cell in row), default=0)
    beside = bool(headers) and limit - label - len(SEPARATOR) >= max(12, longest)
    indent = label + len(SEPARATOR) if beside else 2
    blocks = []
    for row in rows:
        lines: list[str] = []
        for n, cell in enumerate(row):
            head = headers[n] if n < len(headers) else ""
            if not cell and head:
                continue
            body = wrap(cell, limit - indent) if cell else [""]
            if beside:
                lines.append(_pad(head, label, "left") + SEPARATOR + body[0])
                lines.extend(" " * indent + b for b in body[1:])
            else:
                if head:
                    lines.append(head)
                lead = " " * indent if (head or n) else ""
                lines.extend((lead + b).rstrip() for b in (body if n or head else wrap(cell, limit)))
        blocks.append("\n".join(line.rstrip() for line in lines))
    return "\n\n".join(blocks)
