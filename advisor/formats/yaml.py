"""YAML: the same data as JSON, in the order of the contract."""

from __future__ import annotations

from advisor.formats.json import to_dict
from advisor.recommendation import Recommendation


def render(rec: Recommendation) -> str:
    """Block-style YAML with Chinese kept readable."""
    import yaml

    return yaml.safe_dump(to_dict(rec), allow_unicode=True, sort_keys=False, width=100)
