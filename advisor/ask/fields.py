"""One profile field at a time, validated with the very normalisers ``Profile`` uses.

The questionnaire checks each answer as soon as it is typed, and reads partial profiles (drafts);
both need single fields, while ``parse_profile`` wants a whole record. Building the validator
from ``Profile``'s own field annotations keeps one parser of labels, numbers and yes/no words.
"""

from __future__ import annotations

import functools
from typing import Annotated, Any

from pydantic import TypeAdapter, ValidationError
from pydantic_core import PydanticUndefined

from advisor.profile import Profile


@functools.cache
def _adapter(field: str) -> TypeAdapter:
    info = Profile.model_fields[field]
    return TypeAdapter(Annotated[(info.annotation, *info.metadata)])


def normalise(field: str, value: Any) -> Any:
    """The canonical value of ``field`` for ``value`` (a label, ``800万``, ``是``…), or ``ValueError``."""
    try:
        return _adapter(field).validate_python(value)
    except ValidationError as exc:
        raise ValueError(str(exc.errors(include_url=False)[0]["msg"]).removeprefix("Value error, ")) from None


def contract_default(field: str) -> Any:
    """The value a profile without ``field`` has (``None``: no default; the field is required or optional)."""
    default = Profile.model_fields[field].get_default(call_default_factory=True)
    return None if default is PydanticUndefined else default


def is_absent(value: Any) -> bool:
    """No value: missing, or an empty list."""
    return value is None or value == []
