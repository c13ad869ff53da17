"""``batch --memos DIR``: one memo per valid profile, written as the batch goes."""

from __future__ import annotations

import datetime as dt
from pathlib import Path
from typing import Any, Callable

from advisor.sources.records import Record


class MemoFolder:
    """The batch's per-result hook: writes each scored profile's memo into ``directory``.

    File names come from the profile names (safe on every OS, unique within the run), so a re-run
    refreshes the same files. The memo shows exactly the recommendation the batch wrote. A memo
    that cannot be written (a full disk, no rights) is reported through ``on_failure(record
    number, message)`` and counted in ``failed``; the run goes on, so the scored output is kept.
    """

    def __init__(self, directory: str | Path, fmt: str, lang: str, rules_dir: str | None,
                 date: dt.date | None = None,
                 on_failure: Callable[[int, str], None] = lambda number, message: None) -> None:
        from advisor.atomic import remove_stale
        from advisor.errors import SourceError
        from advisor.memo import EXTENSIONS, MemoNamer

        self.directory = Path(directory)
        if self.directory.exists() and not self.directory.is_dir():
            raise SourceError(f"--memos {directory}: exists and is not a folder")
        from advisor import clock

        self.fmt, self.lang, self.rules_dir, self.date = fmt, lang, rules_dir, date or clock.today()
        self.namer = MemoNamer(EXTENSIONS[fmt])
        self.on_failure = on_failure
        self.written = 0
        self.failed = 0
        if self.directory.is_dir():
            remove_stale(self.directory)  # temporary files of a killed run, once for the folder

    def __call__(self, record: Record, result: dict[str, Any]) -> None:
        from advisor.errors import AdvisorError
        from advisor.memo import write_memo
        from advisor.profile import parse_profile
        from advisor.recommendation import Recommendation

        try:
            profile = parse_profile(record.data, source=record.source, record=record.number, line=record.line)
            path = self.directory / self.namer.name(profile.name)
            write_memo(Recommendation.model_validate(result), profile, self.fmt, self.lang, path,
                       rules_dir=self.rules_dir, date=self.date, clean_stale=False)
        except AdvisorError as exc:
            self.failed += 1
            self.on_failure(record.number, exc.message)
            return
        self.written += 1
