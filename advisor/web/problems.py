"""Errors as the API reports them: ``{"field", "value", "message"}`` for each problem of a profile."""

from __future__ import annotations

from typing import Any

from advisor.errors import ProfileError


def profile_problems(exc: ProfileError, prefix: str = "", lang: str = "en") -> list[dict[str, Any]]:
    """Every problem of an invalid profile, from the validator's structured error
    (``ProfileError.details``): the field it concerns (a field name, or the key as sent when the
    key is not a field; ``None`` for the record as a whole), the value given there as sent
    (``None`` when absent) and the message in ``lang``, which says what is allowed. ``prefix`` is
    put before the field (``profile.``)."""
    return [{**p, "field": None if p["field"] is None else prefix + p["field"]} for p in exc.details(lang)]
