"""Write an output file so that it appears only when complete, and fail clearly when it cannot.

A regular file (new or existing) is written under a hidden temporary name beside it,
``.NAME.xxxxxxxx.part``, renamed over it when the run succeeds (``os.replace`` is atomic within a
file system). A run that fails or is interrupted removes the temporary file, and the previous file
is kept: no file that looks complete but is not.

- A symbolic link is followed: its target is replaced (the temporary file beside the target),
  the link stays a link.
- A FIFO, a device (``/dev/null``, ``/dev/full``) or anything under ``/dev`` and ``/proc``
  (``/dev/stdout``) is written directly; it is never replaced by a regular file.
- Writing errors are ``OutputError`` naming the file: a full disk says "no space left on the
  device"; a closed pipe stays ``BrokenPipeError`` (the reader went away; see ``advisor batch``).
- A run killed outright (SIGKILL, power loss) cannot clean up: its ``.part`` file stays. Each
  temporary file is locked (``flock``) while its run lives, so the next run to the same output
  recognises and removes the ones no live run holds (``remove_stale``).
"""

from __future__ import annotations

import errno
import os
import re
import stat
import tempfile
from pathlib import Path
from typing import BinaryIO, Iterable

from advisor.errors import AdvisorError

try:
    import fcntl
except ImportError:  # Windows: an open file cannot be deleted there, which protects a live run's file
    fcntl = None  # type: ignore[assignment]

# Writes of 64 KB: 2.4 GB of JSON Lines spent about twice as long in the kernel through a 1 MB
# buffer, and four times as long written 12 MB at a time (measured on Linux).
BUFFER = 1 << 16
DIRECT_PREFIXES = ("/dev/", "/proc/")  # device files and their aliases (/dev/stdout, /proc/self/fd/1)
_NO_SPACE = (errno.ENOSPC, getattr(errno, "EDQUOT", errno.ENOSPC))


class OutputError(AdvisorError):
    """An output that cannot be written: names the file and says why (exit status 2)."""


def write_error(name: str, exc: OSError, after: str = "") -> OutputError:
    """The ``OutputError`` for ``exc`` raised while writing ``name`` (a path, or "standard output");
    ``after`` says what became of the file."""
    if exc.errno in _NO_SPACE:
        reason = "no space left on the device"
    else:
        reason = f"cannot write: {exc.strerror or exc}"
    return OutputError(f"{name}: {reason}{after}")


class GuardedOutput:
    """A binary stream whose write errors are ``OutputError`` naming it (a closed pipe stays as it is)."""

    def __init__(self, stream: BinaryIO, name: str, after: str = "") -> None:
        self.stream, self.name, self.after = stream, name, after

    def write(self, data: bytes) -> int:
        try:
            return self.stream.write(data)
        except BrokenPipeError:
            raise
        except OSError as exc:
            raise write_error(self.name, exc, self.after) from None

    def writelines(self, lines: Iterable[bytes]) -> None:
        try:
            self.stream.writelines(lines)
        except BrokenPipeError:
            raise
        except OSError as exc:
            raise write_error(self.name, exc, self.after) from None

    def flush(self) -> None:
        try:
            self.stream.flush()
        except BrokenPipeError:
            raise
        except OSError as exc:
            raise write_error(self.name, exc, self.after) from None

    def close(self) -> None:
        try:
            self.stream.close()
        except BrokenPipeError:
            raise
        except OSError as exc:
            raise write_error(self.name, exc, self.after) from None

    def seek(self, offset: int, whence: int = 0) -> int:
        # A seek writes out what the buffer holds first (a zip's directory: an xlsx output's last step).
        try:
            return self.stream.seek(offset, whence)
        except BrokenPipeError:
            raise
        except OSError as exc:
            raise write_error(self.name, exc, self.after) from None

    def __getattr__(self, name: str):
        if name == "stream":
            raise AttributeError(name)
        return getattr(self.stream, name)  # the rest of the stream (tell, fileno, …) as it is


class AtomicFile:
    """A binary file written under a temporary name; ``commit`` renames it, ``discard`` removes it.

    ``file`` is the stream to write to. FIFOs and devices are written directly (``direct``).
    Raises ``OutputError`` when the file cannot be written (a folder, a missing folder, no rights).
    """

    def __init__(self, path: str | Path, *, clean_stale: bool = True) -> None:
        self.name = str(path)
        self.done = False
        self.temp: str | None = None
        self._lock: int | None = None
        self.target = self._target(Path(path))
        if self.direct:
            try:
                raw = open(self.target, "wb", buffering=BUFFER)
            except OSError as exc:
                raise OutputError(f"{path}: cannot write: {exc.strerror}") from None
            self.file = GuardedOutput(raw, self.name)
            return
        folder = self.target.parent
        if clean_stale:
            remove_stale(folder, self.target.name)
        try:
            fd, self.temp = tempfile.mkstemp(prefix=f".{self.target.name}.", suffix=".part", dir=folder)
        except OSError as exc:
            raise OutputError(f"{path}: cannot write here: {exc.strerror}") from None
        self._lock = _hold(fd)
        after = "; the previous file is kept unchanged" if self.target.exists() else "; no file was written"
        self.file = GuardedOutput(os.fdopen(fd, "wb", buffering=BUFFER), self.name, after)

    def _target(self, path: Path) -> Path:
        """The file to write (a link's target); sets ``direct`` for what must not be replaced."""
        self.direct = False
        try:
            info = os.stat(path)  # follows links
        except FileNotFoundError:
            info = None
        except OSError as exc:  # a loop of links, a file used as a folder, no rights
            raise OutputError(f"{path}: cannot write: {exc.strerror}") from None
        if info is not None and stat.S_ISDIR(info.st_mode):
            raise OutputError(f"{path}: is a folder; give a file name for the output")
        if info is not None and stat.S_ISSOCK(info.st_mode):
            raise OutputError(f"{path}: is a socket; give a file name for the output")
        if (info is not None and not stat.S_ISREG(info.st_mode)) or str(path).startswith(DIRECT_PREFIXES):
            self.direct = True
            return path
        resolved = Path(os.path.realpath(path))
        if str(resolved).startswith(DIRECT_PREFIXES):
            self.direct = True
            return path
        return resolved

    def commit(self) -> None:
        """Finish the file and give it its real name (an existing file's permissions are kept)."""
        self.file.close()
        if self.direct:
            self.done = True
            return
        try:
            try:
                mode = stat.S_IMODE(os.stat(self.target).st_mode)
            except FileNotFoundError:
                umask = os.umask(0)
                os.umask(umask)
                mode = 0o666 & ~umask  # mkstemp makes it private; give it the usual rights
            os.chmod(self.temp, mode)
            os.replace(self.temp, self.target)
        except OSError as exc:
            self.discard()
            raise OutputError(f"{self.name}: cannot write: {exc.strerror}") from None
        self.done = True
        self._release()

    def discard(self) -> None:
        """Drop the temporary file (idempotent); a FIFO or device is only closed."""
        if self.done:
            return
        self.done = True
        try:
            try:
                self.file.stream.close()
            except OSError:
                pass  # what could not be written is dropped anyway
        finally:
            if self.temp is not None:
                try:
                    os.unlink(self.temp)
                except FileNotFoundError:
                    pass
            self._release()

    def _release(self) -> None:
        if self._lock is not None:
            os.close(self._lock)
            self._lock = None

    def __enter__(self) -> "AtomicFile":
        return self

    def __exit__(self, *exc: object) -> None:
        self.discard()  # no-op after commit


def _hold(fd: int) -> int | None:
    """Lock the temporary file for as long as this run lives (a second descriptor holds the lock,
    so that closing the file before the rename does not release it)."""
    if fcntl is None:
        return None
    lock = os.dup(fd)
    fcntl.flock(lock, fcntl.LOCK_EX | fcntl.LOCK_NB)
    return lock


_PART = r"\.{name}\.[A-Za-z0-9_]{{8}}\.part"


def remove_stale(folder: str | Path, name: str | None = None) -> int:
    """Remove the temporary files of killed runs in ``folder`` (for the output ``name``, or any);
    returns how many. A file locked by a live run is left alone; so is anything else."""
    pattern = re.compile(_PART.format(name=re.escape(name) if name else r".+"))
    removed = 0
    try:
        entries = list(os.scandir(folder))
    except OSError:
        return 0
    for entry in entries:
        if pattern.fullmatch(entry.name) and entry.is_file(follow_symlinks=False) and _abandoned(entry.path):
            try:
                os.unlink(entry.path)
                removed += 1
            except OSError:
                pass  # in use (Windows), or gone already
    return removed


def _abandoned(path: str) -> bool:
    if fcntl is None:
        return True  # unlink fails on a file another process has open
    try:
        fd = os.open(path, os.O_RDONLY | getattr(os, "O_NOFOLLOW", 0))
    except OSError:
        return False
    try:
        fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
    except OSError:
        return False  # a live run holds it
    finally:
        os.close(fd)
    return True


def drop_standard_output() -> None:
    """After the reader of standard output went away (a closed pipe) or the device is full: send
    what is still buffered, and anything later, to the null device, so that Python's own flush at
    exit does not fail a second time with a message of its own."""
    import sys

    try:
        devnull = os.open(os.devnull, os.O_WRONLY)
        os.dup2(devnull, sys.stdout.fileno())
        os.close(devnull)
    except (OSError, ValueError, AttributeError):
        pass  # not a real file descriptor (a test's captured output): nothing to protect
