"""How many people use the model and how many tokens they send it each month.

The profile's ``users`` and ``monthly_tokens`` (contract §4.1) are used as given. When absent,
they are estimated with the pack's defaults (``costs.usage`` in costs.yaml):

    staff users    = employees × users_per_employee (rounded up), else users_by_size[size]
    users          = staff users, × public_facing_users_factor for a service offered to the public
                     (the public users are the rest)
    monthly_tokens = staff users × working days a month × tokens a user adds per working day,
                     summed over the use cases (the default when none is given)
                     + public users × public_daily_active_share × public_days_per_month
                       × public_daily_tokens

Staff hold seats; the public does not: its share of the tokens is kept apart (``public_tokens``),
so that a seat-priced mode prices it by the token. Given ``users`` of a public service are split
the same way (staff: at most the staff estimate); given ``monthly_tokens`` keep the estimate's
public share.

The result says which of them were estimated. Estimated users and monthly tokens are rounded to
``estimate_digits`` significant figures: they are no more precise than that. The public's part
of estimated tokens is the product above itself (rounded to a whole token), so that the formula
the output shows equals the figure priced.
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
    staff_users: int = 0  # the users who are staff (seat holders); users - staff_users are the public
    public_tokens: int = 0  # the part of monthly_tokens from the public
    public_daily_active: float = 0.0  # public users who use the service on a given day

    @property
    def public_users(self) -> int:
        """Users who are not staff: the public of a public-facing service."""
        return self.users - self.staff_users

    @property
    def public_input_mtokens(self) -> float:
        """The public's input tokens a month, in millions."""
        return self.public_tokens * self.input_share / 1e6

    @property
    def public_output_mtokens(self) -> float:
        """The public's output tokens a month, in millions."""
        return self.public_tokens * (1 - self.input_share) / 1e6

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


def staff_estimate(facts: Mapping[str, Any], spec: UsageSpec) -> tuple[str, int]:
    """``(where it comes from, the staff using the model)``: a share of ``employees`` when given,
    else the figure for the ``size``, rounded to the estimate's digits. ``usage`` reads the
    headcount through this alone (a cache of usages can be keyed on it)."""
    employees = facts.get("employees")
    if employees is not None:
        return "employees", about(max(1, math.ceil(employees * spec.users_per_employee - 1e-9)), spec.estimate_digits)
    return "size", about(spec.users_by_size[facts["size"]], spec.estimate_digits)


def daily_tokens(facts: Mapping[str, Any], spec: UsageSpec) -> int | float:
    """Tokens a staff user spends a working day: the sum over the profile's use cases (the
    default figure without any). ``usage`` reads the use cases through this alone."""
    use_cases = facts.get("use_cases")
    if not use_cases:
        return spec.daily_tokens_default
    table, default = spec.daily_tokens_by_use_case, spec.daily_tokens_default
    return sum([table.get(u, default) for u in use_cases])


def usage(facts: Mapping[str, Any], spec: UsageSpec, staffed: tuple[str, int] | None = None,
          daily: int | float | None = None) -> Usage:
    """Users and monthly tokens for a profile's resolved facts (``size`` is always set there;
    ``users``, ``monthly_tokens`` and ``employees`` may be absent or None). ``staffed`` and
    ``daily``: what ``staff_estimate`` and ``daily_tokens`` give for them, when the caller has it."""
    staff_from, staff = staffed or staff_estimate(facts, spec)
    public = bool(facts.get("public_facing"))
    factor = spec.public_facing_users_factor if public else 1.0
    users = facts.get("users")
    if users is not None:
        users_from = "given"
        staff = min(staff, users) if public else users
    else:
        users_from = staff_from
        users = about(math.ceil(staff * factor - 1e-9), spec.estimate_digits) if public else staff
    if daily is None:
        daily = daily_tokens(facts, spec)
    active = (users - staff) * spec.public_daily_active_share
    staff_tokens = staff * spec.working_days_per_month * daily
    public_tokens = active * spec.public_days_per_month * spec.public_daily_tokens
    tokens = facts.get("monthly_tokens")
    given = tokens is not None
    if not given:
        tokens = about(round(staff_tokens + public_tokens), spec.estimate_digits)
    if given:  # the public's share of the tokens given, as the estimate divides them
        share = public_tokens / (staff_tokens + public_tokens) if public_tokens else 0.0
        public_part = round(tokens * share)
    else:  # the product itself, as the output states it (only the total is rounded)
        public_part = round(public_tokens)
    return Usage(users=int(users), users_from=users_from, public_factor=factor, monthly_tokens=int(tokens),
                 tokens_given=given, daily_tokens=daily, working_days=spec.working_days_per_month,
                 input_share=spec.input_share, staff_users=int(staff), public_tokens=public_part,
                 public_daily_active=active)
