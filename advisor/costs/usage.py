"""How many people use the model and how many tokens they send it each month.

The profile's ``users`` and ``monthly_tokens`` (contract §4.1) are used as given. When absent,
they are estimated with the pack's defaults (``costs.usage`` in costs.yaml):

    users          = employees × users_per_employee (rounded up), else users_by_size[size];
                     × public_facing_users_factor for a service offered to the public
    monthly_tokens = users × working days a month × tokens a user adds per working day,
                     summed over the use cases (the default when none is given)

and the result says which of them were estimated. Estimates are rounded to
``estimate_digits`` significant figures: they are no more precise than that.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Any, Mapping

from advisor.costs.schema import Usage as UsageSpec


@dataclass(frozen=True)
class Usage:
    """Users and monthly tokens, and how each was found."""

    users: int
    users_from: str  # "given", "employees" or "size"
    public_factor: float  # the factor applied for a public service (1 when none)
    monthly_tokens: int
    tokens_given: bool
    daily_tokens: int  # per user and working day (when estimated)
    working_days: float
    input_share: float

    @property
    def users_estimated(self) -> bool:
        """True when ``users`` was not given."""
        return self.users_from != "given"

    @property
    def input_mtokens(self) -> float:
        """Input tokens a month, in millions."""
        return self.monthly_tokens * self.input_share / 1e6

    @property
    def output_mtokens(self) -> float:
        """Output tokens a month, in millions."""
        return self.monthly_tokens * (1 - self.input_share) / 1e6

    def estimated(self) -> list[str]:
        """The names of the profile fields that were estimated."""
        return [name for name, est in (("users", self.users_estimated), ("monthly_tokens", not self.tokens_given))
                if est]


def about(n: int, digits: int) -> int:
    """``n`` rounded to ``digits`` significant figures (half up): 176 → 180, 1234 → 1200."""
    if n < 10 ** digits:
        return n
    step = 10 ** (len(str(n)) - digits)
    return (n + step // 2) // step * step


def usage(facts: Mapping[str, Any], spec: UsageSpec) -> Usage:
    """Users and monthly tokens for a profile's resolved facts (``size`` is always set there;
    ``users``, ``monthly_tokens`` and ``employees`` may be absent or None)."""
    users = facts.get("users")
    factor = 1.0
    if users is not None:
        users_from = "given"
    else:
        employees = facts.get("employees")
        if employees is not None:
            users_from = "employees"
            users = max(1, math.ceil(employees * spec.users_per_employee - 1e-9))
        else:
            users_from = "size"
            users = spec.users_by_size[facts["size"]]
        if facts.get("public_facing"):
            factor = spec.public_facing_users_factor
            users = math.ceil(users * factor - 1e-9)
        users = about(users, spec.estimate_digits)
    use_cases = facts.get("use_cases") or []
    table = spec.daily_tokens_by_use_case
    daily = sum(table.get(u, spec.daily_tokens_default) for u in use_cases) if use_cases else spec.daily_tokens_default
    tokens = facts.get("monthly_tokens")
    given = tokens is not None
    if not given:
        tokens = about(round(users * spec.working_days_per_month * daily), spec.estimate_digits)
    return Usage(users=int(users), users_from=users_from, public_factor=factor, monthly_tokens=int(tokens),
                 tokens_given=given, daily_tokens=daily, working_days=spec.working_days_per_month,
                 input_share=spec.input_share)
