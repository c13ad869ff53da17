"""A one-line progress display on standard error, shown only when it is a terminal.

When the inputs are files whose lines can be counted (CSV, JSON Lines, YAML/JSON lists), the
line also shows how far the run is (the line reached, of all lines) and the number of records
this makes in all, estimated from the rows per line so far.
"""

from __future__ import annotations

import time
from pathlib import Path
from typing import Sequence, TextIO

from advisor.batch.text import say

INTERVAL = 0.25  # seconds between redraws
COUNTED_SUFFIXES = frozenset({".csv", ".tsv", ".txt", ".jsonl", ".ndjson", ".yaml", ".yml", ".json"})
_CHUNK = 1 << 20


def count_lines(inputs: Sequence[str]) -> dict[str, int] | None:
    """Lines per input file, keyed as records name their source; ``None`` when a total cannot
    be known (standard input, a pipe, a file kind without lines)."""
    from advisor.errors import SourceError
    from advisor.sources.folder import folder_files

    lines: dict[str, int] = {}
    try:
        for name in inputs:
            if name == "-":
                return None
            files = [str(f) for f in folder_files(name)] if Path(name).is_dir() else [name]
            for file in files:
                if Path(file).suffix.lower() not in COUNTED_SUFFIXES or not Path(file).is_file():
                    return None
                lines[file] = _lines_in(file)
    except (OSError, SourceError):
        return None  # reading the input will say what is wrong with it
    return lines


def _lines_in(path: str) -> int:
    count, last = 0, b"\n"
    with open(path, "rb") as file:
        while chunk := file.read(_CHUNK):
            count += chunk.count(b"\n")
            last = chunk[-1:]
    return count + (last != b"\n")  # a last line without its line break counts too


def _about(n: float) -> int:
    """``n`` to three significant digits: an estimate should not look exact (29,971 → 30,000)."""
    n = round(n)
    return n if n < 1000 else round(n, 3 - len(str(n)))


class Progress:
    """Rows done and rows per second, redrawn in place; silent when disabled.

    ``lines``: lines per input (``count_lines``), for the share done and the estimated total.
    """

    def __init__(self, stream: TextIO, lang: str, enabled: bool, lines: dict[str, int] | None = None) -> None:
        self.stream, self.lang, self.enabled = stream, lang, enabled
        self.start = time.monotonic()
        self._last = 0.0
        self._shown = False
        self._lines = lines if lines and sum(lines.values()) else None
        if self._lines:
            self._total = sum(self._lines.values())
            self._before: dict[str, int] = {}  # lines of the inputs before each one
            running = 0
            for name, count in self._lines.items():
                self._before[name] = running
                running += count

    def fraction(self, source: str | None, line: int | None) -> float | None:
        """The share of all input lines up to ``line`` of ``source`` (None when unknown)."""
        if not self._lines or source not in self._before or line is None:
            return None
        return min(1.0, (self._before[source] + line) / self._total)

    def update(self, rows: int, bad: int, source: str | None = None, line: int | None = None) -> None:
        """Redraw if the last redraw is old enough; ``source`` and ``line``: where the last row was."""
        if not self.enabled:
            return
        now = time.monotonic()
        if now - self._last < INTERVAL:
            return
        self._last = now
        elapsed = now - self.start
        rate = rows / elapsed if elapsed > 0 else 0.0
        share = self.fraction(source, line)
        if share:
            text = say("progress_total", self.lang, rows=f"{rows:,}", total=f"{_about(max(rows, rows / share)):,}",
                       percent=f"{share:.0%}", rate=f"{rate:,.0f}", bad=f"{bad:,}")
        else:
            text = say("progress", self.lang, rows=f"{rows:,}", rate=f"{rate:,.0f}", bad=f"{bad:,}")
        self.stream.write(f"\r{text}\x1b[K")
        self.stream.flush()
        self._shown = True

    def clear(self) -> None:
        """Erase the line (before other messages are written)."""
        if self._shown:
            self.stream.write("\r\x1b[K")
            self.stream.flush()
            self._shown = False
            self._last = 0.0
