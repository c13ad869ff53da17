"""Error messages in the reader's language.

The library raises its errors in English (``AdvisorError``: the file, record, field, value and
what is allowed). ``translate(message, "zh")`` rewrites such a message in Chinese through the
templates of ``messages.yaml``: each template is an English message with ``{placeholders}``
and its Chinese form; a message that matches a template whole is rewritten, its placeholders
carried over as they are (file names, values, ids) or, for ``{name*}``, translated in turn (a
reason inside a message). Templates are tried in order, so the specific ones come before the
general ones (``{where}: {message*}``). A message with several lines is translated line by
line, keeping its indentation and list marks. What no template matches stays in English.

``frame(key, lang, **values)`` gives the words the CLI puts around a message (``advisor:
error:``, ``hint:``, ``record 3``), from the same file.
"""

from __future__ import annotations

import functools
import re
from typing import Any, NamedTuple

from advisor.ui_text import package_data

_PLACEHOLDER = re.compile(r"\{([a-z_]+)(\*?)\}")
_NUMBERS = frozenset({"line", "col", "byte", "record", "row", "count", "number"})  # placeholders that only ever hold a number
# Placeholders for one file name or value: never a location and a message ("a.yaml: rule X: …"),
# so "{name}: rule {id}: …" leaves "a.yaml: line 4: rule X: …" to the forms with a {where}.
_PARTS = frozenset({"name", "path", "value", "constant", "item"})
_ONE_PART = r"(?:'[^'\n]*'|(?!: ).)*?"
_SUGGEST = r"(?: \(did you mean .*?\?\))?"  # a suggestion, or none
_BULLET = re.compile(r"^(\s*(?:- )?)(.*?)(\s*)$", re.S)


class Template(NamedTuple):
    """One message: the English form as a pattern, the Chinese form, the placeholders to translate."""

    pattern: re.Pattern[str]
    zh: str
    nested: frozenset[str]


@functools.cache
def _data() -> dict[str, Any]:
    return package_data("advisor", "messages.yaml")


def compile_template(en: str) -> tuple[re.Pattern[str], frozenset[str]]:
    """The pattern matching messages of the English template ``en``, and its nested placeholders."""
    regex, seen, nested = [], set(), set()
    pos = 0
    for match in _PLACEHOLDER.finditer(en):
        regex.append(re.escape(en[pos:match.start()]))
        name, star = match.group(1), match.group(2)
        value = (r"\d[\d,]*" if name in _NUMBERS  # "line 2, column 69: key…" is not col "69: key…"
                 else _ONE_PART if name in _PARTS else _SUGGEST if name == "suggest"
                 else r"(?: line \d[\d,]*:)?" if name == "line_at"  # a template's line, or nothing
                 else r"[^\s:]+" if name == "id" else ".+?")  # an id: one word
        regex.append(f"(?P={name})" if name in seen else f"(?P<{name}>{value})")
        seen.add(name)
        if star:
            nested.add(name)
        pos = match.end()
    regex.append(re.escape(en[pos:]))
    return re.compile("".join(regex), re.S), frozenset(nested)


@functools.cache
def templates() -> tuple[Template, ...]:
    """Every message template, in the order they are tried."""
    out = []
    for entry in _data()["messages"]:
        pattern, nested = compile_template(entry["en"])
        nested |= {m.group(1) for m in _PLACEHOLDER.finditer(entry["zh"]) if m.group(2)}  # marked on either side
        out.append(Template(pattern, _PLACEHOLDER.sub(r"{\1}", entry["zh"]), frozenset(nested)))
    return tuple(out)


def frame(key: str, lang: str, **values: object) -> str:
    """The CLI's words around messages (``error``, ``hint``, ``record``…) in ``lang``."""
    text = _data()["frame"][key][lang]
    return fill(text, values) if values else text


def fill(template: str, values: dict[str, object]) -> str:
    """``template`` with each ``{name}`` replaced by ``values[name]``; any other brace, in the
    template or in a value, is kept as it is (a message may quote ``{`` or ``}``).

    Raises ``KeyError`` for a placeholder with no value."""
    return _PLACEHOLDER.sub(lambda m: str(values[m.group(1)]), template)


def translate(message: str, lang: str) -> str:
    """``message`` (English, as raised) in ``lang``: rewritten by the first template it matches
    whole; line by line when it has several; unchanged when ``lang`` is ``en`` or no template
    matches."""
    if lang == "en" or not message:
        return message
    try:
        text = _translate(str(message)).replace(frame("stdin", "en"), frame("stdin", lang))
        text = text.replace(frame("standard_output", "en"), frame("standard_output", lang))
        # How errors.shown describes a value it cuts, wherever a message quotes one.
        return _SHOWN_WORDS.sub(lambda m: frame(_SHOWN_KEYS[m.lastgroup], lang, n=m.group(m.lastgroup)), text)
    except Exception:  # a broken translation never hides the message: it is said in English
        return str(message)


# The words ``errors.shown`` puts after a value it cuts or describes, as frame keys.
_SHOWN_WORDS = re.compile(r" \((?P<characters>[\d,]+) characters\)|a number of over (?P<digits_over>[\d,]+) digits"
                          r"|a number of (?P<digits>[\d,]+) digits")
_SHOWN_KEYS = {"characters": "shown_characters", "digits_over": "shown_digits_over", "digits": "shown_digits"}


@functools.lru_cache(maxsize=8192)
def _translate(message: str) -> str:
    if "\n" in message:
        lines = message.split("\n")
        out: list[str] = []
        shift = 0
        for n, line in enumerate(lines):
            following = lines[n + 1].lstrip() if n + 1 < len(lines) else ""
            if following.startswith("^"):  # a quoted line with a caret under it: the user's own text
                line, shift = _quoted(line)
            elif line.lstrip().startswith("^") and shift:
                line = " " * max(len(line) - len(line.lstrip()) + shift, 0) + _translate(line.lstrip())
                shift = 0
            else:
                line = _translate(line)
            out.append(line)
        return "\n".join(out)
    lead, body, tail = _BULLET.match(message).groups()
    if not body:
        return message
    return lead + _line(body) + tail


_QUOTED = re.compile(r"^(\s*)line (\d+): (.*)$", re.S)


def _quoted(line: str) -> tuple[str, int]:
    """A quoted line of the user's file (``line 2: sector：x``): its location in Chinese, and
    how many columns wider that made it (the caret line below moves as much)."""
    from advisor.formats.lines import width

    match = _QUOTED.match(line)
    if not match:
        return line, 0
    indent, number, text = match.groups()
    before, after = f"line {number}: ", frame("line", "zh", line=number) + "："
    return f"{indent}{after}{text}", width(after) - width(before)


def _line(text: str) -> str:
    for template in templates():
        match = template.pattern.fullmatch(text)
        if match is None:
            continue
        values = {name: (_line(value) if name in template.nested and value else value)
                  for name, value in match.groupdict().items()}
        return fill(template.zh, values)
    return text
