"""Errors as the API reports them: ``{"field", "value", "message"}`` for each problem of a profile."""

from __future__ import annotations

from typing import Any

from advisor.errors import ProfileError
from advisor.surrogates import replaced


def profile_problems(exc: ProfileError, prefix: str = "", lang: str = "en") -> list[dict[str, Any]]:
    """Every problem of an invalid profile, from the validator's structured error
    (``ProfileError.details``): the field it concerns (a field name, or the key as sent when the
    key is not a field; ``None`` for the record as a whole), the value given there as sent
    (``None`` when absent) and the message in ``lang``, which says what is allowed. ``prefix`` is
    put before the field (``profile.``)."""
    return [{**p, "field": None if p["field"] is None else prefix + replaced(p["field"]), "value": _sent(p["value"])}
            for p in exc.details(lang)]


def _sent(value: Any) -> Any:
    """A value as sent, a lone surrogate in its text replaced by U+FFFD (JSON out is UTF-8)."""
    if isinstance(value, str):
        return replaced(value)
    if isinstance(value, list):
        return [_sent(item) for item in value]
    return value
