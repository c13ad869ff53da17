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

CELLS = 16384  # distinct cells kept per column; a full column starts again
PLANS = 256  # record shapes (their fields, in order) kept
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
        self._plans: dict[tuple, Any] = {}  # header fields -> what ``columns`` reads each column with
        # Every field with its default (a required one is always given). Shared by every record:
        # values are read, never changed, downstream.
        self._template = {name: None if fields[name].is_required()
                          else fields[name].get_default(call_default_factory=True) for name in self._order}

    def values(self, data: dict[str, Any]) -> tuple[str, dict[str, Any]] | None:
        """``(name, values)``: the validated name and every other field, canonical, in the model's
        order (defaults filled in); None if the record is not plain valid text (check it whole)."""
        cells = list(data.values())
        for cell in cells:
            if type(cell) is not str:
                return None
        return self.columns(tuple(data), cells)

    def columns(self, fields: tuple[str | None, ...], cells: list[str]) -> tuple[str, dict[str, Any]] | None:
        """``values`` for a row given as the header's fields and the row's cells (a CSV row), without
        making the mapping (``block`` for one row)."""
        if len(cells) != len(fields):
            return None
        checked = self.block(fields, [cells])
        if checked is None or checked[2]:
            return None
        names, columns, _ = checked
        return names[0], {field: column[0] for field, column in columns.items()}

    def block(self, fields: tuple[str | None, ...], rows: list[list[str]]) -> tuple[list[str], dict[str, list[Any]], set[int]] | None:
        """``columns`` for a block of rows of one header (``rows``: each row's cells, as many as
        ``fields``), column by column: each column's distinct cells validated once and the
        column looked up in one pass. Gives ``(names, values, bad)``: each row's validated name,
        every field but the name in the model's order with a list of the rows' values (defaults
        filled in), and the indexes of the rows that need the whole-record check (their names and
        values are not to be read); None when every row does."""
        if type(fields) is not tuple:
            return None
        plan = self._plans.get(fields)
        if plan is None:
            if len(self._plans) >= PLANS:
                self._plans.clear()
            plan = self._plans[fields] = self._plan(fields)
        if plan is False or not rows:
            return None
        maps, name_at = plan
        count = len(rows)
        bad: set[int] = set()
        given: dict[str, list[Any]] = {}
        for n, (field, column) in enumerate(zip(fields, zip(*rows))):
            if n == name_at:
                continue
            cells = maps[n]
            distinct = set(column)
            missing = distinct.difference(cells)
            if missing:
                if len(cells) + len(missing) > CELLS:  # a full column starts again, with this block's cells
                    kept = {cell: cells[cell] for cell in distinct if cell in cells}
                    cells.clear()  # (the same dict: the plans hold it)
                    cells.update(kept)
                wrong = set()
                for cell in missing:
                    value = self._check(field, cell)
                    if value is _UNSEEN:
                        wrong.add(cell)
                    else:
                        cells[cell] = value
                if wrong:
                    bad.update(i for i, cell in enumerate(column) if cell in wrong)
                    given[field] = [cells.get(cell) for cell in column]
                    continue
            given[field] = list(map(cells.__getitem__, column))
        values = {}
        for field in self._order:
            column = given.get(field)
            if column is None:
                if field in self._required:
                    return None
                column = [self._template[field]] * count
            values[field] = column
        for field in self._required:
            if None in values[field]:
                bad.update(i for i, value in enumerate(values[field]) if value is None)
        sizes, employees = values["size"], values["employees"]
        if None in sizes:
            bad.update(i for i, (size, staff) in enumerate(zip(sizes, employees)) if size is None and staff is None)
        names = [row[name_at] for row in rows]
        check = self._name
        for i, name in enumerate(names):
            if not name.strip():
                bad.add(i)
                continue
            try:
                names[i] = check(name)
            except ValidationError:
                bad.add(i)  # a name too long: the full check says so
        return names, values, bad

    def _plan(self, fields: tuple[str | None, ...]) -> tuple[list[Any], int] | bool:
        """Each column's cache (the name's column: one that says "absent"), and where the name is;
        False when a column is not a profile field, or a field comes twice (the whole-record check
        says what is wrong)."""
        if len(set(fields)) != len(fields) or "name" not in fields:
            return False
        maps: list[Any] = []
        for field in fields:
            if field == "name":
                maps.append(_NAME_COLUMN)
            elif field in self._cells:
                maps.append(self._cells[field])
            else:
                return False
        return maps, fields.index("name")

    def _check(self, field: str, cell: str) -> Any:
        """A cell's canonical value, or ``_UNSEEN`` when it is not valid on its own."""
        if not cell.strip():
            return self._template[field]  # an empty cell means "absent": the field's default
        try:
            return self._adapters[field].validate_python(cell)
        except ValidationError:
            return _UNSEEN


class _NameColumn:
    """The name's column in ``CellValidator.columns``: no value of its own (it is checked apart)."""

    @staticmethod
    def get(cell: str, default: Any) -> Any:
        return None


_NAME_COLUMN = _NameColumn()
