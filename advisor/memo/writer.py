"""Build, render and write one memo: the single call that ``advisor memo`` and batch runs share."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

from advisor import clock
from advisor.errors import AdvisorError, RenderError
from advisor.profile import Profile
from advisor.recommendation import Recommendation


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
) -> Path:
    """Write the memo for ``profile`` to ``path`` (folders are created); returns the path."""
    data = memo_bytes(rec, profile, fmt, lang, rules_dir=rules_dir, template=template, date=date, as_of=as_of,
                      prices=prices)
    target = Path(path)
    try:
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_bytes(data)
    except OSError as exc:
        raise AdvisorError(f"{target}: cannot write the memo: {exc.strerror or exc}") from None
    return target
