"""``advisor rules lint``: what in a rule pack is dead, idle, contradictory or unsourced.

Each check looks at the loaded pack; those about firing enumerate the finite space of what the
rules involved can see (``advisor.analysis.space``), so "no profile can fire it" is a proof over
every combination of the values a condition can tell apart, not a sample. The findings:

* ``unfireable``: no profile can fire the rule (its condition never holds);
* ``no_effect``: whenever the rule fires, the recommendation says the same without it — its
  charging models are offered or ruled out anyway, its model size is overridden or no narrower,
  its compliance item is on the list with the same status anyway, its points are zero (the
  rules an output lists as its reasons are not compared);
* ``unused_fact``: a derived fact no rule tests (or a fact declared that nothing derives or tests);
* ``size_conflict``: two model-size ranges of equal priority that do not overlap and can apply
  together (the output then keeps the first, in pack order);
* ``text``: text missing in Chinese or in English (empty, or a Chinese text without Chinese);
* ``source``: a rule, band table, instrument or setting without a real source;
* ``assumption``: score points (the pack's own weights), a tie-break order or a choice of
  counterfactual answers whose source does not say ``project assumption``;
* ``citation``: a source that cites a section of one of the pack's ``documents`` (``report
  §9.9``) that the document's list of sections does not have, or an article beyond the
  ``article_count`` of an instrument (in an item's basis, or in a source that names the
  instrument as its Chinese title does, without the 《》);
* ``date``: an instrument (or a later version of it) in force before it was published, or a
  citation whose articles apply (``applies_from``) before its instrument is in force.
  A date known only to the month or the year stands for that whole period: it is wrong only when
  the whole period comes before the other date.

A check whose space is larger than ``MAX_COMBINATIONS`` is skipped and said so (``skipped``), not
guessed.
"""

from __future__ import annotations

import calendar
import datetime as dt
import re
from dataclasses import dataclass
from typing import Any, Iterable, Iterator


from advisor.analysis.conditions import Derivation, check, inputs
from advisor.analysis.space import Space
from advisor.engine.loader import RulePack
from advisor.engine.schema import Rule, date_start
from advisor.records import Record, field_names

MAX_COMBINATIONS = 1_000_000  # a check over more combinations than this is skipped and reported
ASSUMPTION = "project assumption"  # how a source says that a figure is the project's own (README: Rules)
_PLACEHOLDER = re.compile(r"^\W*(?:todo|tbd|tba|fixme|xxx|unknown|none|n/?a|source|\?+|-+)?\W*$", re.IGNORECASE)
_CHINESE = re.compile(r"[\u3400-\u9fff\uf900-\ufaff]")
_LATIN = re.compile(r"[A-Za-z]")


@dataclass(frozen=True)
class Finding:
    """One problem: its kind, the file, what it is about (``rule ID``, ``item ID``...), and why
    (a text of ``advisor/analysis/text.yaml`` and its values)."""

    kind: str
    file: str
    where: str
    text: str
    values: tuple[tuple[str, Any], ...] = ()

    def message(self, lang: str = "en") -> str:
        """Why, in ``lang``."""
        from advisor.analysis.explain import at

        values = {k: (at(v[0], lang, **dict(v[1])) if isinstance(v, tuple) else v) for k, v in self.values}
        return at(self.text, lang, **values)

    def line(self, lang: str = "en") -> str:
        """``deployment.yaml: rule DEP-X: [unfireable] ...`` (``deployment.yaml：规则 DEP-X：[无法触发] …``)."""
        from advisor.analysis.explain import at
        from advisor.messages import translate

        return at("lint_line", lang, file=self.file, where=translate(self.where, lang),
                  kind=at(f"lint_kind_{self.kind}", lang), message=self.message(lang))

    def data(self, lang: str = "en") -> dict[str, str]:
        """As JSON data."""
        return {"kind": self.kind, "file": self.file, "where": self.where, "message": self.message(lang)}


def _finding(kind: str, file: str, where: str, key: str, **values: Any) -> Finding:
    return Finding(kind, file, where, key, tuple(values.items()))


def lint(pack: RulePack) -> tuple[list[Finding], list[Finding]]:
    """Every finding of ``pack``, and the checks skipped (as findings of kind ``skipped``)."""
    linter = _Linter(pack)
    found = [*linter.unfireable(), *linter.no_effect(), *linter.unused_facts(), *linter.size_conflicts(),
             *linter.texts(), *linter.sources(), *linter.assumptions(), *linter.citations(), *linter.articles(),
             *linter.dates()]
    return found, linter.skipped


class _Linter:
    def __init__(self, pack: RulePack) -> None:
        self.pack = pack
        self.inputs = inputs(pack)
        self.checks = {r.id: check(r.when) for r in pack.rules}
        self.skipped: list[Finding] = []
        self.fireable: set[str] = set()

    def rule_at(self, rule: Rule) -> tuple[str, str]:
        return self.pack.files[rule.id], f"rule {rule.id}"

    def space(self, rules: list[Rule], what: tuple, at: Rule) -> tuple[Space, Derivation] | None:
        """The space of ``rules`` together (their inputs), or None (and a ``skipped``) when too large."""
        fields = set().union(*(self.inputs[r.id] for r in rules))
        space = Space(self.pack, fields, [*rules, *self._derivers(rules)])
        if space.size > MAX_COMBINATIONS:
            self.skipped.append(_finding("skipped", *self.rule_at(at), "lint_skipped", what=what,
                                         count=f"{space.size:,}", fields=", ".join(space.fields)))
            return None
        return space, Derivation(self.pack, rules)

    def _derivers(self, rules: list[Rule]) -> list[Rule]:
        from advisor.analysis.conditions import derivers, walk
        from advisor.engine.schema import FactTest

        by_fact = derivers(self.pack)
        out: dict[str, Rule] = {}
        todo = [t.fact for r in rules for t in walk(r.when) if isinstance(t, FactTest)]
        while todo:
            for d in by_fact.get(todo.pop(), ()):
                if d.id not in out:
                    out[d.id] = d
                    todo.extend(t.fact for t in walk(d.when) if isinstance(t, FactTest))
        return list(out.values())

    # --- firing ------------------------------------------------------------------------------------

    def unfireable(self) -> Iterator[Finding]:
        for rule in self.pack.rules:
            if rule.when is None:
                self.fireable.add(rule.id)
                continue
            found = self.space([rule], ("lint_what_fire", ()), rule)
            if found is None:
                self.fireable.add(rule.id)  # unknown: not reported
                continue
            space, derivation = found
            holds = self.checks[rule.id]
            if any(holds(a, derivation.derive(a)) for a in space.assignments()):
                self.fireable.add(rule.id)
                continue
            yield _finding("unfireable", *self.rule_at(rule), "lint_unfireable", count=f"{space.size:,}",
                           fields=", ".join(space.fields) or ("lint_no_field", ()))

    def no_effect(self) -> Iterator[Finding]:
        pack = self.pack
        for rule in pack.rules:
            if rule.id not in self.fireable or not self._quiet_kinds(rule):
                continue
            group = [r for r in pack.rules if r.id != rule.id and self._shares_output(rule, r)]
            found = self.space([rule, *group], ("lint_what_effect", ()), rule)
            if found is None:
                continue
            space, derivation = found
            changes = False
            for a in space.assignments():
                derived = derivation.derive(a)
                if not self.checks[rule.id](a, derived):
                    continue
                others = [r for r in group if self.checks[r.id](a, derived)]
                if _output(rule, others + [rule], pack) != _output(rule, others, pack):
                    changes = True
                    break
            if not changes:
                yield _finding("no_effect", *self.rule_at(rule), "lint_no_effect", effects=_effects_text(rule),
                               count=f"{space.size:,}", fields=", ".join(space.fields) or ("lint_no_field", ()))

    @staticmethod
    def _quiet_kinds(rule: Rule) -> bool:
        """True when every effect of ``rule`` may leave the output unchanged (a note, a score that
        moves points, an excluded mode, a conflict or a derived fact always shows)."""
        for e in rule.then:
            if e.pricing or e.model_size or e.comply or (e.exclude and not e.exclude.mode):
                continue
            if e.score and e.score.points == 0:
                continue
            return False
        return True

    @staticmethod
    def _shares_output(rule: Rule, other: Rule) -> bool:
        kinds = {e.kind for e in rule.then if e.kind != "score"}
        items = {e.comply.item for e in rule.then if e.comply}
        for e in other.then:
            if e.kind in ("pricing", "exclude") and kinds & {"pricing", "exclude"}:
                if e.kind == "pricing" or e.exclude.pricing:
                    return True
            elif e.model_size and "model_size" in kinds:
                return True
            elif e.comply and e.comply.item in items:
                return True
        return False

    def unused_facts(self) -> Iterator[Finding]:
        from advisor.analysis.conditions import derivers, walk
        from advisor.engine.schema import FactTest

        pack = self.pack
        tested = {t.fact for r in pack.rules for t in walk(r.when) if isinstance(t, FactTest)}
        by_fact = derivers(pack)
        for fact in pack.facts:
            if fact in tested:
                continue
            if fact in by_fact:
                for rule in by_fact[fact]:
                    yield _finding("unused_fact", *self.rule_at(rule), "lint_unused_fact_derived", fact=fact)
            else:
                yield _finding("unused_fact", pack.origins.get(f"fact {fact}", "?"), f"fact {fact}",
                               "lint_unused_fact_declared")

    def size_conflicts(self) -> Iterator[Finding]:
        pack = self.pack
        ranges = [(r, e.model_size) for r in pack.rules for e in r.then
                  if e.model_size and e.model_size.chosen_by == "buyer"]
        for (ra, a), (rb, b) in ((x, y) for i, x in enumerate(ranges) for y in ranges[i + 1:]):
            if ra.id == rb.id or a.priority != b.priority or not (a.min > b.max or b.min > a.max):
                continue
            if ra.id not in self.fireable or rb.id not in self.fireable:
                continue
            found = self.space([ra, rb], ("lint_what_size", (("rule_b", rb.id),)), ra)
            if found is None:
                continue
            space, derivation = found
            example = next((x for x in space.assignments()
                            if self.checks[ra.id](x, d := derivation.derive(x)) and self.checks[rb.id](x, d)), None)
            if example is not None:
                shown = ", ".join(f"{k}={v}" for k, v in sorted(example.items()))
                yield _finding("size_conflict", *self.rule_at(ra), "lint_size_conflict", a=f"{_b(a.min)}–{_b(a.max)}",
                               b=f"{_b(b.min)}–{_b(b.max)}", rule_b=rb.id, file_b=pack.files[rb.id],
                               priority=a.priority, example=shown)

    # --- text and sources ------------------------------------------------------------------------

    def texts(self) -> Iterator[Finding]:
        pack = self.pack
        for rule in pack.rules:
            yield from self._texts(rule, *self.rule_at(rule))
        for kind, table in (("fact", pack.facts), ("item", pack.items), ("instrument", pack.instruments)):
            for key, value in table.items():
                yield from self._texts(value, pack.origins.get(f"{kind} {key}", "?"), f"{kind} {key}")
        for section in ("meta", "thresholds", "vocabulary"):
            name = "pack" if section == "meta" else section
            yield from self._texts(getattr(pack, section), pack.origins.get(name, "?"), f"section {name}")

    def _texts(self, model: Any, file: str, where: str, path: str = "") -> Iterator[Finding]:
        if isinstance(model, Record):
            en, zh = getattr(model, "en", None), getattr(model, "zh", None)
            if isinstance(en, str) and isinstance(zh, str):
                at = path or "text"
                if not zh.strip() or not _CHINESE.search(zh):
                    yield _finding("text", file, where, "lint_no_chinese", at=at, shown=repr(zh.strip()[:40]))
                if not en.strip() or not _LATIN.search(en):
                    yield _finding("text", file, where, "lint_no_english", at=at, shown=repr(en.strip()[:40]))
            for name in field_names(type(model)):
                yield from self._texts(getattr(model, name), file, where, f"{path}.{name}" if path else name)
        elif isinstance(model, (list, tuple)):
            for n, value in enumerate(model):
                yield from self._texts(value, file, where, f"{path}[{n}]")
        elif isinstance(model, dict):
            for key, value in model.items():
                yield from self._texts(value, file, where, f"{path}.{key}" if path else str(key))

    def sources(self) -> Iterator[Finding]:
        pack = self.pack
        for rule in pack.rules:
            if _PLACEHOLDER.match(rule.source):
                yield _finding("source", *self.rule_at(rule), "lint_no_source", source=repr(rule.source))
        for key, instrument in pack.instruments.items():
            if _PLACEHOLDER.match(instrument.source):
                yield _finding("source", pack.origins.get(f"instrument {key}", "?"), f"instrument {key}",
                               "lint_no_source", source=repr(instrument.source))
        for name in ("size", "budget"):
            source = getattr(pack.thresholds, name).source
            if _PLACEHOLDER.match(source):
                yield _finding("source", pack.origins.get("thresholds", "?"), f"thresholds.{name}",
                               "lint_no_source", source=repr(source))

    def assumptions(self) -> Iterator[Finding]:
        pack = self.pack
        for rule in pack.rules:
            if any(e.score and e.score.points for e in rule.then) and ASSUMPTION not in rule.source.casefold():
                yield _finding("assumption", *self.rule_at(rule), "lint_weight_assumption", label=ASSUMPTION,
                               source=repr(rule.source))
        if ASSUMPTION not in pack.meta.tie_break_source.casefold():
            yield _finding("assumption", pack.origins.get("pack", "?"), "pack.tie_break_source",
                           "lint_tie_break_assumption", label=ASSUMPTION)
        if pack.counterfactuals is not None and ASSUMPTION not in pack.counterfactuals.source.casefold():
            yield _finding("assumption", pack.origins.get("counterfactuals", "?"), "counterfactuals.source",
                           "lint_counterfactuals_assumption", label=ASSUMPTION)


    # --- citations and dates ------------------------------------------------------------------------

    def _sources(self) -> Iterator[tuple[str, str, str]]:
        """Every source text of the pack: (file, where, source)."""
        pack = self.pack
        for rule in pack.rules:
            yield (*self.rule_at(rule), rule.source)
        for key, instrument in pack.instruments.items():
            yield pack.origins.get(f"instrument {key}", "?"), f"instrument {key}", instrument.source
        for name in ("size", "budget"):
            yield pack.origins.get("thresholds", "?"), f"thresholds.{name}", getattr(pack.thresholds, name).source
        yield pack.origins.get("pack", "?"), "pack.tie_break_source", pack.meta.tie_break_source
        if pack.counterfactuals is not None:
            yield pack.origins.get("counterfactuals", "?"), "counterfactuals.source", pack.counterfactuals.source
        for invariant in pack.invariants:
            yield pack.origins.get(f"invariant {invariant.id}", "?"), f"invariant {invariant.id}", invariant.source

    def citations(self) -> Iterator[Finding]:
        documents = self.pack.meta.documents
        if not documents:
            return
        names = "|".join(re.escape(name) for name in sorted(documents, key=len, reverse=True))
        cited = re.compile(rf"(?<![\w])({names})\s*§")
        for file, where, source in self._sources():
            for part in re.split(r"[;；]", source):  # one reference: "report §1.5, §1.3 (...)"
                found = cited.search(part)
                if found is None:
                    continue
                document = documents[found.group(1)]
                for section in _SECTION.findall(part, found.start()):
                    if section not in document.sections:
                        yield _finding("citation", file, where, "lint_unknown_section", document=found.group(1),
                                       section=section, title=("lint_title", (("en", document.title.en),
                                                                                  ("zh", document.title.zh))))

    def articles(self) -> Iterator[Finding]:
        pack = self.pack
        counted = {key: i for key, i in pack.instruments.items() if i.article_count is not None}
        for item_id, item in pack.items.items():
            file, where = pack.origins.get(f"item {item_id}", "?"), f"item {item_id}"
            for citation in item.basis:
                if citation.instrument in counted:
                    count = counted[citation.instrument].article_count
                    for article in citation.articles:
                        for number in sorted(set(article_numbers(article.en) + article_numbers(article.zh))):
                            if number > count:  # type: ignore[operator]
                                yield _finding("citation", file, where, "lint_no_such_article", number=number,
                                               instrument=citation.instrument, count=count)
                for article in citation.articles:
                    en, zh = article_numbers(article.en), article_numbers(article.zh)
                    if en and zh and sorted(set(en)) != sorted(set(zh)):
                        yield _finding("citation", file, where, "lint_articles_disagree", en=article.en, zh=article.zh,
                                       instrument=citation.instrument or "text")
        titles = {key: m.group(1) for key, i in counted.items() if (m := _TITLE.search(i.cite.zh))}
        for file, where, source in self._sources():
            for part in re.split(r"[;；]", source):
                for key, title in titles.items():
                    at = part.find(title)
                    if at < 0:
                        continue
                    count = counted[key].article_count
                    for number in article_numbers(part[at + len(title):]):
                        if number > count:  # type: ignore[operator]
                            yield _finding("citation", file, where, "lint_no_such_article", number=number,
                                           instrument=key, count=count)

    def dates(self) -> Iterator[Finding]:
        pack = self.pack
        for key, instrument in pack.instruments.items():
            file, where = pack.origins.get(f"instrument {key}", "?"), f"instrument {key}"
            pairs = [("effective", instrument.effective, instrument.published)]
            pairs += [(f"versions[{n}].effective", v.effective.isoformat(), v.published)
                      for n, v in enumerate(instrument.versions)]
            for at, effective, published in pairs:
                if published is not None and _last_day(effective) < date_start(published):
                    yield _finding("date", file, where, "lint_before_published", at=at, effective=effective,
                                   published=published)
        for item_id, item in pack.items.items():
            file, where = pack.origins.get(f"item {item_id}", "?"), f"item {item_id}"
            for n, citation in enumerate(item.basis):
                if citation.instrument is None or citation.instrument not in pack.instruments:
                    continue
                effective = pack.instruments[citation.instrument].effective
                day = citation.applies_from  # (an article's ``since`` is a version's date: the loader checks it)
                if day is not None and day < date_start(effective):
                    yield _finding("date", file, where, "lint_before_in_force", at=f"basis[{n}].applies_from",
                                   day=day.isoformat(), instrument=citation.instrument, effective=effective)


_TITLE = re.compile(r"《([^》]+)》")
_ARTICLES = re.compile(r"Art\s*(\d+(?:\s*(?:[–,-]|and)\s*\d+)*)")
_NUMERAL = "0-9零〇一二两三四五六七八九十百千"
_ZH_ARTICLE = re.compile(rf"第\s*([{_NUMERAL}]+)\s*条")  # 第二十八条, 第28条
_ZH_RANGE = re.compile(rf"第\s*([{_NUMERAL}]+)\s*(?:条\s*)?[至到–—~-]\s*第?\s*([{_NUMERAL}]+)\s*条")  # 第28–29条, 第二十八条至第二十九条
_DIGITS = {"零": 0, "〇": 0, "一": 1, "二": 2, "两": 2, "三": 3, "四": 4, "五": 5, "六": 6, "七": 7, "八": 8, "九": 9}
_UNITS = {"十": 10, "百": 100, "千": 1000}


def article_numbers(text: str) -> list[int]:
    """The article numbers of ``Art 2, Art 17 and Art 22``, ``Art 4, 5, 8, 9``, ``Art 16–17``
    and of their Chinese forms (``第二条、第十七条``, ``第28条``, ``第二十八条至第二十九条``,
    ``第16–17条``); a range gives every article in it. A paragraph (``¶3``, ``第二款``) is not an
    article."""
    text = re.sub(r"¶\s*\d+", "", text)
    numbers: list[int] = []
    for run in _ARTICLES.findall(text):
        parts = re.findall(r"\d+|[–-]", run)
        numbers += _expanded([int(p) if p.isdigit() else p for p in parts])
    for low, high in _ZH_RANGE.findall(text):
        numbers += range(_zh_number(low), _zh_number(high) + 1)
    numbers += [_zh_number(n) for n in _ZH_ARTICLE.findall(_ZH_RANGE.sub("", text))]
    return numbers


def _expanded(parts: list[int | str]) -> list[int]:
    """``[16, "–", 18, 20]`` as ``[16, 17, 18, 20]``."""
    out: list[int] = []
    for i, part in enumerate(parts):
        if isinstance(part, int):
            if i >= 2 and parts[i - 1] in ("–", "-") and isinstance(parts[i - 2], int):
                out += range(parts[i - 2] + 1, part + 1)  # type: ignore[operator]
            else:
                out.append(part)
    return out


def _zh_number(text: str) -> int:
    """``28``, ``二十八``, ``一百零三`` as a number."""
    if text.isdigit():
        return int(text)
    total = number = 0
    for ch in text:
        if ch in _DIGITS:
            number = _DIGITS[ch]
        else:
            total += (number or 1) * _UNITS[ch]
            number = 0
    return total + number


_SECTION = re.compile(r"§\s*(\d+(?:\.\d+)*)")


def _last_day(text: str) -> dt.date:
    """The last day a date the pack gives (``2025-11-01``, ``2022-06`` or ``2014``) can mean."""
    parts = text.split("-")
    if len(parts) == 3:
        return dt.date.fromisoformat(text)
    year = int(parts[0])
    month = int(parts[1]) if len(parts) == 2 else 12
    return dt.date(year, month, calendar.monthrange(year, month)[1])


def _b(x: float) -> str:
    return str(int(x)) if float(x).is_integer() else f"{x:g}"


def _effects_text(rule: Rule) -> str:
    return ", ".join(dict.fromkeys(e.kind for e in rule.then))


def _output(rule: Rule, fired: Iterable[Rule], pack: RulePack) -> Any:
    """What the recommendation says, of the outputs ``rule``'s effects touch, when ``fired`` fire
    (the rules an output names as its reasons left out)."""
    from advisor.assembly import SectionInput
    from advisor.assembly import model_size as size_section
    from advisor.assembly import pricing as pricing_section

    fired = list(fired)
    kinds = {e.kind for e in rule.then}
    out: list[Any] = []
    ordered = tuple(sorted(fired, key=lambda r: pack.order[r.id]))
    if kinds & {"pricing", "exclude"}:
        p = pricing_section(SectionInput(pack=pack, lang="en", rules=ordered))
        out.append((tuple(p.models), tuple(e.model for e in p.excluded)))
    if "model_size" in kinds:
        m = size_section(SectionInput(pack=pack, lang="en", rules=ordered))
        out.append((m.min_params_b, m.max_params_b, m.chosen_by))
    for e in rule.then:
        if e.comply:
            statuses = {x.comply.status for r in fired for x in r.then if x.comply and x.comply.item == e.comply.item}
            out.append((e.comply.item, "required" if "required" in statuses else min(statuses, default=None)))
    return out
