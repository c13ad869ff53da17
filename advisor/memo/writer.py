"""Build, render and write one memo: the single call that ``advisor memo`` and batch runs share."""

from __future__ import annotations

import datetime as dt
import os
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from advisor import clock
from advisor.errors import AdvisorError, ArgumentError, RenderError, shown
from advisor.memo import EXTENSIONS, FORMATS
from advisor.profile import Profile
from advisor.recommendation import Recommendation


# What a memo file's suffix says it holds, and the suffix of each format.
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
    rec: Recommendation | Mapping[str, Any] | None,
    profile: Profile | Mapping[str, Any],
    fmt: str,
    lang: str,
    *,
    rules_dir: str | None = None,
    template: str | Path | None = None,
    date: dt.date | str | None = None,
    as_of: dt.date | str | None = None,
    prices: str | Path | None = None,
) -> bytes:
    """The memo for ``profile`` as file contents (UTF-8 text for markdown/html).

    ``rec``: the recommendation for ``profile`` — a ``Recommendation``, or the dict
    ``advisor.score(profile)`` returns — or None to recommend here. ``profile``: a ``Profile``
    or a mapping as in a profile file. ``fmt``: ``markdown``, ``html`` or ``docx``; ``lang``:
    ``zh`` or ``en``; ``date`` (the memo's date, default today) and ``as_of``: a ``datetime.date``
    or ``YYYY-MM-DD``.

    ``rec`` is reused when it is already in ``lang``; otherwise the profile is recommended again
    in that language with the same (process-wide, compiled once) rule pack, its checklist as of
    ``as_of`` (default: the day ``rec`` was evaluated for, else today), its costs with the price
    file ``prices`` laid over the pack's price book when given.

    Raises ``ArgumentError`` (also a ``ValueError``) for an argument of the wrong kind or value,
    ``ProfileError`` for an invalid profile mapping, ``RenderError`` for a recommendation made
    with another rule pack or a template that fails.
    """
    rec, profile, date, as_of = memo_arguments(rec, profile, fmt, lang, date, as_of)
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
    rec: Recommendation | Mapping[str, Any] | None,
    profile: Profile | Mapping[str, Any],
    fmt: str,
    lang: str,
    path: str | os.PathLike[str],
    *,
    rules_dir: str | None = None,
    template: str | Path | None = None,
    date: dt.date | str | None = None,
    as_of: dt.date | str | None = None,
    prices: str | Path | None = None,
    clean_stale: bool = True,
) -> Path:
    """Write the memo for ``profile`` to ``path`` (folders are created); returns the path.

    The arguments are those of ``memo_bytes``, e.g. ``write_memo(advisor.score(p), p, "docx",
    "zh", "memo.docx")`` for a profile mapping ``p``. A ``path`` whose suffix names another
    format than ``fmt`` (``.md``, ``.html``, ``.docx``) is an ``ArgumentError``.

    The file appears only complete (``advisor.atomic.AtomicFile``: a link's target is
    replaced, a device written directly); ``OutputError`` when it cannot be written.
    ``clean_stale``: remove the temporary files killed runs left beside it.
    """
    checked_fmt(fmt)
    if not isinstance(path, (str, os.PathLike)) or not os.fspath(path):
        raise ArgumentError(f"path {shown(path)} is not a file name; give a str or pathlib.Path, e.g. 'memo.docx'")
    by_suffix = SUFFIX_FORMATS.get(Path(path).suffix.lower())
    if by_suffix is not None and fmt != by_suffix:
        raise ArgumentError(f"path {shown(os.fspath(path))} names a {by_suffix} file, but fmt is {shown(fmt)}; "
                            f"name the file for the format ({', '.join(EXTENSIONS.values())})")
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


def memo_arguments(
    rec: Any, profile: Any, fmt: Any, lang: Any, date: Any, as_of: Any
) -> tuple[Recommendation | None, Profile, dt.date | None, dt.date | None]:
    """The arguments of ``memo_bytes`` checked, as the objects it works with: ``rec`` as a
    ``Recommendation`` (from the dict ``advisor.score`` returns), ``profile`` as a ``Profile``
    (parsed from a mapping), ``date`` and ``as_of`` as dates. ``ArgumentError`` for anything else."""
    from advisor.arguments import checked_as_of, checked_lang, kind_name

    checked_fmt(fmt)
    checked_lang(lang)
    if not isinstance(profile, Profile):
        if not isinstance(profile, Mapping):
            raise ArgumentError(f"profile must be a mapping of field: value (as in a profile file) or an "
                                f"advisor.profile.Profile, not a {kind_name(profile)}")
        from advisor.profile import parse_profile

        profile = parse_profile(profile)
    if rec is not None and not isinstance(rec, Recommendation):
        if not isinstance(rec, Mapping):
            raise ArgumentError(f"rec must be the dict advisor.score returns, a Recommendation or None, "
                                f"not a {kind_name(rec)}")
        from pydantic import ValidationError

        try:
            rec = Recommendation.model_validate(dict(rec))
        except ValidationError as exc:
            first = exc.errors()[0]
            where = ".".join(str(part) for part in first["loc"]) or "rec"
            raise ArgumentError(f"rec is not a recommendation as advisor.score returns it: {where}: {first['msg']}") from None
    if rec is not None and rec.profile != profile.name:
        raise ArgumentError(f"rec is the recommendation for {shown(rec.profile)}, not for the profile given "
                            f"({shown(profile.name)}); pass the profile it was made from, or rec=None")
    return rec, profile, _day("date", date), checked_as_of(as_of)


def checked_fmt(fmt: Any) -> str:
    """``fmt`` if it is a memo format (``markdown``, ``html``, ``docx``)."""
    if not isinstance(fmt, str) or fmt not in FORMATS:
        raise ArgumentError(f"fmt {shown(fmt)} is not allowed; allowed: {', '.join(FORMATS)}")
    return fmt


def _day(name: str, value: Any) -> dt.date | None:
    """``value`` (a date, or ``YYYY-MM-DD``, or None) checked as ``as_of`` is, named ``name``."""
    from advisor.arguments import checked_as_of

    try:
        return checked_as_of(value)
    except ArgumentError as exc:
        raise ArgumentError(str(exc).replace("as_of", name, 1)) from None
