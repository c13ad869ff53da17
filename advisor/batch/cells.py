"""Validate text records cell by cell: each distinct cell of a column goes through pydantic once.

A client list has few distinct cells per column (its sectors, sizes, yes/no answers, a few
budgets) even when every row is a new combination of them. Each field of ``Profile`` is
validated on its own by a pydantic ``TypeAdapter`` built from that field's type and validators,
so a cell's canonical value is exactly the one validating the whole record gives; the only rule
across fields (a size or a headcount) is checked here too. Anything else — a bad cell, a missing
field, a column the profile does not have, a value that is not text — gives None, and the caller
validates the whole record with ``parse_profile``, which then tells the user everything wrong.
"""

from __future__ import annotations

from typing import Annotated, Any

from pydantic import TypeAdapter, ValidationError

from advisor.profile import Profile

CELLS = 4096  # distinct cells kept per column; a full column starts again
_ABSENT = object()  # an empty cell: the field's default applies
_UNSEEN = object()


class CellValidator:
    """Canonical profile values from a record of text cells, or None when the record needs a full check."""

    def __init__(self) -> None:
        fields = Profile.model_fields
        self._adapters = {name: TypeAdapter(Annotated[(info.annotation, *info.metadata)])
                          for name, info in fields.items()}
        self._name = self._adapters["name"].validate_python
        self._order = tuple(name for name in fields if name != "name")
        self._required = tuple(name for name in self._order if fields[name].is_required())
        self._cells: dict[str, dict[str, Any]] = {name: {} for name in self._order}
        # Every field with its default (a required one is always given). Shared by every record:
        # values are read, never changed, downstream.
        self._template = {name: None if fields[name].is_required()
                          else fields[name].get_default(call_default_factory=True) for name in self._order}

    def values(self, data: dict[str, Any]) -> tuple[str, dict[str, Any]] | None:
        """``(name, values)``: the validated name and every other field, canonical, in the model's
        order (defaults filled in); None if the record is not plain valid text (check it whole)."""
        cells = self._cells
        given: dict[str, Any] = {}
        for field, cell in data.items():
            if not cell:
                if type(cell) is str:
                    continue  # an empty cell: absent
                return None
            if type(cell) is not str:
                return None
            column = cells.get(field)
            if column is None:
                if field == "name":
                    continue
                return None  # a field the profile does not have
            value = column.get(cell, _UNSEEN)
            if value is _UNSEEN:
                value = self._validate(field, cell)
                if value is _UNSEEN:
                    return None
            if value is not _ABSENT:
                given[field] = value
        for field in self._required:
            if field not in given:
                return None
        if "size" not in given and "employees" not in given:
            return None
        name = data.get("name")
        if name is None or not name.strip():
            return None
        try:
            name = self._name(name)
        except ValidationError:
            return None  # a name too long: the full check says so
        values = self._template.copy()  # every field in the model's order, with its default
        values.update(given)
        return name, values

    def _validate(self, field: str, cell: str) -> Any:
        if not cell.strip():
            value = _ABSENT  # an empty cell means "absent"
        else:
            try:
                value = self._adapters[field].validate_python(cell)
            except ValidationError:
                return _UNSEEN
        column = self._cells[field]
        if len(column) >= CELLS:
            column.clear()
        column[cell] = value
        return value
