"""What if an answer changed: the recommendation before and after the change, and what differs.

``whatif(profile, {"privacy": "高"})`` validates the changes with the profile's own normalisers
(values as in a profile file: canonical values, Chinese labels, ``800万``; an empty value makes
the field absent, as an empty CSV cell does), recommends for the original and for the edited
profile with the same compiled rule pack, and compares the two contract §3 documents key by key.
"after" is exactly what ``advisor advise`` gives for the edited profile: it is the same call.

Used by ``advisor whatif``, the web page's "what if" and ``POST /api/v1/whatif``.
"""

from __future__ import annotations

import datetime as dt
import difflib
from typing import Any, Mapping

from advisor.assembly import RunOptions
from advisor.errors import AdvisorError
from advisor.pipeline import DEFAULT_LANG, dated, get_advisor
from advisor.profile import Profile, parse_profile
from advisor.vocabulary import fold, vocabulary

# Keys that name an entry of a list of objects in the recommendation (contract §3 and §4.3):
# compliance items by ``id``, modes by ``mode``, trace entries by ``rule``, thresholds by
# ``field``. A list is compared entry by entry when one of these is present in every entry and
# unique; otherwise it is compared as a whole.
IDENTITY_KEYS = ("id", "mode", "rule", "field")


class ChangeError(AdvisorError):
    """Changes that cannot be applied: each problem names the field, the value and what is allowed.

    ``problems`` holds ``{"field", "value", "message"}`` mappings (the API's error shape).
    """

    def __init__(self, problems: list[dict[str, Any]]) -> None:
        self.problems = problems
        lines = [p["message"] for p in problems]
        text = lines[0] if len(lines) == 1 else "\n" + "\n".join(f"  - {line}" for line in lines)
        super().__init__(f"what-if: {text}")


def field_name(key: Any) -> str | None:
    """The profile field ``key`` names (its name or its Chinese name, as in a CSV header), or ``None``."""
    return vocabulary().column_names.get(fold(key)) if isinstance(key, str) else None


def _is_empty(value: Any) -> bool:
    return value is None or (isinstance(value, str) and not value.strip())


def apply_changes(profile: Profile, changes: Mapping[Any, Any]) -> Profile:
    """``profile`` with ``changes`` (field -> value) applied and validated.

    Raises ``ChangeError`` naming every unknown field (with the fields allowed) and every value
    that is not allowed (with the values allowed), and ``ProfileError`` when the edited profile
    as a whole is invalid (e.g. a required field was emptied).
    """
    from advisor.ask.fields import normalise

    if not changes:
        raise ChangeError([{"field": None, "value": None,
                            "message": "no change given; name at least one FIELD=VALUE"}])
    fields = vocabulary().fields
    data = profile.model_dump()
    problems: list[dict[str, Any]] = []
    for key, value in changes.items():
        field = field_name(key)
        if field is None:
            close = difflib.get_close_matches(str(key), list(fields), n=1)
            hint = f" (did you mean '{close[0]}'?)" if close else ""
            problems.append({"field": key, "value": value,
                             "message": f"unknown field '{key}'{hint}; allowed fields: {', '.join(fields)}"})
            continue
        if _is_empty(value):
            data[field] = None  # absent: the contract's default applies
            continue
        try:
            data[field] = normalise(field, value)
        except ValueError as exc:
            problems.append({"field": field, "value": value, "message": f"field '{field}': {exc}"})
    if problems:
        raise ChangeError(problems)
    return parse_profile(data, source="what-if")


def whatif(
    profile: Profile | Mapping[str, Any],
    changes: Mapping[Any, Any],
    *,
    rules: str | None = None,
    lang: str = DEFAULT_LANG,
    as_of: dt.date | None = None,
    prices: str | None = None,
) -> dict[str, Any]:
    """The recommendation for ``profile`` before and after ``changes``, and their difference.

    Returns ``{"before": rec, "after": rec, "diff": [{"path", "before", "after"}, ...]}`` where
    ``rec`` is a full recommendation (contract §3, as ``advisor advise --format json`` gives it)
    and ``diff`` lists every value that differs (see ``diff``). ``as_of``: the date both checklists
    are evaluated for (default: today), as ``advisor advise --as-of``; ``prices``: a price file
    laid over the pack's price book for both, as ``--prices``. Raises ``ProfileError`` for
    an invalid profile and ``ChangeError`` for changes that cannot be applied.
    """
    if not isinstance(profile, Profile):
        profile = parse_profile(profile)
    return compare(profile, apply_changes(profile, changes), rules=rules, lang=lang, as_of=as_of, prices=prices)


def compare(before: Profile, after: Profile, *, rules: str | None = None, lang: str = DEFAULT_LANG,
            as_of: dt.date | None = None, prices: str | None = None) -> dict[str, Any]:
    """``whatif`` for two validated profiles: both recommendations and their ``diff``."""
    options = dated(RunOptions(as_of=as_of, prices=prices))  # one date for both, even across midnight
    advisor = get_advisor(rules)
    old = advisor.recommend(before, lang, options).model_dump(mode="json")
    new = advisor.recommend(after, lang, options).model_dump(mode="json")
    return {"before": old, "after": new, "diff": diff(old, new)}


def changed_fields(before: Profile, after: Profile) -> list[tuple[str, Any, Any]]:
    """``(field, value before, value after)`` for each field the two profiles give differently."""
    return [(name, getattr(before, name), getattr(after, name))
            for name in vocabulary().fields if getattr(before, name) != getattr(after, name)]


def overridden(before: Profile, after: Profile) -> list[tuple[str, str, dict[str, str]]]:
    """``(field, by, purpose)`` for each changed field whose value the edited profile does not
    read for ``purpose`` because it gives ``by`` (contract.yaml ``precedence``): employees do not
    decide the size when the size is given."""
    found = []
    for name, _, _ in changed_fields(before, after):
        for row in vocabulary().precedence.get(name, []):
            if getattr(after, row["by"]) is not None:
                found.append((name, row["by"], row["for"]))
    return found


def field_label(name: str, lang: str) -> str:
    """A field's name inside a sentence: ``隐私要求``, ``privacy needs`` (``ML team`` keeps its capitals)."""
    label = getattr(vocabulary().fields[name], lang)
    return label[0].lower() + label[1:] if lang != "zh" and label[1:2].islower() else label


def describe(value: Any, lang: str, field: str | None = None) -> str:
    """A value of a profile or a recommendation as a person reads it, in ``lang``.

    Enum values of ``field`` get their labels, yes/no words replace booleans, lists are joined,
    and an object is named by its title or label (with its status or score); ``None`` is "(none)".
    """
    from advisor.whatif_text import wt

    if value is None:
        return wt("absent", lang)
    if isinstance(value, bool):
        return wt("answer_yes" if value else "answer_no", lang)
    if isinstance(value, list):
        return wt("list_sep", lang).join(describe(v, lang, field) for v in value) if value else wt("absent", lang)
    if isinstance(value, dict):
        name = next((str(value[k]) for k in ("title", "label", "text", "because", "band") if value.get(k)), None)
        extra = [str(value[k]) for k in ("status_label", "score") if value.get(k) is not None]
        if name is None:
            import json

            return json.dumps(value, ensure_ascii=False, sort_keys=False)
        return f"{name}（{'，'.join(extra)}）" if extra and lang == "zh" else (
            f"{name} ({', '.join(extra)})" if extra else name)
    if isinstance(value, float) and value.is_integer():
        value = int(value)
    spec = vocabulary().fields.get(field) if field else None
    if spec is not None and spec.values and isinstance(value, str):
        return vocabulary().label(spec.values, value, lang)
    if spec is not None and spec.type == "budget" and isinstance(value, int):
        return _amount(value, lang)
    return str(value)


def _amount(cny: int, lang: str) -> str:
    """An amount of CNY as people write it: ``800万`` in Chinese, ``CNY 8,000,000`` in English."""
    if lang == "zh":
        for unit, size in sorted(vocabulary().units.items(), key=lambda u: -u[1]):
            if cny >= size and cny % max(size // 100, 1) == 0:
                return f"{cny / size:g}{unit}"
        return f"{cny}元"
    return f"CNY {cny:,}"


def diff(before: Any, after: Any, path: str = "") -> list[dict[str, Any]]:
    """Every difference between two JSON documents, in the order of ``before``'s keys.

    ``path`` joins keys with ``.``; an entry of a list of objects is named by its identity
    (``compliance[security-assessment]``, ``deployment.alternatives[saas].score``; see
    ``IDENTITY_KEYS``). A key or entry present on one side only has ``None`` on the other.
    Other lists are compared whole.
    """
    if before == after:
        return []
    if isinstance(before, dict) and isinstance(after, dict):
        out: list[dict[str, Any]] = []
        for key in [*before, *(k for k in after if k not in before)]:
            out += diff(before.get(key), after.get(key), f"{path}.{key}" if path else str(key))
        return out
    key = _identity(before, after)
    if key is not None:
        old = {entry[key]: entry for entry in before}
        new = {entry[key]: entry for entry in after}
        out = []
        for name in [*old, *(n for n in new if n not in old)]:
            out += diff(old.get(name), new.get(name), f"{path}[{name}]")
        return out
    return [{"path": path, "before": before, "after": after}]


def _identity(before: Any, after: Any) -> str | None:
    """The key that names the entries of two lists of objects, if they have one."""
    if not (isinstance(before, list) and isinstance(after, list)):
        return None
    entries = before + after
    if not entries or not all(isinstance(e, dict) for e in entries):
        return None
    for key in IDENTITY_KEYS:
        if all(isinstance(e.get(key), str) for e in entries) and all(
            len({e[key] for e in side}) == len(side) for side in (before, after)
        ):
            return key
    return None
