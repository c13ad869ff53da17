"""Build, render and write one memo: the single call that ``advisor memo`` and batch runs share."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

from advisor import clock
from advisor.errors import AdvisorError, RenderError
from advisor.profile import Profile
from advisor.recommendation import Recommendation


# What a memo file's suffix says it holds.
SUFFIX_FORMATS = {".md": "markdown", ".markdown": "markdown", ".html": "html", ".htm": "html", ".docx": "docx"}


def format_for_path(path: str | Path, fmt: str | None = None, *, format_option: bool = True) -> str:
    """The memo format to write to ``path``: the one its suffix says (``fmt``, when given, must
    agree); ``fmt`` alone for another suffix. ``RenderError`` names the suffixes it knows (and
    ``--format``, when the command has it: ``format_option``)."""
    by_suffix = SUFFIX_FORMATS.get(Path(path).suffix.lower())
    allowed = "allowed: .md (Markdown), .html, .docx (Word)"
    if by_suffix is None and fmt is None:
        suffix = Path(path).suffix
        what = f"a memo cannot be written as {suffix}" if suffix else "the file name does not say the memo format"
        raise RenderError(f"{path}: {what}; {allowed}" + (" (or give --format)" if format_option else ""))
    if by_suffix is not None and fmt is not None and fmt != by_suffix:
        raise RenderError(f"{path}: the file name says {by_suffix}, but --format says {fmt}; "
                          "name the file for the format (.md, .html, .docx) or leave --format out")
    return by_suffix or fmt  # type: ignore[return-value]


def memo_bytes(
    rec: Recommendation | None,
    profile: Profile,
    fmt: str,
    lang: str,
    *,
    rules_dir: str | None = None,
    template: str | Path | None = None,
    date: dt.date | None = None,
    as_of: dt.date | None = None,
    prices: str | Path | None = None,
) -> bytes:
    """The memo for ``profile`` as file contents (UTF-8 text for markdown/html).

    ``rec`` is reused when it is already in ``lang``; otherwise the profile is recommended again
    in that language with the same (process-wide, compiled once) rule pack, its checklist as of
    ``as_of`` (default: the day ``rec`` was evaluated for, else today), its costs with the price
    file ``prices`` laid over the pack's price book when given.
    """
    from advisor.memo.builder import build_memo
    from advisor.memo.render import render_memo
    from advisor.assembly import RunOptions
    from advisor.pipeline import get_advisor

    advisor = get_advisor(rules_dir)
    if rec is None or rec.lang != lang:
        day = as_of or (dt.date.fromisoformat(rec.as_of) if rec is not None else None)
        rec = advisor.recommend(profile, lang, RunOptions(as_of=day, prices=None if prices is None else str(prices)))
    if rec.rule_pack.version != advisor.pack.version:
        raise RenderError(f"the recommendation was made with rule pack {rec.rule_pack.version}, "
                          f"not with the pack loaded now ({advisor.pack.version})")
    memo = build_memo(rec, profile, advisor.pack, date or clock.today())
    out = render_memo(memo, fmt, template)
    return out if isinstance(out, bytes) else out.encode("utf-8")


def write_memo(
    rec: Recommendation | None,
    profile: Profile,
    fmt: str,
    lang: str,
    path: str | Path,
    *,
    rules_dir: str | None = None,
    template: str | Path | None = None,
    date: dt.date | None = None,
    as_of: dt.date | None = None,
    prices: str | Path | None = None,
    clean_stale: bool = True,
) -> Path:
    """Write the memo for ``profile`` to ``path`` (folders are created); returns the path.

    The file appears only complete (``advisor.atomic.AtomicFile``: a link's target is
    replaced, a device written directly); ``OutputError`` when it cannot be written.
    ``clean_stale``: remove the temporary files killed runs left beside it.
    """
    from advisor.atomic import AtomicFile

    data = memo_bytes(rec, profile, fmt, lang, rules_dir=rules_dir, template=template, date=date, as_of=as_of,
                      prices=prices)
    target = Path(path)
    try:
        target.parent.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        raise AdvisorError(f"{target}: cannot write the memo: {exc.strerror or exc}") from None
    with AtomicFile(target, clean_stale=clean_stale) as file:
        file.file.write(data)
        file.commit()
    return target
