"""One profile field at a time, validated with the very normalisers ``Profile`` uses.

The questionnaire checks each answer as soon as it is typed, and reads partial profiles (drafts);
both need single fields, while ``parse_profile`` wants a whole record. Building the validator
from ``Profile``'s own field annotations keeps one parser of labels, numbers and yes/no words.
"""

from __future__ import annotations

import difflib
import functools
from typing import Annotated, Any, Mapping

from pydantic import TypeAdapter, ValidationError
from pydantic_core import PydanticUndefined

from advisor.errors import ProfileError
from advisor.profile import Profile
from advisor.vocabulary import vocabulary


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


def parse_partial(data: Any, source: str) -> dict[str, Any]:
    """Validate the fields a (possibly incomplete) profile gives; return them canonical, in contract order.

    Raises ``ProfileError`` naming every unknown field and every invalid value, like ``parse_profile``.
    """
    if not isinstance(data, Mapping):
        raise ProfileError([f"a profile is a mapping of field: value, got {type(data).__name__}"], source)
    fields = vocabulary().fields
    given = {str(k).strip(): v for k, v in data.items() if v is not None and not (isinstance(v, str) and not v.strip())}
    problems: list[str] = []
    values: dict[str, Any] = {}
    for key, value in given.items():
        if key not in fields:
            close = difflib.get_close_matches(key, list(fields), n=1)
            hint = f" (did you mean '{close[0]}'?)" if close else ""
            problems.append(f"unknown field '{key}'{hint}; allowed fields: {', '.join(fields)}")
            continue
        try:
            values[key] = normalise(key, value)
        except ValueError as exc:
            problems.append(f"field '{key}': {exc}")
    if problems:
        raise ProfileError(problems, source)
    return {name: values[name] for name in fields if name in values}
