"""Running a pack's cases (``advisor rules test``) and measuring which rules they fire (``advisor
rules coverage``): a rule no case fires is a rule no case checks."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from advisor.engine.cases import LoadedCase, check_case, load_cases


@dataclass
class CaseRun:
    """One case run: its recommendation (JSON data; None when its profile is invalid), the
    ways it falls short of what the case expects, and the rules that fired."""

    case: LoadedCase
    result: dict[str, Any] | None
    failures: list[str]
    fired: list[str] = field(default_factory=list)


def run_cases(advisor: Any) -> list[CaseRun]:
    """Every case of ``advisor``'s pack (``cases/*.yaml`` beside the rules), run in English with
    its own date. ``RuleLoadError`` for a broken file of cases."""
    from advisor.assembly import RunOptions
    from advisor.errors import ProfileError
    from advisor.profile import parse_profile

    runs = []
    for loaded in load_cases(advisor.pack.path, advisor.pack):
        try:
            profile = parse_profile(loaded.case.profile, source=loaded.label)
            result = advisor.recommend(profile, "en", RunOptions(as_of=loaded.case.as_of)).model_dump(mode="json")
        except ProfileError as exc:
            runs.append(CaseRun(loaded, None, [str(exc)]))
            continue
        runs.append(CaseRun(loaded, result, check_case(result, loaded.case.expect), [t["rule"] for t in result["trace"]]))
    return runs


@dataclass(frozen=True)
class Coverage:
    """Which rules of a pack its cases fire."""

    total: int
    fired: frozenset[str]
    never: tuple[tuple[str, str], ...]  # (file, rule id) of each rule no case fires, in pack order
    by_file: tuple[tuple[str, int, int], ...]  # (file, rules fired, rules) per file, in pack order
    cases: int

    @property
    def percent(self) -> float:
        """The share of rules fired, in percent (100 for a pack without rules)."""
        return 100.0 * len(self.fired) / self.total if self.total else 100.0


def coverage(advisor: Any, runs: list[CaseRun]) -> Coverage:
    """The coverage of ``advisor``'s pack by the case ``runs``."""
    pack = advisor.pack
    fired = frozenset(r for run in runs for r in run.fired)
    files: dict[str, list[int]] = {}
    for rule in pack.rules:
        counts = files.setdefault(pack.files[rule.id], [0, 0])
        counts[0] += rule.id in fired
        counts[1] += 1
    return Coverage(total=len(pack.rules), fired=fired & set(pack.by_id),
                    never=tuple((pack.files[r.id], r.id) for r in pack.rules if r.id not in fired),
                    by_file=tuple((name, c[0], c[1]) for name, c in files.items()), cases=len(runs))
