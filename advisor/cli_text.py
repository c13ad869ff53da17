"""The command line in the interface language: click's own words, and the help of every command.

click writes its words (``Usage:``, ``Options``, ``Missing argument 'PROFILE'.``, ``Invalid value
for '--format'``…) through the standard library's ``gettext``, each module of it calling the
``_`` and ``ngettext`` it imported. ``install`` hands those names advisor's translation, which
looks the English text up in ``cli_text.yaml`` when the interface language is Chinese (and
gives it back unchanged otherwise). ``localize`` puts each command's and option's Chinese help
(from the same file) in place of the English one for a Chinese interface, and back.
"""

from __future__ import annotations

import functools
from typing import Any

import click

from advisor.console import interface_lang
from advisor.ui_text import package_data

# click's modules that write words, each with its own ``_`` (and ``ngettext``) from gettext.
_CLICK_MODULES = ("core", "exceptions", "types", "decorators", "formatting", "parser", "termui", "utils")


@functools.cache
def _data() -> dict[str, Any]:
    return package_data("advisor", "cli_text.yaml")


class _Template(str):
    """A Chinese template of click's whose ``{number_type}`` (click's English name of a type,
    ``float range``) is put in Chinese too when click fills it (``types`` in cli_text.yaml)."""

    def format(self, *args: Any, **values: Any) -> str:
        if "number_type" in values:
            values["number_type"] = _data()["types"].get(values["number_type"], values["number_type"])
        return str.format(self, *args, **values)


def click_text(message: str) -> str:
    """click's ``message`` in the interface language."""
    if interface_lang() == "zh":
        found = _data()["click"].get(message, message)
        return _Template(found) if "{number_type}" in found else found
    return message


def click_ntext(singular: str, plural: str, n: int) -> str:
    """click's singular or plural ``message`` in the interface language (Chinese has one form)."""
    if interface_lang() == "zh":
        found = _data()["click"].get(singular if n == 1 else plural) or _data()["click"].get(singular)
        if found:
            return found
    return singular if n == 1 else plural


def _display_len(text: str) -> int:
    """Columns ``text`` takes (ANSI escapes take none, a Chinese character two)."""
    import re

    from advisor.formats.lines import width

    return width(re.sub(r"\x1b\[[0-9;]*m", "", text))


def _wrap_help(text: str, width: int = 78, initial_indent: str = "", subsequent_indent: str = "",
               preserve_paragraphs: bool = False) -> str:
    """click's ``wrap_text`` for help with Chinese in it: lines broken by Unicode's rules and
    measured in terminal columns (click counts characters); ASCII help goes to click's own."""
    from advisor.formats.lines import wrap

    if text.isascii():
        return _CLICK_WRAP(text, width, initial_indent, subsequent_indent, preserve_paragraphs)
    blocks = [b for b in text.split("\n\n")] if preserve_paragraphs else [text]
    out = []
    for block in blocks:
        if block.lstrip(" \n").startswith("\b"):  # click's mark: keep the lines as written
            out.append("\n".join(initial_indent + line for line in block.split("\n")[1:]))
            continue
        joined = "".join(line.strip() for line in block.split("\n")) if not block.isascii() else " ".join(block.split())
        lines = wrap(joined, max(width - _display_len(initial_indent), 10))
        out.append("\n".join((initial_indent if n == 0 else subsequent_indent) + line for n, line in enumerate(lines)))
    return "\n\n".join(out)


_CLICK_WRAP = None


def install() -> None:
    """Let click's words go through ``click_text``, and its help be wrapped and measured in
    terminal columns (idempotent)."""
    import importlib

    import click.formatting

    global _CLICK_WRAP
    if _CLICK_WRAP is None:
        _CLICK_WRAP = click.formatting.wrap_text
        click.formatting.wrap_text = _wrap_help
        click.formatting.term_len = _display_len

    for name in _CLICK_MODULES:
        try:
            module = importlib.import_module(f"click.{name}")
        except ImportError:  # pragma: no cover - a click without this module
            continue
        if getattr(module, "_", None) is not None:
            module._ = click_text  # type: ignore[attr-defined]
        if getattr(module, "ngettext", None) is not None:
            module.ngettext = click_ntext  # type: ignore[attr-defined]


def help_table() -> dict[str, Any]:
    """The Chinese help of the commands: ``{path: {help, short_help, options: {name: text}}}``.
    A line ``\\b`` in the file is click's mark for a paragraph kept as written."""
    commands = _data()["commands"]
    for entry in commands.values():
        if isinstance(entry.get("help"), str):
            entry["help"] = entry["help"].replace("\\b\n", "\b\n")
    return commands


def _walk(command: click.Command, path: str):
    yield path, command
    if isinstance(command, click.Group):
        for name, sub in command.commands.items():
            yield from _walk(sub, f"{path} {name}" if path != "advisor" else name)


def localize(group: click.Group, lang: str) -> None:
    """Put the help of every command and option of ``group`` in ``lang``; the English help is
    the commands' own, kept aside the first time."""
    table = help_table()
    shared = (table.get("*") or {}).get("options") or {}
    for path, command in _walk(group, "advisor"):
        english = command.__dict__.setdefault("_advisor_en", {"help": command.help, "short_help": command.short_help})
        entry = table.get(path) or {}
        if lang == "zh" and entry.get("help"):
            command.help = entry["help"]
            command.short_help = entry.get("short_help") or command.short_help
        else:
            command.help, command.short_help = english["help"], english["short_help"]
        options = entry.get("options") or {}
        for param in command.params:
            if not isinstance(param, click.Option):
                continue
            kept = param.__dict__.setdefault("_advisor_en", param.help)
            text = options.get(param.name) or shared.get(param.name) or _data()["click"].get(kept or "")
            param.help = text if lang == "zh" and text else kept
