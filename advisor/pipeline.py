"""Profile in, recommendation out: resolve thresholds, run the engine, assemble the result.

The steps are modules of their own, in the order the data flows: ``resolution`` (thresholds),
the engine (``engine/runtime.py``), ``ranking`` (the deployment decision) and ``assembly``
(the recommendation, section by section). Which rule fires, and what it says, is entirely the
pack's business.
"""

from __future__ import annotations

import datetime as dt
import itertools
from dataclasses import replace
from typing import Any, Iterable

from advisor import clock
from advisor.assembly import DEFAULT_OPTIONS, Assembly, RunOptions
from advisor.compliance import parse_as_of
from advisor.engine.loader import RulePack
from advisor.profile import Profile, parse_profile
from advisor.ranking import Ranker, Ranking
from advisor.recommendation import Recommendation
from advisor.resolution import Resolved, resolve_values

DEFAULT_LANG = "zh"  # the users read Chinese first
LANGS = ("zh", "en")

__all__ = ["DEFAULT_LANG", "LANGS", "Advisor", "Resolved", "RunOptions", "as_of_date", "dated", "get_advisor", "score"]

_names = itertools.count(1)


class Advisor:
    """A loaded and compiled rule pack, reused for every profile in the process."""

    def __init__(self, pack: RulePack, compiled: Any = None) -> None:
        from advisor.engine.compiler import compile_pack, renamed
        from advisor.engine.runtime import Runtime

        self.pack = pack
        name = f"advisor_{pack.version[7:]}_{next(_names)}"
        # ``compiled``: the pack compiled before (engine.pack_cache), renamed: ruleset names are unique
        self.compiled = compile_pack(pack, name) if compiled is None else renamed(compiled, name)
        self.runtime = Runtime(self.compiled)
        self.ranker = Ranker(pack)
        self._partial: dict[frozenset[str], Any] = {}  # runtimes of parts of the pack (see partial_runtime)
        self._assemblies: dict[tuple[str, RunOptions], Assembly] = {}

    @classmethod
    def load(cls, rules_dir: str | None = None) -> "Advisor":
        """Load, check and compile the pack in ``rules_dir`` (the bundled pack by default); from
        the user's cache folder when it holds this very pack (``advisor.engine.pack_cache``)."""
        from advisor.engine import pack_cache

        return cls(*pack_cache.load(rules_dir, "advisor_cached"))

    def partial_runtime(self, rules: frozenset[str]) -> Any:
        """A runtime for just ``rules`` of the pack (a slice: see ``engine/slices.py``), compiled
        and registered the first time it is asked for."""
        runtime = self._partial.get(rules)
        if runtime is None:
            from advisor.engine.compiler import compile_pack
            from advisor.engine.runtime import Runtime

            runtime = Runtime(compile_pack(self.pack, f"{self.compiled.name}_part{len(self._partial)}", only=rules))
            self._partial[rules] = runtime
        return runtime

    def assembly(self, lang: str = DEFAULT_LANG, options: RunOptions = DEFAULT_OPTIONS) -> Assembly:
        """The section assembly for ``lang`` and ``options`` (made once, then reused)."""
        key = (lang, options)
        found = self._assemblies.get(key)
        if found is None:
            found = self._assemblies[key] = Assembly(self.pack, lang, options, self.ranker)
        return found

    # --- the steps ---------------------------------------------------------------------------

    def resolve(self, profile: Profile) -> Resolved:
        """Apply the pack's thresholds: size from employees, budget band from an amount."""
        return self.resolve_values(profile.model_dump(exclude={"name"}))

    def resolve_values(self, values: dict[str, Any]) -> Resolved:
        """``resolve`` for a validated profile's values without its name (``values`` is not changed).

        The facts hold every field of the profile, and the budget amount (None if not given)."""
        return resolve_values(self.pack, values)

    def rank(self, fired: Iterable[str]) -> Ranking:
        """The deployment decision the rules ``fired`` make (see ``advisor.ranking``)."""
        return self.ranker.rank(fired)

    def recommend(self, profile: Profile, lang: str = DEFAULT_LANG,
                  options: RunOptions = DEFAULT_OPTIONS) -> Recommendation:
        """The full recommendation for one validated profile, with the run ``options`` (the
        checklist as of ``options.as_of``, today when it is None)."""
        resolved = self.resolve(profile)
        fired, _ = self.runtime.evaluate(resolved.facts, decide=self.ranker.mode)
        return self.assembly(lang, dated(options)).recommend(profile.name, resolved, fired)


# --- the public, process-wide entry points -------------------------------------------------------

_ADVISORS: dict[str | None, Advisor] = {}


def get_advisor(rules_dir: str | None = None) -> Advisor:
    """The process's compiled advisor for ``rules_dir`` (compiled once, then reused)."""
    key = None if rules_dir is None else str(rules_dir)
    if key not in _ADVISORS:
        _ADVISORS[key] = Advisor.load(rules_dir)
    return _ADVISORS[key]


def as_of_date(as_of: dt.date | str | None) -> dt.date:
    """The date a checklist is evaluated for: ``as_of`` (a date or ``YYYY-MM-DD``), or today.

    Raises ``ValueError`` for text that is not such a date, and for a date outside
    ``clock.FIRST_DAY``..``clock.LAST_DAY``."""
    if as_of is None:
        return clock.today()
    if isinstance(as_of, dt.datetime):
        return clock.check_day(as_of.date())
    if isinstance(as_of, dt.date):
        return clock.check_day(as_of)
    return parse_as_of(as_of)


def dated(options: RunOptions) -> RunOptions:
    """``options`` with the checklist's date set: today (from the clock) when not given; a date
    outside ``clock.FIRST_DAY``..``clock.LAST_DAY`` is a ``ValueError``."""
    if options.as_of is not None:
        clock.check_day(options.as_of)
        return options
    return replace(options, as_of=clock.today())


def score(profile: Profile | dict[str, Any], *, rules: str | None = None, lang: str = DEFAULT_LANG,
          options: RunOptions = DEFAULT_OPTIONS, as_of: dt.date | str | None = None) -> dict[str, Any]:
    """Recommend for one profile (a mapping as in a profile file, or a ``Profile``); return the JSON dict.

    ``as_of`` (a date or ``YYYY-MM-DD``; default: ``options.as_of``, else today) is the date the
    compliance checklist is evaluated for. Raises ``advisor.errors.ProfileError`` for an invalid
    profile, ``ValueError`` for an ``as_of`` that is not a date.
    """
    if as_of is not None:
        options = replace(options, as_of=as_of_date(as_of))
    if not isinstance(profile, Profile):
        profile = parse_profile(profile)
    return get_advisor(rules).recommend(profile, lang, options).model_dump(mode="json")
