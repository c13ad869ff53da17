"""Immutable records: the models of the pack, the profile and the recommendation, cheap to make.

A one-profile run (``advisor advise``) makes its classes on every start. A pydantic model costs
a quarter of a millisecond to make and the first one pulls in pydantic's whole machinery (some
40 ms); a standard-library dataclass costs half a millisecond. A ``Record`` class costs a few
microseconds: its fields are read from the class's annotations, which stay text (every module
that defines records has ``from __future__ import annotations``), and one shared ``__init__``
fills them. So a run that reads its pack from the cache and validates its profile by hand never
imports pydantic at all.

Validation is pydantic's, made when first asked for: ``Model.model_validate(data)`` builds a
pydantic model with the same name, fields, annotations, defaults, docstring and validators (the
*mirror*, see ``mirror``), validates ``data`` with it, and turns the result into records. Its
errors are pydantic's ``ValidationError``, as before. The validators are written on the record
with the markers ``before`` (a field's value before its type is checked), ``prepare`` (the whole
mapping before the fields) and ``after`` (the whole model after them); the annotations may use
pydantic's ``Field``, ``BeforeValidator`` and the names a module lists in ``PYDANTIC_NAMES``,
and the module's own type aliases written as ``Alias("...")`` text.

What pydantic gives a model, a record gives in the same words, for the part advisor uses:
``model_validate``, ``model_validate_json``, ``model_construct``, ``model_copy(update=...)``,
``model_dump(mode=..., exclude=...)``, ``model_dump_json``, ``model_fields`` and
``model_json_schema``; equality and hashing by value, ``repr`` as pydantic writes it, and no
assignment to a field (``TypeError``). A record inside a pydantic model (a memo holds a
recommendation) is validated and serialised through its mirror.
"""

from __future__ import annotations

import datetime as dt
import sys
from decimal import Decimal
from math import isfinite
from typing import Any, Callable, ClassVar, Iterator

__all__ = ["Alias", "Factory", "Record", "after", "before", "field_names", "prepare", "to_data"]

# Names an annotation may use besides the module's own: given to the mirror (see ``_namespace``).
PYDANTIC_NAMES = ("Field", "BeforeValidator", "AfterValidator", "PlainValidator")
_TYPING_NAMES = ("Annotated", "Any", "Literal", "Union", "Optional")

# Annotations (as written, without spaces) whose whole numbers are made floats, as pydantic
# does: ``float`` fields, and lists of them (True).
_FLOATS = {"float": False, "float|None": False, "list[float]": True, "list[float|None]": True}


class Alias(str):
    """A type alias of a module of records, written as the text of its type (``Annotated[...]``):
    evaluated only when a mirror is made, with pydantic's names at hand."""

    __slots__ = ()


class Factory:
    """The default of a field made afresh for each record (``Factory(list)``), as pydantic's
    ``Field(default_factory=...)``."""

    __slots__ = ("make",)

    def __init__(self, make: Callable[[], Any]) -> None:
        self.make = make

    def __repr__(self) -> str:
        return f"Factory({getattr(self.make, '__name__', self.make)!r})"


def before(*fields: str) -> Callable[[Callable], Any]:
    """Mark a function ``(cls, value) -> value`` as run on ``fields``' raw values before their
    types are checked (pydantic's ``field_validator(..., mode="before")``); it may raise ``ValueError``."""

    def mark(fn: Callable) -> Any:
        fn = fn.__func__ if isinstance(fn, classmethod) else fn
        fn.__record_validator__ = ("before", fields)
        return classmethod(fn)

    return mark


def prepare(fn: Callable) -> Any:
    """Mark a function ``(cls, raw) -> raw`` as run on the raw input before any field (pydantic's
    ``model_validator(mode="before")``)."""
    fn = fn.__func__ if isinstance(fn, classmethod) else fn
    fn.__record_validator__ = ("prepare", ())
    return classmethod(fn)


def after(fn: Callable) -> Callable:
    """Mark a method ``(self) -> self`` as run once every field is valid (pydantic's
    ``model_validator(mode="after")``); it may raise ``ValueError``. It runs on the mirror's
    instance, which has the record's fields and methods."""
    fn.__record_validator__ = ("after", ())
    return fn


class _ClassProperty:
    def __init__(self, fn: Callable[[type], Any]) -> None:
        self.fn = fn

    def __get__(self, instance: Any, owner: type) -> Any:
        return self.fn(owner)


class Record:
    """Base of the records. Subclass with annotated fields (and defaults) as a pydantic model;
    the class keyword ``config`` holds pydantic's model config for the mirror
    (``class Strict(Record, config={"extra": "forbid"})``; subclasses inherit it).

    ``Model(**values)`` makes a record without checking anything (``model_construct``): the
    values are taken as they are, missing ones from the defaults; a missing field without a
    default is a ``TypeError``, as is an unknown one."""

    __record_fields__: ClassVar[tuple[str, ...]] = ()
    __record_defaults__: ClassVar[dict[str, Any]] = {}
    __record_config__: ClassVar[dict[str, Any]] = {}
    __record_floats__: ClassVar[tuple[tuple[str, bool], ...]] = ()
    __record_finite__: ClassVar[bool] = False  # config allow_inf_nan=False: a float field refuses NaN and ±inf

    def __init_subclass__(cls, config: dict[str, Any] | None = None, **kwargs: Any) -> None:
        super().__init_subclass__(**kwargs)
        own = cls.__dict__.get("__annotations__", {})
        fields = list(cls.__record_fields__)
        defaults = dict(cls.__record_defaults__)
        for name, annotation in own.items():
            if name.startswith("_") or str(annotation).startswith("ClassVar"):
                continue
            if name not in fields:
                fields.append(name)
            if name in cls.__dict__:
                defaults[name] = cls.__dict__[name]
                delattr(cls, name)  # the value lives on the instance; the class keeps no stale default
            else:
                defaults.pop(name, None)
        cls.__record_fields__ = tuple(fields)
        cls.__record_defaults__ = defaults
        floats = dict(cls.__record_floats__)
        for name, annotation in own.items():
            if name in fields:
                text = annotation if isinstance(annotation, str) else getattr(annotation, "__name__", str(annotation))
                kind = _FLOATS.get(text.replace(" ", ""))
                if kind is None:
                    floats.pop(name, None)
                else:
                    floats[name] = kind
        cls.__record_floats__ = tuple(floats.items())
        cls.__record_config__ = {**cls.__record_config__, **(config or {})}
        cls.__record_finite__ = cls.__record_config__.get("allow_inf_nan") is False

    def __init__(self, **values: Any) -> None:
        state = self.__dict__
        defaults = self.__record_defaults__
        for name in self.__record_fields__:
            if name in values:
                state[name] = values.pop(name)
            elif name in defaults:
                default = defaults[name]
                kind = type(default)
                state[name] = (default.make() if kind is Factory else default.copy() if kind in (list, dict)
                               else default)
            else:
                raise TypeError(f"{type(self).__name__}: field '{name}' is required")
        if values:
            raise TypeError(f"{type(self).__name__}: unknown field(s) {', '.join(map(repr, values))}")
        nested = type(self).__dict__.get("__record_nested__")
        if nested is None:
            nested = _nested(type(self))
        for name, many, record in nested:  # a mapping given for a record field: that record
            value = state[name]
            if many:
                if value and any(type(item) is dict for item in value):
                    state[name] = [record(**item) if type(item) is dict else item for item in value]
            elif type(value) is dict:
                state[name] = record(**value)
        for name, many in self.__record_floats__:  # a whole number given for a float: a float, as pydantic makes it
            value = state[name]
            if many:
                if value and any(type(item) is int for item in value):
                    state[name] = [float(item) if type(item) is int else item for item in value]
            elif type(value) is int:
                state[name] = float(value)
            elif self.__record_finite__ and type(value) is float and not isfinite(value):
                raise ValueError(f"{type(self).__name__}: field '{name}' must be a finite number, not {value}")

    # --- immutability, equality, display ------------------------------------------------------

    def __setattr__(self, name: str, value: Any) -> None:
        raise TypeError(f"{type(self).__name__} is immutable: field '{name}' cannot be set")

    def __delattr__(self, name: str) -> None:
        raise TypeError(f"{type(self).__name__} is immutable: field '{name}' cannot be deleted")

    def __eq__(self, other: Any) -> bool:
        if type(other) is not type(self):
            return NotImplemented
        mine, theirs = self.__dict__, other.__dict__  # the fields only: a cached property is no field
        return all(mine[name] == theirs[name] for name in self.__record_fields__)

    def __hash__(self) -> int:
        return hash((type(self), *(_hashable(self.__dict__[name]) for name in self.__record_fields__)))

    def __repr__(self) -> str:
        shown = ", ".join(f"{name}={self.__dict__[name]!r}" for name in self.__record_fields__)
        return f"{type(self).__name__}({shown})"

    def __iter__(self) -> Iterator[tuple[str, Any]]:
        """``(field, value)`` pairs in field order, as a pydantic model iterates."""
        state = self.__dict__
        return ((name, state[name]) for name in self.__record_fields__)

    def __copy__(self) -> "Record":
        return self

    def __deepcopy__(self, memo: Any) -> "Record":
        return self  # immutable: a copy is the record itself

    # --- pydantic's words ---------------------------------------------------------------------

    @classmethod
    def model_construct(cls, **values: Any) -> Any:
        """A record of ``values`` taken as they are (defaults for the missing ones)."""
        return cls(**values)

    def model_copy(self, *, update: dict[str, Any] | None = None, deep: bool = False) -> Any:
        """This record with the fields in ``update`` changed (not checked)."""
        new = object.__new__(type(self))
        new.__dict__.update(self.__dict__)
        if update:
            unknown = set(update) - set(self.__record_fields__)
            if unknown:
                raise TypeError(f"{type(self).__name__}: unknown field(s) {', '.join(map(repr, sorted(unknown)))}")
            new.__dict__.update(update)
        return new

    def model_dump(self, *, mode: str = "python", exclude: set[str] | None = None,
                   exclude_none: bool = False) -> dict[str, Any]:
        """The fields as a dict in field order, records inside as dicts too. ``mode="json"``
        gives JSON data as pydantic's does: tuples and sets as lists, dates as ISO text,
        decimals as text. ``exclude_none`` leaves out the fields (of this record and the records
        inside it) whose value is None, as pydantic's does; None in a list or dict stays."""
        state = self.__dict__
        json = mode == "json"
        return {name: to_data(state[name], json, exclude_none) for name in self.__record_fields__
                if (not exclude or name not in exclude) and not (exclude_none and state[name] is None)}

    def model_dump_json(self) -> str:
        """``model_dump(mode="json")`` as compact JSON text (non-ASCII kept)."""
        import json

        return json.dumps(self.model_dump(mode="json"), ensure_ascii=False, separators=(",", ":"))

    @classmethod
    def model_validate(cls, data: Any) -> Any:
        """Validate ``data`` (a mapping, or a record of this class) with the mirror; the record.
        Raises pydantic's ``ValidationError``."""
        if type(data) is cls:
            return data
        if isinstance(data, Record):
            data = data.model_dump()
        return from_mirror(mirror(cls).model_validate(data))

    @classmethod
    def model_validate_json(cls, text: str | bytes) -> Any:
        """Validate JSON text with the mirror; the record. Raises pydantic's ``ValidationError``."""
        return from_mirror(mirror(cls).model_validate_json(text))

    @classmethod
    def model_json_schema(cls, **options: Any) -> dict[str, Any]:
        """The mirror's JSON schema (pydantic's ``model_json_schema``, same options)."""
        return mirror(cls).model_json_schema(**options)

    model_fields = _ClassProperty(lambda cls: built(cls).model_fields)  # pydantic's FieldInfo of each field

    @classmethod
    def __get_pydantic_core_schema__(cls, source: Any, handler: Any) -> Any:
        """A record inside a pydantic model: validated by the mirror, serialised as its dump."""
        from pydantic_core import core_schema

        inner = handler.generate_schema(mirror(cls))
        return core_schema.no_info_before_validator_function(
            lambda value: value.model_dump() if isinstance(value, Record) else value,
            core_schema.no_info_after_validator_function(from_mirror, inner),
            serialization=core_schema.plain_serializer_function_ser_schema(
                lambda value, info: value.model_dump(mode=info.mode) if isinstance(value, Record) else value,
                info_arg=True),
        )


def _nested(cls: type[Record]) -> tuple[tuple[str, bool, type], ...]:
    """The fields of ``cls`` that hold a record (False) or a list of records (True), and its class:
    read from the annotations once, the first time a record of ``cls`` is made."""
    import re

    found: list[tuple[str, bool, type]] = []
    for klass in reversed(cls.__mro__):
        if not (isinstance(klass, type) and issubclass(klass, Record)) or klass is Record:
            continue
        names = vars(sys.modules[klass.__module__])
        for name, annotation in klass.__dict__.get("__annotations__", {}).items():
            if name not in cls.__record_fields__ or not isinstance(annotation, str):
                continue
            text = annotation.replace(" ", "")
            many = text.startswith("list[") and text.endswith("]")
            inner = text[5:-1] if many else text
            choices = [part for part in inner.split("|") if part != "None"]
            if len(choices) != 1 or not re.fullmatch(r"[A-Za-z_][A-Za-z0-9_]*", choices[0]):
                continue
            target = names.get(choices[0])
            if isinstance(target, type) and issubclass(target, Record):
                found = [entry for entry in found if entry[0] != name]
                found.append((name, many, target))
    result = tuple(found)
    type.__setattr__(cls, "__record_nested__", result)
    return result


def field_names(cls: type[Record]) -> tuple[str, ...]:
    """The fields of a record class, in order (no pydantic needed)."""
    return cls.__record_fields__


def to_data(value: Any, json: bool = False, exclude_none: bool = False) -> Any:
    """``value`` with every record in it as a dict (``Record.model_dump``'s walk); with
    ``exclude_none`` a record's fields that are None are left out."""
    if isinstance(value, (str, int, float, bool)) or value is None:
        return value
    if isinstance(value, Record):
        state = value.__dict__
        return {name: to_data(state[name], json, exclude_none) for name in value.__record_fields__
                if not (exclude_none and state[name] is None)}
    if isinstance(value, list):
        return [to_data(item, json, exclude_none) for item in value]
    if isinstance(value, dict):
        return {key: to_data(item, json, exclude_none) for key, item in value.items()}
    if isinstance(value, tuple):
        items = (to_data(item, json, exclude_none) for item in value)
        return list(items) if json else tuple(items)
    if json:
        if isinstance(value, (set, frozenset)):
            return [to_data(item, json, exclude_none) for item in value]
        if isinstance(value, Decimal):
            return str(value)
        if isinstance(value, (dt.date, dt.datetime, dt.time)):
            return value.isoformat()
    return value


def _hashable(value: Any) -> Any:
    if isinstance(value, list):
        return tuple(_hashable(item) for item in value)
    if isinstance(value, dict):
        return tuple((key, _hashable(item)) for key, item in value.items())
    return value


# --- the mirror: a pydantic model per record class, made when validation is first asked for -------

_MIRRORS: dict[type, Any] = {}
_RECORDS: dict[type, type] = {}  # mirror -> record
_MODULES: dict[str, Any] = {}  # record module -> the namespace module its mirrors resolve names in


def mirror(cls: type[Record]) -> Any:
    """The pydantic model that validates ``cls``: same name, fields, annotations (resolved in
    ``cls``'s module, with its records standing for their mirrors), defaults, docstring,
    config and validators; its methods are the record's, so that validators may call them."""
    found = _MIRRORS.get(cls)
    if found is not None:
        return found
    from pydantic import BaseModel, ConfigDict, Field, field_validator, model_validator

    namespace_module = _namespace(cls.__module__)
    found = _MIRRORS.get(cls)  # made on the way, with the rest of its module's records
    if found is not None:
        return found
    parent = next((base for base in cls.__bases__ if issubclass(base, Record) and base is not Record), None)
    bases = (mirror(parent),) if parent is not None else (BaseModel,)
    own = {name: annotation for name, annotation in cls.__dict__.get("__annotations__", {}).items()
           if name in cls.__record_fields__}
    body: dict[str, Any] = {
        "__module__": namespace_module.__name__,
        "__qualname__": cls.__qualname__,
        "__doc__": cls.__doc__,
        "__annotations__": own,
        "model_config": ConfigDict(defer_build=True, **cls.__record_config__),
    }
    for name in own:
        if name in cls.__record_defaults__:
            default = cls.__record_defaults__[name]
            body[name] = Field(default_factory=default.make) if type(default) is Factory else default
    for klass in reversed(cls.__mro__):
        if klass is Record or not issubclass(klass, Record) or (klass is not cls and klass in _MIRRORS):
            continue
        for attr, value in klass.__dict__.items():
            if attr.startswith("__") or attr in own or attr in ("model_config",):
                continue
            fn = value.__func__ if isinstance(value, (classmethod, staticmethod)) else value
            kind = getattr(fn, "__record_validator__", None)
            if kind is None:
                if klass is cls and (callable(value) or hasattr(value, "__get__")):
                    body[attr] = value  # the record's own methods and properties
                continue
            if klass is not cls:
                continue  # inherited from a mirrored base: the base mirror has it
            how, fields = kind
            if how == "before":
                body[attr] = field_validator(*fields, mode="before")(classmethod(fn))
            elif how == "prepare":
                body[attr] = model_validator(mode="before")(classmethod(fn))
            else:
                body[attr] = model_validator(mode="after")(fn)
    made = type(cls.__name__, bases, body)
    _MIRRORS[cls] = made
    _RECORDS[made] = cls
    setattr(namespace_module, f"__mirror_{cls.__name__}", made)
    return made


def built(cls: type[Record]) -> Any:
    """``mirror(cls)`` with its annotations resolved (``model_fields`` then holds the real types
    and validators, not the names an annotation gives)."""
    made = mirror(cls)
    if not made.__pydantic_complete__:
        made.model_rebuild()
    return made


def _namespace(module_name: str) -> Any:
    """A module whose names are ``module_name``'s, with each record class replaced by its mirror
    (made on first use), each ``Alias`` evaluated, and pydantic's and typing's names added:
    where the mirrors' annotation texts are resolved."""
    found = _MODULES.get(module_name)
    if found is not None:
        return found
    import types
    import typing

    import pydantic

    source = sys.modules[module_name]
    namespace = types.ModuleType(f"advisor._mirrors.{module_name}")
    names = namespace.__dict__
    # The aliases are left out until every mirror is made (they name the mirrors): an annotation
    # using one is resolved when the mirror is first built.
    names.update((name, value) for name, value in vars(source).items()
                 if not name.startswith("__") and not isinstance(value, Alias))
    for name in _TYPING_NAMES:
        names.setdefault(name, getattr(typing, name))
    for name in PYDANTIC_NAMES:
        names.setdefault(name, getattr(pydantic, name))
    sys.modules[namespace.__name__] = namespace
    _MODULES[module_name] = namespace
    records = [(name, value) for name, value in vars(source).items()
               if isinstance(value, type) and issubclass(value, Record) and value is not Record]
    for name, value in records:
        names[name] = mirror(value)
    for name, value in vars(source).items():
        if isinstance(value, Alias):
            names[name] = eval(str(value), names)  # noqa: S307 - the module's own text
    return namespace


def from_mirror(value: Any) -> Any:
    """A mirror's validated instance (and everything in it) as records."""
    record = _RECORDS.get(type(value))
    if record is not None:
        new = object.__new__(record)
        state = new.__dict__
        source = value.__dict__
        for name in record.__record_fields__:
            state[name] = from_mirror(source[name])
        return new
    if isinstance(value, list):
        return [from_mirror(item) for item in value]
    if isinstance(value, dict):
        return {key: from_mirror(item) for key, item in value.items()}
    if isinstance(value, tuple):
        return tuple(from_mirror(item) for item in value)
    return value
