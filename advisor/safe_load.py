"""Safe YAML and JSON loading: the one way advisor reads structured text.

Profiles, lists of profiles, questionnaire drafts, rule packs and their cases are all read here,
so they all read the same way:

* **YAML 1.2's core schema, not PyYAML's YAML 1.1.** ``0350`` is the number 350 (never octal
  232; ``0o350`` and ``0x1F`` are octal and hex); only ``true``/``false`` are booleans (``yes``,
  ``no``, ``on``, ``off``, ``y``, ``n`` stay words); ``2024-01-01`` and ``12:30`` stay text (no
  dates, no base-60 numbers); ``null``, ``~`` and nothing are null. This is ``DATA``.
* **Profiles go further** (``TEXT``): every plain scalar but null is the text as written, and
  the profile parser reads numbers and words from it, exactly (``499999.99`` is never a float,
  ``name: 1.50`` stays ``1.50``). JSON numbers in a profile document are likewise their text.
* **Limits.** A key given twice in one mapping is an error naming the key and both lines.
  Aliases may not expand a document by more than ``MAX_EXPANSION`` values (a "billion laughs"
  document is refused at once, before anything is built). Nesting is at most 1,000 levels
  (libyaml's own limit) and is built without recursion; an integer has at most
  ``MAX_INT_DIGITS`` digits. JSON ``NaN`` and ``Infinity`` are refused.

Errors are ``DocumentError`` with the line and column; each caller names its file and turns it
into its own error (``SourceError``, ``RuleLoadError``).
"""

from __future__ import annotations

import json
import math
import re
import unicodedata
from typing import Any, Iterator

import yaml
from yaml.constructor import SafeConstructor
from yaml.nodes import MappingNode, Node, ScalarNode, SequenceNode
from yaml.resolver import BaseResolver

DATA = "data"  # YAML 1.2 core schema: numbers, true/false, null, text
TEXT = "text"  # profiles: every plain scalar but null is text, as written
MAX_EXPANSION = 100_000  # values that aliases may add beyond the document's own (and 10 per own value)
MAX_INT_DIGITS = 100
_MERGE = "tag:yaml.org,2002:merge"


class DocumentError(Exception):
    """YAML or JSON that cannot be read: the reason, and where (1-based line and column)."""

    def __init__(self, reason: str, line: int | None = None, column: int | None = None,
                 hint: str | None = None) -> None:
        super().__init__(reason)
        self.reason, self.line, self.column, self.hint = reason, line, column, hint

    @property
    def where(self) -> str:
        """``line 3, column 7`` (or ``line 3``, or nothing)."""
        if self.line is None:
            return ""
        return f"line {self.line}" + (f", column {self.column}" if self.column else "")

    def __str__(self) -> str:
        return f"{self.where}: {self.reason}" if self.where else self.reason


# --- YAML ------------------------------------------------------------------------------------


class _CoreResolver(BaseResolver):
    """YAML 1.2 core schema resolution (plus ``<<`` merge keys, which people rely on)."""


class _TextResolver(BaseResolver):
    """Profiles: only null (and ``<<``) is resolved; every other plain scalar is text."""


for _resolver in (_CoreResolver, _TextResolver):
    _resolver.add_implicit_resolver("tag:yaml.org,2002:null", re.compile(r"^(?:~|null|Null|NULL|)$"),
                                    ["~", "n", "N", ""])
    _resolver.add_implicit_resolver(_MERGE, re.compile(r"^<<$"), ["<"])
_CoreResolver.add_implicit_resolver("tag:yaml.org,2002:bool", re.compile(r"^(?:true|True|TRUE|false|False|FALSE)$"),
                                    list("tTfF"))
_CoreResolver.add_implicit_resolver("tag:yaml.org,2002:int", re.compile(r"^(?:[-+]?[0-9]+|0o[0-7]+|0x[0-9a-fA-F]+)$"),
                                    list("-+0123456789"))
_CoreResolver.add_implicit_resolver(
    "tag:yaml.org,2002:float",
    re.compile(r"^(?:[-+]?(?:\.[0-9]+|[0-9]+(?:\.[0-9]*)?)(?:[eE][-+]?[0-9]+)?|[-+]?\.(?:inf|Inf|INF)|\.(?:nan|NaN|NAN))$"),
    list("-+0123456789."))


class Written:
    """A value of a YAML type that no advisor document holds, kept as the text written.

    ``!!binary aGlnaA==``, ``!!timestamp 2024-01-01``, ``!!set {high: null}``, ``!!omap`` and
    ``!!pairs`` would build bytes, dates, sets and tuples, which no field takes; a message would
    quote them as Python writes them (``b'high'``). They are built as this instead: ``text`` is
    the value as written in the document (its tag and anchor too, spaces folded, at most
    ``WRITTEN_CHARACTERS``), ``kind`` the tag's name (``binary``). Its ``str`` is ``text`` and its
    ``repr`` is ``text`` quoted as a message quotes text (``'!!binary aGlnaA=='``), so an error
    quotes the value as the user wrote it; every field refuses it.
    """

    __slots__ = ("text", "kind")

    def __init__(self, text: str, kind: str) -> None:
        self.text, self.kind = text, kind

    def __repr__(self) -> str:
        return f"'{self.text}'"

    def __str__(self) -> str:
        return self.text

    def __eq__(self, other: object) -> bool:
        return isinstance(other, Written) and (self.text, self.kind) == (other.text, other.kind)

    def __hash__(self) -> int:
        return hash((Written, self.text, self.kind))


WRITTEN_TAGS = ("binary", "timestamp", "set", "omap", "pairs")  # tag:yaml.org,2002:<name>, built as Written
WRITTEN_CHARACTERS = 200
_LINE_BREAK = re.compile(r"\r\n|[\r\n\x85\u2028\u2029]")  # YAML's line breaks (its marks count lines so)


class _Constructor(SafeConstructor):
    """Safe construction with the checks above; mappings are plain dicts."""

    source_text = ""  # the document, for ``construct_written``

    def construct_written(self, node: Node) -> Written:
        """``node`` (``!!binary ...``) as the text written in the document (see ``Written``)."""
        kind = node.tag.rpartition(":")[2]
        if isinstance(node, ScalarNode):  # a value that does not fit its tag (!!timestamp soon) stays an error
            getattr(SafeConstructor, f"construct_yaml_{kind}")(self, node)
        lines = _LINE_BREAK.split(self.source_text)
        start, end = node.start_mark, node.end_mark
        try:
            if start.line == end.line:
                text = lines[start.line][start.column:end.column]
            else:
                text = "\n".join([lines[start.line][start.column:], *lines[start.line + 1:end.line],
                                  lines[end.line][:end.column]])
        except IndexError:
            text = ""
        text = " ".join(text.split())
        if not text.startswith(("!", "&")):  # not where the marks say: say the tag and the value
            value = node.value if isinstance(node, ScalarNode) else "..."
            text = f"!!{kind} {value}"
        if len(text) > WRITTEN_CHARACTERS:
            text = text[:WRITTEN_CHARACTERS] + "…"
        return Written(text, kind)

    def construct_object(self, node: Node, deep: bool = False) -> Any:
        try:
            return super().construct_object(node, deep=deep)
        except (ValueError, TypeError, KeyError, AttributeError, OverflowError):
            # a value that does not fit its explicit tag: !!int size, !!bool maybe, !!timestamp x
            value = node.value if isinstance(node, ScalarNode) else ""
            raise _node_error(node, f"'{str(value)[:40]}' cannot be read as {node.tag.rpartition(':')[2]}") from None

    def construct_yaml_int(self, node: ScalarNode) -> int:
        text = str(self.construct_scalar(node))
        sign, digits = (-1, text[1:]) if text[:1] == "-" else (1, text.lstrip("+"))
        if digits.startswith("0o"):
            return sign * int(digits[2:], 8)
        if digits.startswith("0x"):
            return sign * int(digits[2:], 16)
        if len(digits.lstrip("0")) > MAX_INT_DIGITS:
            raise _node_error(node, f"a number of {len(digits):,} digits (at most {MAX_INT_DIGITS})")
        return sign * int(digits, 10)  # leading zeros are decimal: 0350 is 350

    def construct_yaml_float(self, node: ScalarNode) -> float:
        text = str(self.construct_scalar(node)).lower()
        if text.endswith((".inf", ".nan")):
            return float(text.replace(".", ""))  # NaN and infinities are kept for the caller to refuse
        return float(text)

    def construct_mapping(self, node: MappingNode, deep: bool = False) -> dict:
        if id(node) not in self.checked_mappings:  # once: merging (<<) rewrites node.value
            self.checked_mappings.add(id(node))
            self._check_keys(node)
        return super().construct_mapping(node, deep=deep)

    def _check_keys(self, node: MappingNode) -> None:
        seen: dict[Any, int] = {}
        for key_node, _ in node.value:
            if key_node.tag == _MERGE:
                continue
            key = self.construct_object(key_node, deep=True) if isinstance(key_node, ScalarNode) else None
            if key is None or not isinstance(key, (str, int, float, bool)):
                continue  # not a plain key: the base class says what is wrong with it
            line = key_node.start_mark.line + 1
            if key in seen:
                raise DocumentError(f"key '{key}' is given twice (lines {seen[key]} and {line}); "
                                    "keep one", line, key_node.start_mark.column + 1)
            seen[key] = line


_Constructor.add_constructor("tag:yaml.org,2002:int", _Constructor.construct_yaml_int)
_Constructor.add_constructor("tag:yaml.org,2002:float", _Constructor.construct_yaml_float)
for _kind in WRITTEN_TAGS:
    _Constructor.add_constructor(f"tag:yaml.org,2002:{_kind}", _Constructor.construct_written)


class _TextConstructor(_Constructor):
    """Profiles (``TEXT``): a number or yes/no written with its tag (``!!int 500``, ``!!bool yes``,
    ``!!float .nan``) is the text after the tag, as the same value without the tag is: the profile
    reads it (``500``, ``yes``) or names it as written (``'.nan'``), never as Python shows it."""

    def construct_tagged_text(self, node: ScalarNode) -> str:
        self.yaml_constructors_of_data[node.tag](self, node)  # a value that does not fit its tag stays an error
        return str(self.construct_scalar(node))


_TextConstructor.yaml_constructors_of_data = dict(_Constructor.yaml_constructors)
for _kind in ("int", "float", "bool"):
    _TextConstructor.add_constructor(f"tag:yaml.org,2002:{_kind}", _TextConstructor.construct_tagged_text)


def _node_error(node: Node, reason: str) -> DocumentError:
    return DocumentError(reason, node.start_mark.line + 1, node.start_mark.column + 1)


try:
    from yaml.cyaml import CParser as _CParser  # libyaml: fast, and composes without Python recursion
except ImportError:  # pragma: no cover - PyYAML built without libyaml
    _CParser = None
_Parser = _CParser if _CParser is not None else type("_PyParser", (yaml.reader.Reader, yaml.scanner.Scanner,
                                                                   yaml.parser.Parser, yaml.composer.Composer), {})


def _loader_class(schema: str) -> type:
    resolver = _TextResolver if schema == TEXT else _CoreResolver
    constructor = _TextConstructor if schema == TEXT else _Constructor

    def init(self: Any, stream: str) -> None:
        if _CParser is not None:
            _CParser.__init__(self, stream)
        else:
            yaml.reader.Reader.__init__(self, stream)
            yaml.scanner.Scanner.__init__(self)
            yaml.parser.Parser.__init__(self)
            yaml.composer.Composer.__init__(self)
        constructor.__init__(self)
        resolver.__init__(self)
        self.source_text = stream
        self.checked_mappings = set()

    return type(f"_{schema.title()}Loader", (_Parser, constructor, resolver), {"__init__": init})


_LOADERS = {DATA: _loader_class(DATA), TEXT: _loader_class(TEXT)}


def load_yaml(text: str, schema: str = DATA) -> Any:
    """The value of the single YAML (or JSON) document ``text``; ``None`` for an empty one.

    Raises ``DocumentError``.
    """
    loader = _LOADERS[schema](text)
    try:
        node = _single_node(loader, text)
        if node is None:
            return None
        _check_aliases(node, text)
        return _construct(loader, node)
    finally:
        loader.dispose()


def yaml_items(text: str, schema: str = TEXT) -> Iterator[tuple[int, Any]]:
    """``(line, value)`` for each item of a YAML document that is a list (or one mapping).

    Each item is built only when it is reached, and keeps the line where it starts. An item that
    cannot be built (a key given twice) is given as its ``DocumentError``, and the next items are
    still read. A document that cannot be parsed, or is a single scalar, raises ``DocumentError``.
    """
    loader = _LOADERS[schema](text)
    try:
        node = _single_node(loader, text)
        if node is None:
            return
        if isinstance(node, SequenceNode):
            items = node.value
        elif isinstance(node, MappingNode):
            items = [node]
        else:
            raise DocumentError("holds a single value, not a profile or a list of profiles")
        _check_aliases(node, text)
        for item in items:
            try:
                value: Any = _construct(loader, item)
            except DocumentError as exc:
                value = exc
                loader.state_generators = []
            yield item.start_mark.line + 1, value
            loader.constructed_objects, loader.recursive_objects = {}, {}  # memory stays per item
    finally:
        loader.dispose()


def _single_node(loader: Any, text: str) -> Node | None:
    try:
        return loader.get_single_node()
    except yaml.YAMLError as exc:
        raise _yaml_error(exc, text) from None


def _construct(loader: Any, node: Node) -> Any:
    """Build ``node`` without recursion (nested values are filled in breadth first)."""
    try:
        data = loader.construct_object(node)
        while loader.state_generators:
            generators, loader.state_generators = loader.state_generators, []
            for generator in generators:
                for _ in generator:
                    pass
        return data
    except yaml.YAMLError as exc:
        raise _yaml_error(exc) from None
    except RecursionError:  # a self-referencing alias used as a key, and the like
        raise _node_error(node, "a value that refers to itself") from None


def _yaml_error(exc: Exception, text: str | None = None) -> DocumentError:
    mark = getattr(exc, "problem_mark", None) or getattr(exc, "context_mark", None)
    reason = getattr(exc, "problem", None) or str(exc)
    if "nesting depth" in reason:
        reason = "nested more than 1,000 levels deep"
    if mark is None:
        return DocumentError(reason, None, None)
    line, column = mark.line + 1, mark.column + 1
    if text is not None and not text.endswith(("\n", "\r")):
        # The end of a text without a final line break: libyaml places it on the line after the
        # last; it is just after the last character of the last line.
        lines = re.split(r"\r\n|[\r\n]", text)
        if line > len(lines):
            line, column = len(lines), len(lines[-1]) + 1
    return DocumentError(reason, line, column)


def _check_aliases(root: Node, text: str) -> None:
    """Refuse a document whose aliases would expand it past the limit, or make a value contain
    itself (``a: &x [*x]``), before building anything."""
    if "*" not in text or "&" not in text:
        return  # no anchor or no alias: every node appears once
    size: dict[int, int] = {}  # id(node) -> values it expands to
    own = 0
    stack: list[tuple[Node, bool]] = [(root, False)]
    while stack:
        node, done = stack.pop()
        key = id(node)
        if key in size and not done:
            continue
        children = _children(node)
        if not done:
            own += 1
            size[key] = 0  # in progress: on the path from the root to this node, or this node
            if any(size.get(id(child)) == 0 for child in children):  # the node itself or an ancestor
                raise DocumentError("a value contains itself: an alias (*name) inside the value its anchor "
                                    "(&name) names; data cannot refer to itself", node.start_mark.line + 1)
            stack.append((node, True))
            stack.extend((child, False) for child in children if id(child) not in size)
            continue
        size[key] = 1 + sum(size.get(id(child), 0) for child in children)
    limit = MAX_EXPANSION + 10 * own
    if size[id(root)] > limit:
        raise DocumentError(f"aliases (*name) expand this document to {size[id(root)]:,} values; "
                            f"at most {limit:,} are allowed", root.start_mark.line + 1)


def _children(node: Node) -> list[Node]:
    if isinstance(node, SequenceNode):
        return node.value
    if isinstance(node, MappingNode):
        return [n for pair in node.value for n in pair]
    return []


def non_finite(data: Any) -> Iterator[tuple[tuple[Any, ...], float]]:
    """``(path, value)`` of every NaN or infinite number in ``data`` (for loaders to refuse them)."""
    stack: list[tuple[tuple[Any, ...], Any]] = [((), data)]
    while stack:
        path, value = stack.pop()
        if isinstance(value, float) and not math.isfinite(value):
            yield path, value
        elif isinstance(value, dict):
            stack.extend(((*path, k), v) for k, v in reversed(list(value.items())))
        elif isinstance(value, list):
            stack.extend(((*path, i), v) for i, v in reversed(list(enumerate(value))))


def too_large(data: Any, limit: float) -> Iterator[tuple[tuple[Any, ...], int | float]]:
    """``(path, value)`` of every finite number in ``data`` larger than ``limit`` in size (for
    loaders to refuse them: a number no meaning needs, and that sums or products would overflow)."""
    stack: list[tuple[tuple[Any, ...], Any]] = [((), data)]
    while stack:
        path, value = stack.pop()
        if isinstance(value, (int, float)) and not isinstance(value, bool):
            if math.isfinite(value) and abs(value) > limit:
                yield path, value
        elif isinstance(value, dict):
            stack.extend(((*path, k), v) for k, v in reversed(list(value.items())))
        elif isinstance(value, list):
            stack.extend(((*path, i), v) for i, v in reversed(list(enumerate(value))))


# --- JSON ------------------------------------------------------------------------------------


class _Duplicate(Exception):
    def __init__(self, key: str) -> None:
        super().__init__(key)
        self.key = key


def _pairs(pairs: list[tuple[str, Any]]) -> dict[str, Any]:
    out: dict[str, Any] = {}
    for key, value in pairs:
        if key in out:
            raise _Duplicate(key)
        out[key] = value
    return out


class _Constant(Exception):
    pass


def _no_constant(name: str) -> Any:
    raise _Constant(name)


_DECODER = json.JSONDecoder(object_pairs_hook=_pairs, parse_int=str, parse_float=str, parse_constant=_no_constant)


def json_value(text: str, pos: int = 0) -> tuple[Any, int]:
    """The JSON value starting at ``pos`` of ``text`` and the index after it (``raw_decode``).

    Numbers are kept as their text (``"499999.99"``), exactly as written; a key given twice in an
    object, ``NaN`` and ``Infinity`` are errors. Raises ``DocumentError``, or ``ValueError`` for
    text that is not JSON at all (the caller may try YAML).
    """
    try:
        return _DECODER.raw_decode(text, pos)
    except _Duplicate as dup:
        raise DocumentError(f"key '{dup.key}' is given twice{_key_lines(text, pos, dup.key)}; keep one",
                            *_line_column(text, pos)) from None
    except _Constant as constant:
        raise DocumentError(f"{constant} is not a number; JSON has no NaN or infinity",
                            *_line_column(text, pos)) from None
    except RecursionError:
        raise DocumentError("nested too deeply", *_line_column(text, pos)) from None


def _key_lines(text: str, pos: int, key: str) -> str:
    pattern = re.compile(re.escape(json.dumps(key, ensure_ascii=False)) + r"\s*:")
    places = [_line_column(text, m.start()) for m in pattern.finditer(text, pos)][:2]
    if len(places) < 2:
        return ""
    (line1, column1), (line2, column2) = places
    return f" (lines {line1} and {line2})" if line1 != line2 else f" (columns {column1} and {column2})"


def _line_column(text: str, pos: int) -> tuple[int, int]:
    return text.count("\n", 0, pos) + 1, pos - (text.rfind("\n", 0, pos) + 1) + 1


# --- colons ----------------------------------------------------------------------------------

_KEY_LINE = re.compile(r"^(?P<lead>\s*(?:-\s+)?)(?P<key>[^\s:：#\"'\[\]{}][^:：]*?)\s*(?P<colon>[:：])(?P<rest>.*)$")


def colon_hints(text: str, keys: Any = None, limit: int = 5) -> list[str]:
    """Lines that look like ``key：value`` (a full-width colon) or ``key:value`` (no space).

    YAML reads neither as a key and a value. Each hint is two lines: the line as written, and a
    caret under the colon with what to write instead. ``keys`` (a container of folded names):
    for a missing space, only keys it holds are pointed at (``http://…`` is not a key).
    """
    from advisor.vocabulary import fold  # as the keys were folded: ｎａｍｅ is name

    hints: list[str] = []
    for number, line in enumerate(text.splitlines(), start=1):
        stripped = line.strip()
        if not stripped or stripped.startswith("#") or ("：" not in line and ":" not in line):
            continue
        match = _KEY_LINE.match(line)
        if not match:
            continue
        key, colon, rest = match["key"].strip(), match["colon"], match["rest"]
        if colon == "：":
            what = "a full-width colon '：'"
        elif rest and not rest[0].isspace() and (keys is None or fold(key) in keys):
            what = "no space after ':'"
        else:
            continue
        value = rest.strip()
        fixed = f"{match['lead']}{key}: {value}".strip()
        column = _width(line[: match.start("colon")])
        hints.append(f"line {number}: {line.rstrip()}\n" + " " * (len(f"line {number}: ") + column)
                     + f"^ {what}: write '{fixed}'")
        if len(hints) >= limit:
            break
    return hints


def colon_hint(text: str, keys: Any = None) -> str | None:
    """``colon_hints`` as the hint of an error message (None when no line looks like that)."""
    hints = colon_hints(text, keys)
    if not hints:
        return None
    return ("write each field as 'field: value', with an ASCII colon and a space:\n"
            + "\n".join("    " + h.replace("\n", "\n    ") for h in hints))


def _width(text: str) -> int:
    """Terminal columns of ``text`` (wide East Asian characters take two)."""
    return sum(2 if unicodedata.east_asian_width(ch) in "WF" else 1 for ch in text)
