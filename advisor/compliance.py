"""The compliance checklist as the law stands on a date (contract §4.2–4.3).

``checklist(pack, fired, lang, as_of)`` is a pure function: from the rules that fired it takes
the items they put on the list (an item is ``required`` when any of its rules says so), and from
the pack's dated knowledge it decides, for ``as_of``:

* which of those items are in force: an item is in force from the day the first of its
  citations is, or with ``requires`` from the day all the instruments it names are (a citation
  is in force from its instrument's date in force, or later when its articles apply later,
  until the instrument is repealed);
* what each says on that day: the citations then in force, each with its articles as numbered
  by the version then in force; the actions that come from those instruments; the facts still
  to be confirmed, of the item and of the instruments it then rests on;
* what comes in the following 12 months (``upcoming``): an item not yet in force whose first
  citation comes into force in that window (``new``), or an item in force whose basis changes in
  it (``amended``: it gains an instrument, an instrument it cites gains a version, or the
  articles it cites are renumbered) — shown as it will stand on that day.

Nothing here knows an instrument, an item or a date: they are all in the pack's YAML.
"""

from __future__ import annotations

import calendar
import datetime as dt
from dataclasses import dataclass, replace
from typing import Iterable

from advisor.clock import check_day
from advisor.engine.loader import RulePack
from advisor.engine.schema import Citation, Item, date_start
from advisor.recommendation import ComplianceItem, UpcomingItem

UPCOMING_MONTHS = 12  # contract §4.2: "in force within the following 12 months"


@dataclass(frozen=True)
class Checklist:
    """The checklist for one date: the items in force, and those coming within the window."""

    as_of: dt.date
    items: list[ComplianceItem]
    upcoming: list[UpcomingItem]


def parse_as_of(text: str) -> dt.date:
    """A date given as ``YYYY-MM-DD`` from ``clock.FIRST_DAY`` to ``clock.LAST_DAY`` (the dates
    every output can carry); ``ValueError`` naming what is allowed otherwise."""
    try:
        if len(text.strip()) != 10:
            raise ValueError
        day = dt.date.fromisoformat(text.strip())
    except (ValueError, TypeError, AttributeError):
        raise ValueError(f"'{text}' is not a date; use YYYY-MM-DD, e.g. 2025-06-01") from None
    return check_day(day, text.strip())


def first_in_force(pack: RulePack) -> tuple[dt.date, str] | None:
    """The first day any duty of ``pack`` can be in force — the earliest date in force of its
    instruments and of its items' citations by text — and that date as the pack gives it; None
    for a pack without dated duties."""
    spans = [(date_start(i.effective), i.effective) for i in pack.instruments.values()]
    spans += [_span(pack, c) for item in pack.items.values() for c in item.basis if c.instrument is None]
    return min(spans) if spans else None


def first_due(pack: RulePack, fired: Iterable[str], as_of: dt.date) -> tuple[int, tuple[dt.date, str] | None]:
    """How many items the rules ``fired`` put on the list, and the first day after ``as_of`` on
    which one of them not in force on ``as_of`` comes into force (with that date as the pack gives
    it; None when none does) — what a checklist left empty by its date says."""
    hits = _hits(pack, fired)
    best: tuple[dt.date, str] | None = None
    for item_id in hits:
        item = pack.items[item_id]
        if _form(pack, item, as_of, "en") is not None:
            continue
        for day, text in sorted(_span(pack, c) for c in item.basis):
            if day > as_of and _form(pack, item, day, "en") is not None:
                best = min(best, (day, text)) if best else (day, text)
                break
    return len(hits), best


def window_end(as_of: dt.date) -> dt.date:
    """The last day of the upcoming window: the same day ``UPCOMING_MONTHS`` later (or that
    month's last day: 28 February after 29 February; at most 9999-12-31)."""
    months = as_of.month - 1 + UPCOMING_MONTHS
    year, month = as_of.year + months // 12, months % 12 + 1
    if year > dt.MAXYEAR:  # the window runs past the calendar's last day
        return dt.date.max
    return dt.date(year, month, min(as_of.day, calendar.monthrange(year, month)[1]))


def checklist(pack: RulePack, fired: Iterable[str], lang: str, as_of: dt.date) -> Checklist:
    """The checklist for the rules ``fired`` (ids, any order), in ``lang``, as of ``as_of``."""
    hits = _hits(pack, fired)
    catalogue = {item_id: i for i, item_id in enumerate(pack.items)}
    end = window_end(as_of)
    items: list[ComplianceItem] = []
    upcoming: list[tuple[dt.date, UpcomingItem]] = []
    for item_id, (status, rules) in hits.items():
        item = pack.items[item_id]
        now, changes = _dated(pack, item_id, as_of, end, lang)
        if now is not None:
            items.append(_entry(ComplianceItem, pack, item_id, status, rules, now, lang))
        for day, text in changes:
            then = _form(pack, item, day, lang)
            if then is not None and then != now:  # shown as it will stand, dated the day it changes
                entry = _entry(UpcomingItem, pack, item_id, status, rules, replace(then, effective=text), lang,
                               change="new" if now is None else "amended")
                upcoming.append((day, entry))
                break
    items.sort(key=lambda e: (e.status != "required", catalogue[e.id]))
    upcoming.sort(key=lambda pair: (pair[0], pair[1].status != "required", catalogue[pair[1].id]))
    return Checklist(as_of=as_of, items=items, upcoming=[entry for _, entry in upcoming])


_DATED: dict[tuple, tuple] = {}  # (pack id, item id, as_of, lang) -> (pack, the item's form, its changes)


def _dated(pack: RulePack, item_id: str, as_of: dt.date, end: dt.date, lang: str) -> tuple[_Form | None, tuple]:
    """The item as it stands on ``as_of``, and the days it changes up to ``end`` with their dates
    as the sources give them: what does not depend on the rules that put it on the list, kept
    (a batch makes a checklist for each distinct set of compliance rules, from the same items)."""
    key = (id(pack), item_id, as_of, lang)
    found = _DATED.get(key)
    if found is not None and found[0] is pack:  # the pack is kept with it: its id is not reused
        return found[1], found[2]
    item = pack.items[item_id]
    now = _form(pack, item, as_of, lang)
    changes = tuple(dict(sorted(day for c in item.basis for day in _changes(pack, c) if as_of < day[0] <= end)).items())
    if len(_DATED) >= 4096:
        _DATED.clear()
    _DATED[key] = (pack, now, changes)
    return now, changes


# --- which items the rules put on the list -----------------------------------------------------


def _hits(pack: RulePack, fired: Iterable[str]) -> dict[str, tuple[str, list[str]]]:
    """Item id -> (status, the rules that put it there in pack order), for the rules that fired."""
    hits: dict[str, tuple[str, list[str]]] = {}
    for rule_id in sorted(set(fired), key=pack.order.__getitem__):
        for effect in pack.by_id[rule_id].then:
            if effect.comply is None:
                continue
            status, rules = hits.get(effect.comply.item, ("recommended", []))
            if effect.comply.status == "required":
                status = "required"
            if rule_id not in rules:
                rules = [*rules, rule_id]
            hits[effect.comply.item] = (status, rules)
    return hits


# --- dates ----------------------------------------------------------------------------------------


def _span(pack: RulePack, citation: Citation) -> tuple[dt.date, str]:
    """The day a citation comes into force, and that date as the sources give it."""
    if citation.instrument is None:
        return date_start(citation.effective), citation.effective  # type: ignore[arg-type]
    instrument = pack.instruments[citation.instrument]
    start, text = date_start(instrument.effective), instrument.effective
    first_numbering = citation.articles[0].since if citation.articles else None
    for later in (citation.applies_from, first_numbering):
        if later is not None and later > start:
            start, text = later, later.isoformat()
    return start, text


def _changes(pack: RulePack, citation: Citation) -> list[tuple[dt.date, str]]:
    """The days a citation may read differently, with their dates as the sources give them: the
    day it comes into force, the days later versions of its instrument come into force (a basis
    then names the version), and the days its articles are renumbered."""
    days = [_span(pack, citation)]
    if citation.instrument is not None:
        days += [(v.effective, v.effective.isoformat()) for v in pack.instruments[citation.instrument].versions]
    days += [(a.since, a.since.isoformat()) for a in citation.articles if a.since is not None]
    return days


def _in_force(pack: RulePack, citation: Citation, day: dt.date) -> bool:
    start, _ = _span(pack, citation)
    if day < start:
        return False
    if citation.instrument is None:
        return True
    repealed = pack.instruments[citation.instrument].repealed
    return repealed is None or day < repealed


# --- what an item says on a day ----------------------------------------------------------------


@dataclass(frozen=True)
class _Form:
    effective: str
    basis: str
    actions: list[str]
    confirm: str | None


def _form(pack: RulePack, item: Item, day: dt.date, lang: str) -> _Form | None:
    """The item as it stands on ``day`` (None: not in force then)."""
    cited = [c for c in item.basis if _in_force(pack, c, day)]
    names = {c.instrument for c in cited if c.instrument is not None}
    if not cited or not names.issuperset(item.requires):
        return None
    spans = [_span(pack, c) for c in cited]
    needed = [span for c, span in zip(cited, spans) if c.instrument in item.requires]
    effective = (max(needed, key=lambda span: span[0]) if needed else min(spans, key=lambda span: span[0]))[1]
    confirms = [item.confirm] if item.confirm else []
    for c in cited:
        note = pack.instruments[c.instrument].confirm if c.instrument else None
        if note is not None and note not in confirms:
            confirms.append(note)
    joiner = "" if lang == "zh" else " "
    return _Form(
        effective=effective,
        basis=("；" if lang == "zh" else "; ").join(_cite(pack, c, day, lang) for c in cited),
        actions=[a.get(lang) for a in item.actions if a.by is None or a.by in names],
        confirm=joiner.join(c.get(lang) for c in confirms) or None,
    )


def _cite(pack: RulePack, citation: Citation, day: dt.date, lang: str) -> str:
    """One citation as it read on ``day``: the instrument (and its version) and the articles."""
    if citation.instrument is None:
        name, label = citation.text.get(lang), None  # type: ignore[union-attr]
    else:
        instrument = pack.instruments[citation.instrument]
        name = instrument.cite.get(lang)
        version = next((v for v in reversed(instrument.versions) if v.effective <= day), None)
        label = version.label.get(lang) if version is not None and version.label is not None else None
    start, _ = _span(pack, citation)
    numbered = [a for a in citation.articles if (a.since or start) <= day]
    articles = numbered[-1].get(lang) if numbered else ""
    if lang == "zh":
        return name + (f"（{label}）" if label else "") + articles
    if label:
        return ", ".join(part for part in (name, label, articles) if part)
    return f"{name} {articles}" if articles else name


def _entry(model: type, pack: RulePack, item_id: str, status: str, rules: list[str], form: _Form,
           lang: str, **extra: str) -> ComplianceItem:
    item = pack.items[item_id]
    return model(
        id=item_id,
        title=item.title.get(lang),
        status=status,
        status_label=pack.vocabulary.statuses[status].get(lang),
        basis=form.basis,
        reason=(" " if lang == "en" else "").join(pack.by_id[r].description.get(lang) for r in rules),
        effective=form.effective,
        actions=form.actions,
        needs_confirmation=form.confirm,
        rules=rules,
        **extra,
    )
