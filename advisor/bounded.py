"""Reading a whole input file, never more than a limit.

A profile is a few hundred bytes, a rule file tens of KB; ``/dev/zero``, ``/dev/urandom``, a
symbolic link to one of them or an endless pipe (``yes | advisor advise -``) would otherwise be
read until the memory runs out. Every file read whole — a profile (``advise``, ``explain``,
``memo``, ``whatif``, ``ask --from``, standard input), a rule file, a price file (``--prices``), a
questionnaire — is read here with its limit: at most ``limit + 1`` bytes are ever asked for, so
reading stops at the limit whatever the file is. The batch readers (CSV, JSON Lines, Excel)
stream their input and keep their own limits per row.

The limits (documented in the README, "Limits"):

- ``PROFILE_BYTES``: 1 MB for a profile or a questionnaire (the bundled profiles are under 1 KB;
  a name is at most 1,000 characters);
- ``RULE_FILE_BYTES``: 4 MB for each file of a rule pack (the bundled ones are at most 100 KB);
- ``PRICE_FILE_BYTES``: 1 MB for a price file (the bundled prices.yaml is 10 KB).
"""

from __future__ import annotations

from pathlib import Path
from typing import BinaryIO

PROFILE_BYTES = 1024 * 1024
RULE_FILE_BYTES = 4 * 1024 * 1024
PRICE_FILE_BYTES = 1024 * 1024


class TooLarge(Exception):
    """A file with more than ``limit`` bytes; the caller names the file in its own error."""

    def __init__(self, limit: int) -> None:
        super().__init__(f"more than {limit} bytes")
        self.limit = limit

    @property
    def size(self) -> str:
        """The limit as people write it: ``1 MB``, ``256 KB``."""
        if self.limit % (1024 * 1024) == 0:
            return f"{self.limit // (1024 * 1024)} MB"
        return f"{self.limit // 1024} KB"


def read_bounded(source: str | Path | BinaryIO, limit: int) -> bytes:
    """The bytes of ``source`` (a path, or a binary stream read from where it is), or
    ``TooLarge`` when it holds more than ``limit`` bytes. At most ``limit + 1`` bytes are read;
    ``OSError`` passes through."""
    if isinstance(source, (str, Path)):
        with open(source, "rb") as file:
            data = file.read(limit + 1)
    else:
        data = source.read(limit + 1)
    if len(data) > limit:
        raise TooLarge(limit)
    return data
