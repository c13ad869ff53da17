"""Write a file so that it appears only when complete.

The data goes to a hidden temporary file in the same folder, renamed over the target when the
run succeeds (``os.replace`` is atomic within a file system). A run that fails or is
interrupted removes the temporary file: no file that looks complete but is not.
"""

from __future__ import annotations

import os
import tempfile
from pathlib import Path
from typing import BinaryIO

from advisor.errors import AdvisorError

# Writes of 64 KB: 2.4 GB of JSON Lines spent about twice as long in the kernel through a 1 MB
# buffer, and four times as long written 12 MB at a time (measured on Linux).
BUFFER = 1 << 16


class AtomicFile:
    """A binary file written under a temporary name; ``commit`` renames it, ``discard`` removes it."""

    def __init__(self, path: str) -> None:
        self.path = Path(path)
        if self.path.is_dir():
            raise AdvisorError(f"{path}: is a folder; give a file name for the output")
        folder = self.path.parent
        try:
            fd, self.temp = tempfile.mkstemp(prefix=f".{self.path.name}.", suffix=".part", dir=folder)
        except OSError as exc:
            raise AdvisorError(f"{path}: cannot write here: {exc.strerror}") from None
        self.file: BinaryIO = os.fdopen(fd, "wb", buffering=BUFFER)
        self.done = False

    def commit(self) -> None:
        """Finish the file and give it its real name."""
        self.file.close()
        umask = os.umask(0)
        os.umask(umask)
        os.chmod(self.temp, 0o666 & ~umask)  # mkstemp makes it private; give it the usual rights
        os.replace(self.temp, self.path)
        self.done = True

    def discard(self) -> None:
        """Drop the temporary file (idempotent)."""
        if self.done:
            return
        self.done = True
        try:
            self.file.close()
        finally:
            try:
                os.unlink(self.temp)
            except FileNotFoundError:
                pass

    def __enter__(self) -> "AtomicFile":
        return self

    def __exit__(self, *exc: object) -> None:
        self.discard()  # no-op after commit
