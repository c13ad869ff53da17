"""A one-line progress display on standard error, shown only when it is a terminal."""

from __future__ import annotations

import time
from typing import TextIO

from advisor.batch.text import say

INTERVAL = 0.25  # seconds between redraws


class Progress:
    """Rows done and rows per second, redrawn in place; silent when disabled."""

    def __init__(self, stream: TextIO, lang: str, enabled: bool) -> None:
        self.stream, self.lang, self.enabled = stream, lang, enabled
        self.start = time.monotonic()
        self._last = 0.0
        self._shown = False

    def update(self, rows: int, bad: int) -> None:
        """Redraw if the last redraw is old enough."""
        if not self.enabled:
            return
        now = time.monotonic()
        if now - self._last < INTERVAL:
            return
        self._last = now
        elapsed = now - self.start
        rate = rows / elapsed if elapsed > 0 else 0.0
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
