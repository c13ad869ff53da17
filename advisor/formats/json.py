"""JSON: contract §3, keys in a fixed order, so the same input gives the same bytes."""

from __future__ import annotations

import json

from advisor.formats.escape import json_text
from advisor.recommendation import Recommendation


def to_dict(rec: Recommendation) -> dict:
    """The recommendation as plain JSON-ready data."""
    return rec.model_dump(mode="json")


def render(rec: Recommendation) -> str:
    """Pretty-printed JSON, UTF-8 (Chinese kept readable; control characters as \\u escapes)."""
    return json_text(json.dumps(to_dict(rec), ensure_ascii=False, indent=2)) + "\n"
