"""advisor: recommends how an enterprise should adopt a large language model.

Public API: ``score(profile) -> dict`` and ``score_many(iterable) -> iterator of dict``.
"""

from __future__ import annotations

from typing import Any

__version__ = "0.1.0"
__all__ = ["__version__", "score", "score_many"]


def score(profile: Any, **kwargs: Any) -> dict:
    """Recommend for one profile (a mapping as in a profile file); the contract §3 JSON as a dict.

    Keyword arguments: ``lang`` ("zh" or "en"), ``rules`` (a rule pack folder). Raises
    ``advisor.errors.ProfileError`` for an invalid profile. See ``advisor.pipeline.score``.
    """
    from advisor.pipeline import score as _score

    return _score(profile, **kwargs)


def score_many(profiles: Any, **kwargs: Any):
    """Score an iterable of profiles; a generator of the dicts ``score`` gives, in input order.

    An invalid profile yields ``{"record": N, "error": "..."}``. Keyword arguments: ``lang``,
    ``rules``, ``workers`` (processes, forked), ``cache``. This is what ``advisor batch`` runs.
    See ``advisor.pipeline.score_many``.
    """
    from advisor.pipeline import score_many as _score_many

    return _score_many(profiles, **kwargs)
