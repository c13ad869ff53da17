"""The contract's vocabulary (``contract.yaml``): field names, enum values and their labels.

Loaded once per process. It names values; it decides nothing (decisions live in ``rules/``).
"""

from __future__ import annotations

import functools
from dataclasses import dataclass
from typing import Any

from advisor.ui_text import package_data


@dataclass(frozen=True)
class FieldSpec:
    """One profile field of contract §1."""

    name: str
    zh: str
    en: str
    type: str  # string | enum | integer | bool | list | budget
    values: str | None  # name of the enum it draws from
    required: bool
    default: Any


@dataclass(frozen=True)
class Vocabulary:
    """Everything ``contract.yaml`` says, indexed for fast look-ups."""

    fields: dict[str, FieldSpec]
    enums: dict[str, dict[str, dict[str, str]]]  # enum -> value -> {zh, en}
    lookup: dict[str, dict[str, str]]  # enum -> any accepted spelling (folded) -> value
    column_names: dict[str, str]  # Chinese field name or field name -> field name
    outputs: dict[str, list[str]]
    true_words: frozenset[str]
    false_words: frozenset[str]
    units: dict[str, int]  # shown and read: 万, 亿
    units_read: dict[str, int] = None  # type: ignore[assignment]  # every unit read, longest first, folded
    # field -> [{"by": field, "for": {zh, en}}]: answers that make the field's value unused for a purpose
    precedence: dict[str, list[dict[str, Any]]] = None  # type: ignore[assignment]
    # the compact line of ``batch --detail ids``: {"format": its id, "keys": {key: what it holds}}
    compact_line: dict[str, Any] = None  # type: ignore[assignment]

    @property
    def numbers(self) -> frozenset[str]:
        """The fields that hold a whole number (``employees``, ``pi_individuals``...)."""
        return frozenset(name for name, spec in self.fields.items() if spec.type == "integer")

    def label(self, enum: str, value: str, lang: str) -> str:
        """The label of ``value`` in ``lang``; the value itself when unknown."""
        entry = self.enums.get(enum, {}).get(value)
        return entry[lang] if entry else value

    def allowed(self, enum: str) -> str:
        """A readable list of the values of ``enum`` with their Chinese labels."""
        return ", ".join(f"{v} ({e['zh']})" for v, e in self.enums[enum].items())


# Full-width forms of ASCII (U+FF01..U+FF5E: ＨＩＧＨ, ｙｅｓ, ２, ＿, －), which Chinese input methods
# type, read as the ASCII they stand for. Only these: NFKC would also read ① or ² as 1 or 2 (a
# yes/no answer) and ㎡ as m2, which no user means by a word of the vocabulary.
_FULL_WIDTH_ASCII = {code: code - 0xFEE0 for code in range(0xFF01, 0xFF5F)}


def narrow(text: str) -> str:
    """``text`` with the full-width forms of ASCII as ASCII (``ＨＩＧＨ`` → ``HIGH``, ``２`` → ``2``)."""
    return text.translate(_FULL_WIDTH_ASCII)


def fold(text: str) -> str:
    """The form used to match user spellings: case, runs of spaces (also the ideographic space
    U+3000) and full width (``ＨＩＧＨ`` is ``high``) make no difference."""
    return " ".join(narrow(text).split()).casefold()


@functools.cache
def vocabulary() -> Vocabulary:
    """Load and index ``contract.yaml`` (once per process)."""
    raw = package_data("advisor", "contract.yaml")
    fields = {
        name: FieldSpec(
            name=name,
            zh=spec["zh"],
            en=spec["en"],
            type=spec["type"],
            values=spec.get("values"),
            required=bool(spec.get("required", False)),
            default=spec.get("default"),
        )
        for name, spec in raw["fields"].items()
    }
    lookup: dict[str, dict[str, str]] = {}
    for enum, values in raw["enums"].items():
        table: dict[str, str] = {}
        for value, labels in values.items():
            for spelling in (value, labels["zh"], labels["en"], value.replace("_", " "), value.replace("_", "-")):
                table.setdefault(fold(spelling), value)
        lookup[enum] = table
    columns = {}
    for name, spec in fields.items():
        columns[fold(name)] = name
        columns[fold(spec.zh)] = name
    return Vocabulary(
        fields=fields,
        enums=raw["enums"],
        lookup=lookup,
        column_names=columns,
        outputs=raw["outputs"],
        true_words=frozenset(fold(str(w)) for w in raw["booleans"][True]),
        false_words=frozenset(fold(str(w)) for w in raw["booleans"][False]),
        units={k: int(v) for k, v in raw["units"].items()},
        units_read={fold(k): int(v) for k, v in sorted({**raw.get("more_units", {}), **raw["units"]}.items(),
                                                      key=lambda u: -len(u[0]))},
        precedence={name: list(rows) for name, rows in (raw.get("precedence") or {}).items()},
        compact_line=raw["compact_line"],
    )
