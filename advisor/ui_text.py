"""Interface wording in both languages: YAML tables of ``key: {en: ..., zh: ...}``.

``t`` reads ``ui_text.yaml`` (the wording shared by the output formats); a command with wording
of its own makes its own ``TextTable`` over a YAML file beside its modules. ``package_data``
reads such a file (every data file shipped with the package goes through it).
"""

from __future__ import annotations

import functools
import os
import re
import sys
from typing import Any

# A choice by number in a text: ``{count?one|other}`` is ``one`` when the value ``count`` is 1,
# else ``other``; either may hold placeholders (``{count?this item|these {count} items}``).
# English needs it ("1 month", "2 months"); Chinese has one form.
CHOICE = re.compile(r"\{(\w+)\?((?:[^{}|]|\{\w+\})*)\|((?:[^{}|]|\{\w+\})*)\}")


def fill(text: str, values: dict[str, Any]) -> str:
    """``text`` with its choices by number made and ``values`` filled in (``str.format``)."""
    if "?" in text:
        text = CHOICE.sub(lambda m: m.group(2) if is_one(values[m.group(1)]) else m.group(3), text)
    return text.format(**values)


def is_one(value: object) -> bool:
    """Whether ``value`` (a number, or a number as text) is one."""
    return str(value).strip() == "1"


class TextTable:
    """A bilingual text table, loaded on first use; call it as ``table(key, lang, **values)``."""

    def __init__(self, package: str, filename: str) -> None:
        self.package = package
        self.filename = filename

    @functools.cached_property
    def entries(self) -> dict[str, dict[str, str]]:
        """Every entry of the table."""
        return package_data(self.package, self.filename)

    def __call__(self, key: str, lang: str, **values: object) -> str:
        """The text ``key`` in ``lang``, with ``values`` filled in (and its choices by number,
        ``{count?one|other}``, made)."""
        text = self.entries[key][lang]
        return fill(text, values) if values else text


def package_text(package: str, filename: str) -> str:
    """The text (UTF-8) of the data file ``filename`` shipped beside the modules of ``package``.

    Read from the package's folder, without ``importlib.resources`` (a dozen modules a run need
    not import); through it only for a package that is not a folder (a zip). Raises ``OSError``
    (``FileNotFoundError``) when there is no such file."""
    import importlib

    module = sys.modules.get(package) or importlib.import_module(package)
    where = getattr(module, "__file__", None)
    if where and os.path.isdir(os.path.dirname(where)):
        with open(os.path.join(os.path.dirname(where), filename), encoding="utf-8") as f:
            return f.read()
    from importlib import resources

    return resources.files(package).joinpath(filename).read_text(encoding="utf-8")


_DATA_LAYOUT = 1  # bump when what ``package_data`` keeps changes shape


def package_data(package: str, filename: str) -> Any:
    """The YAML data file ``filename`` shipped beside the modules of ``package``, parsed (PyYAML's
    safe loader: mappings, lists, strings, numbers, dates).

    Parsing builds every mapping and string in Python, a few milliseconds a file on every run;
    so the parsed data is kept in the user's cache folder (``advisor.user_cache``) as
    ``data-<key>.pickle``, the key hashing the file's text with the PyYAML and Python versions:
    an edited file or another PyYAML is parsed afresh. A missing, unreadable or damaged entry
    is parsed again without a word (``ADVISOR_NO_PACK_CACHE=1``: never kept). Raises
    ``OSError`` when there is no such file, PyYAML's ``YAMLError`` when it is not YAML."""
    from advisor import user_cache

    text = package_text(package, filename)
    path = key = None
    if user_cache.enabled():
        import hashlib

        import yaml

        key = hashlib.sha256(f"{_DATA_LAYOUT}\0{yaml.__version__}\0{sys.version}\0".encode()
                             + text.encode("utf-8", "surrogatepass")).hexdigest()[:32]
        path = user_cache.cache_dir() / f"data-{key}.pickle"
        found = user_cache.read(path)
        if type(found) is tuple and len(found) == 2 and found[0] == key:  # another file's copy: not read
            return found[1]
    import yaml

    data = yaml.load(text, Loader=getattr(yaml, "CSafeLoader", yaml.SafeLoader))
    if path is not None:
        user_cache.write(path, (key, data))
    return data


t = TextTable("advisor", "ui_text.yaml")
