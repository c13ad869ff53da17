"""Errors as the API reports them: ``{"field", "value", "message"}`` for each problem of a profile."""

from __future__ import annotations

import re
from typing import Any, Mapping

from advisor.errors import ProfileError
from advisor.vocabulary import vocabulary

_QUOTED = re.compile(r"'([^']*)'")


def profile_problems(exc: ProfileError, data: Any, prefix: str = "") -> list[dict[str, Any]]:
    """Every problem of an invalid profile: the field it names, the value given there (as sent,
    ``None`` when the field was missing) and the message, which says what is allowed.

    The field is the first quoted name in the message that is a profile field or a key of
    ``data`` (every message of ``parse_profile`` starts by naming its field this way); ``None``
    for a problem of the record as a whole. ``prefix`` is put before the field (``profile.``).
    """
    given = data if isinstance(data, Mapping) else {}
    keys = {str(k).strip(): v for k, v in given.items()}
    fields = vocabulary().fields
    out = []
    for message in exc.problems:
        field = next((name for name in _QUOTED.findall(message) if name in fields or name in keys), None)
        out.append({
            "field": None if field is None else prefix + field,
            "value": keys.get(field) if field is not None else None,
            "message": message,
        })
    return out
