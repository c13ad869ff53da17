"""JSON Schemas of the API's bodies, for its OpenAPI description (``/openapi.json``).

The profile's schema is built from the contract's vocabulary (``advisor/contract.yaml``), so a
new field or value appears here without a change; the recommendation's from its output models
(``advisor/recommendation.py``). The server does not validate with these schemas: every body is
checked by ``parse_profile``, which also takes the spellings a schema cannot list (any case,
``800万``, ``是``/``否``, a list as ``"a;b"``).
"""

from __future__ import annotations

import functools
from typing import Any

from advisor.profile import MAX_BUDGET_CNY, MAX_EMPLOYEES

REF = "#/components/schemas/{model}"


def _enum(enum: str) -> list[str]:
    from advisor.vocabulary import vocabulary

    values = vocabulary().enums[enum]
    return [*values, *(v["zh"] for v in values.values())]


def _field_schema(spec: Any) -> dict[str, Any]:
    """One field of contract §1 as JSON Schema (the canonical values and the Chinese labels)."""
    text = f"{spec.zh} · {spec.en}"
    if spec.type == "string":
        # a name: not blank, and no control characters (they have no place in a memo's title)
        bad = r"\x00-\x1f\x7f-\x9f"
        return {"type": "string", "minLength": 1, "pattern": rf"^[^{bad}]*[^\s{bad}][^{bad}]*$",
                "description": text}
    if spec.type == "enum":
        return {"type": "string", "enum": _enum(spec.values), "description": text}
    if spec.type == "list":
        return {"type": "array", "items": {"type": "string", "enum": _enum(spec.values)}, "uniqueItems": True,
                "description": text + " (also a string separated by ; or |)"}
    if spec.type == "bool":
        return {"type": "boolean", "description": text + " (also true/false, yes/no, 1/0, 是/否)"}
    if spec.type == "integer":
        return {"type": "integer", "minimum": 1, "maximum": MAX_EMPLOYEES, "description": text}
    if spec.type == "budget":
        return {"anyOf": [{"type": "string", "enum": _enum(spec.values)},
                          {"type": "integer", "minimum": 0, "maximum": MAX_BUDGET_CNY}],
                "description": text + ": a band, or the annual amount in CNY (also text such as 800万 or 1.2亿)"}
    return {"description": text}


@functools.cache
def components() -> dict[str, Any]:
    """The ``components.schemas`` of the OpenAPI description."""
    from advisor.recommendation import Recommendation
    from advisor.vocabulary import vocabulary

    fields = vocabulary().fields
    profile = {
        "title": "Profile",
        "description": "An enterprise profile (contract §1). Enum values may be given by their Chinese labels, "
                       "in any case.",
        "type": "object",
        "properties": {name: _field_schema(spec) for name, spec in fields.items()},
        "required": [name for name, spec in fields.items() if spec.required],
        # contract §1: one of size or employees
        "anyOf": [{"required": ["size"]}, {"required": ["employees"]}],
        "additionalProperties": False,
    }
    recommendation = Recommendation.model_json_schema(ref_template=REF, mode="serialization")
    defs = recommendation.pop("$defs", {})
    problem = {
        "type": "object",
        "properties": {
            "field": {"type": ["string", "null"],
                      "description": "the profile field (also when the key sent was its Chinese name), the key as "
                                     "sent when it names no field, or null for the record as a whole; prefixed "
                                     "profile. or set. in a what-if"},
            "value": {"description": "the value as sent (null when the field is missing)"},
            "message": {"type": "string", "description": "what is wrong and what is allowed, in the request's lang"},
        },
        "required": ["field", "value", "message"],
    }
    schemas = {
        **defs,
        "Profile": profile,
        "Recommendation": recommendation,
        "Problem": problem,
        "Invalid": {"type": "object",
                    "properties": {"errors": {"type": "array", "items": {"$ref": REF.format(model="Problem")}}},
                    "required": ["errors"]},
        "Error": {"type": "object", "properties": {"error": {"type": "string"}, "id": {"type": "string"}},
                  "required": ["error"]},
        "WhatIfRequest": {
            "type": "object",
            "properties": {
                "profile": {"$ref": REF.format(model="Profile")},
                "set": {"type": "object", "minProperties": 1,
                        "description": "field -> new value, as in a profile (Chinese labels and field names "
                                       "allowed). An empty string or null makes an optional field absent.",
                        "properties": {name: _field_schema(spec) for name, spec in fields.items()},
                        "additionalProperties": False},
            },
            "required": ["profile", "set"],
            "additionalProperties": False,
        },
        "WhatIf": {
            "type": "object",
            "properties": {
                "before": {"$ref": REF.format(model="Recommendation")},
                "after": {"$ref": REF.format(model="Recommendation")},
                "diff": {"type": "array", "items": {
                    "type": "object",
                    "properties": {"path": {"type": "string"}, "before": {}, "after": {}},
                    "required": ["path", "before", "after"]}},
            },
            "required": ["before", "after", "diff"],
        },
        "RulePack": {
            "type": "object",
            "properties": {
                "name": {"type": "string"}, "version": {"type": "string"},
                "rules": {"type": "array", "items": {
                    "type": "object",
                    "properties": {"id": {"type": "string"}, "file": {"type": "string"},
                                   "source": {"type": "string"}, "description": {"type": "string"}},
                    "required": ["id", "file", "source", "description"]}},
            },
            "required": ["name", "version", "rules"],
        },
    }
    return schemas


def ref(model: str) -> dict[str, str]:
    """A reference to one of ``components()``."""
    return {"$ref": REF.format(model=model)}
