"""Profiles from a folder: every profile file in it, in name order (sub-folders are not read)."""

from __future__ import annotations

from pathlib import Path

from advisor.errors import SourceError

# file suffix -> kind of input
SUFFIXES = {
    ".csv": "csv", ".tsv": "csv",
    ".jsonl": "jsonl", ".ndjson": "jsonl",
    ".yaml": "document", ".yml": "document", ".json": "document",
    ".xlsx": "xlsx", ".xlsm": "xlsx", ".xls": "xlsx",  # an .xls gets a message saying to save it as .xlsx
}


def folder_files(path: str) -> list[Path]:
    """The profile files in the folder ``path``, sorted by name (the same order on every system)."""
    try:
        entries = list(Path(path).iterdir())
    except OSError as exc:
        raise SourceError(f"{path}: cannot list the folder: {exc.strerror}") from None
    files = [p for p in entries if p.is_file() and not p.name.startswith(".") and p.suffix.lower() in SUFFIXES]
    if not files:
        raise SourceError(f"{path}: no profile files in this folder (allowed: {', '.join(sorted(SUFFIXES))})")
    return sorted(files, key=lambda p: p.name)
