"""Profiles from a folder: every profile file in it, in name order (sub-folders are not read).

Questionnaire drafts (``advisor ask --save`` keeps ``NAME.draft.yaml`` when a session stops
early) are incomplete profiles, not profiles: they are skipped, by name or by their first line;
so are hidden files and the lock files office programs keep beside an open workbook.
"""

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


# Hidden files, and the lock file Excel and Word keep beside a document while it is open
# (``~$clients.xlsx``, a few bytes naming who has it open: not a workbook). WPS's and LibreOffice's
# lock files are hidden ones (``.~clients.xlsx``, ``.~lock.clients.xlsx#``).
LOCK_PREFIXES = (".", "~$")

# The first line of a draft in each language (advisor/ask/messages.yaml, draft_header).
DRAFT_FIRST_LINES = ("# advisor ask draft", "# advisor ask 草稿")


def is_draft(path: Path) -> bool:
    """Whether ``path`` is a questionnaire draft: named ``*.draft.yaml`` or starting like one."""
    if path.suffix.lower() not in (".yaml", ".yml", ".json"):
        return False
    if path.stem.lower().endswith(".draft"):
        return True
    try:
        with open(path, "rb") as file:
            first = file.readline(200).decode("utf-8-sig", "replace")
    except OSError:
        return False
    return first.startswith(DRAFT_FIRST_LINES)


def folder_files(path: str) -> list[Path]:
    """The profile files in the folder ``path``, sorted by name (the same order on every system)."""
    try:
        entries = list(Path(path).iterdir())
    except OSError as exc:
        raise SourceError(f"{path}: cannot list the folder: {exc.strerror}") from None
    files = [p for p in entries if p.is_file() and not p.name.startswith(LOCK_PREFIXES)
             and p.suffix.lower() in SUFFIXES and not is_draft(p)]
    if not files:
        raise SourceError(f"{path}: no profile files in this folder (allowed: {', '.join(sorted(SUFFIXES))})")
    return sorted(files, key=lambda p: p.name)
