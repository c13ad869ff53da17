"""One profile from a YAML or JSON document (a file, or standard input for ``-``)."""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Any

from advisor.errors import ProfileError, SourceError
from advisor.profile import Profile, parse_profile


def read_text(path: str) -> str:
    """The UTF-8 text of ``path`` (``-``: standard input), or a ``SourceError`` saying why not."""
    if path == "-":
        data = sys.stdin.buffer.read() if hasattr(sys.stdin, "buffer") else sys.stdin.read().encode()
        name = "<stdin>"
    else:
        p = Path(path)
        if not p.exists():
            raise SourceError(f"{path}: no such file")
        if p.is_dir():
            raise SourceError(f"{path}: is a folder, not a profile file")
        try:
            data = p.read_bytes()
        except OSError as exc:
            raise SourceError(f"{path}: cannot read: {exc.strerror}") from None
        name = path
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        raise SourceError(f"{name}: not UTF-8 text (byte {exc.start}); save the file as UTF-8") from None


def parse_document(text: str, name: str) -> Any:
    """Parse YAML (JSON is YAML too) with safe loading; errors name the line and column."""
    import yaml

    try:
        return yaml.load(text, Loader=getattr(yaml, "CSafeLoader", yaml.SafeLoader))
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        where = f" line {mark.line + 1}, column {mark.column + 1}:" if mark else ""
        reason = getattr(exc, "problem", None) or "cannot parse"
        raise SourceError(f"{name}:{where} not valid YAML/JSON: {reason}") from None


def read_profile(path: str) -> Profile:
    """Read and validate the single profile in ``path``."""
    name = "<stdin>" if path == "-" else path
    data = parse_document(read_text(path), name)
    if data is None:
        raise SourceError(f"{name}: empty; a profile needs at least name, size or employees, sector, privacy and budget")
    try:
        return parse_profile(data, source=name)
    except ProfileError:
        raise
