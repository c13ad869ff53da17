"""advisor: recommends how an enterprise should adopt a large language model.

Public API: ``score(profile) -> dict`` and ``score_many(iterable) -> iterator of dict``.
"""

from __future__ import annotations

from typing import Any

__version__ = "0.1.0"
__all__ = ["__version__", "score", "score_many"]


def score(profile: Any, **kwargs: Any) -> dict:
    """Recommend for one profile (a mapping as in a profile file); the contract §3 JSON as a dict.

    Keyword arguments: ``lang`` ("zh" or "en"), ``rules`` (a rule pack folder), ``as_of`` (the
    date the compliance checklist is evaluated for: a date or "YYYY-MM-DD"; default today),
    ``options`` (``advisor.assembly.RunOptions``). Raises ``advisor.errors.ProfileError`` for an
    invalid profile, ``ValueError`` for an ``as_of`` that is not a date. See
    ``advisor.pipeline.score``.
    """
    from advisor.pipeline import score as _score

    return _score(profile, **kwargs)


def score_many(profiles: Any, **kwargs: Any):
    """Score an iterable of profiles; a generator of the dicts ``score`` gives, in input order.

    An invalid profile yields ``{"record": N, "error": "..."}`` (N counts from 1) instead of
    raising. Keyword arguments: ``lang``, ``rules``, ``as_of`` (one date for every profile),
    ``options``, ``workers`` (processes, forked; still in input order), ``cache`` (repeated
    profiles are evaluated once). This is
    the loop ``advisor batch`` runs: see ``advisor.batch.run.score_records``.
    """
    from advisor.batch.run import score_records

    return score_records(profiles, **kwargs)
