"""advisor: recommends how an enterprise should adopt a large language model.

Public API: ``score(profile) -> dict``, ``score_many(iterable) -> iterator of dict`` and, for
pandas, ``score_frame(df) -> DataFrame``; ``advisor.dask`` scores a Dask DataFrame on a cluster.
"""

from __future__ import annotations

# ``typing`` is not imported: the console script imports this package first, and what it
# imports before ``advisor.__main__.main`` runs is a time in which Ctrl-C prints a traceback.

__version__ = "0.1.0"
__all__ = ["__version__", "score", "score_frame", "score_many"]


def score(profile: object, **kwargs: object) -> dict:
    """Recommend for one profile (a mapping as in a profile file); the contract §3 JSON as a dict.

    Keyword arguments: ``lang`` ("zh" or "en"), ``rules`` (a rule pack folder), ``as_of`` (the
    date the compliance checklist is evaluated for: a date or "YYYY-MM-DD"; default today),
    ``options`` (``advisor.assembly.RunOptions``). See ``advisor.pipeline.score``.

    Raises (all ``advisor.errors.AdvisorError``, whose ``text(lang)`` is the message in zh or en):
    ``ProfileError`` for an invalid profile (every problem, with its field and value);
    ``ArgumentError`` (also a ``ValueError``) for a ``lang`` other than zh/en or an ``as_of``
    that is not a date from 1980-01-01 to 2107-12-31; ``RuleLoadError`` for a ``rules`` folder
    that does not load.
    """
    from advisor.arguments import checked
    from advisor.pipeline import score as _score

    return _score(profile, **checked(kwargs))


def score_many(profiles: object, **kwargs: object):
    """Score an iterable of profiles; a generator of the dicts ``score`` gives, in input order.

    An invalid profile yields ``{"record": N, "profile": NAME, "error": "..."}`` (N counts from
    1; ``profile`` only when the record gives a usable name) instead of raising. Keyword arguments: ``lang``, ``rules``, ``as_of`` (one date for every profile),
    ``options``, ``workers`` (processes, forked; still in input order), ``cache`` (repeated
    profiles are evaluated once). This is
    the loop ``advisor batch`` runs: see ``advisor.batch.run.score_records``.

    Raises, when called (before any profile is scored): ``advisor.errors.ArgumentError`` (also a
    ``ValueError``) for a ``lang`` other than zh/en or an ``as_of`` that is not a date;
    ``RuleLoadError`` for ``rules`` that do not load (when the first profile is asked for).
    """
    from advisor.arguments import checked
    from advisor.batch.run import score_records

    return score_records(profiles, **checked(kwargs))


def score_frame(df: object, **kwargs: object):
    """Score every row of a pandas DataFrame (columns named by field or Chinese name, cells as
    text); a DataFrame of the ``advisor batch --format csv --headers ids`` columns, cell for
    cell. Keyword arguments: ``rules``, ``lang``, ``as_of``, ``options``, ``first_record`` (the
    number of the first row), ``source`` (the name messages give the frame), ``cache``. One
    scorer per process, its caches kept across calls. A bad row gets its message in ``error``.

    Raises ``advisor.errors.ArgumentError`` (also a ``ValueError``) for ``df`` that is not a
    DataFrame, a ``lang`` other than zh/en, an ``as_of`` that is not a date or a ``first_record``
    below 1; ``SourceError`` for a column that names no field. See ``advisor.frames.score_frame``."""
    from advisor.frames import score_frame as _score_frame

    return _score_frame(df, **kwargs)
