"""Interface wording in both languages: YAML tables of ``key: {en: ..., zh: ...}``.

``t`` reads ``ui_text.yaml`` (the wording shared by the output formats); a command with wording
of its own makes its own ``TextTable`` over a YAML file beside its modules.
"""

from __future__ import annotations

import functools
from importlib import resources


class TextTable:
    """A bilingual text table, loaded on first use; call it as ``table(key, lang, **values)``."""

    def __init__(self, package: str, filename: str) -> None:
        self.package = package
        self.filename = filename

    @functools.cached_property
    def entries(self) -> dict[str, dict[str, str]]:
        """Every entry of the table."""
        import yaml

        text = resources.files(self.package).joinpath(self.filename).read_text(encoding="utf-8")
        return yaml.load(text, Loader=getattr(yaml, "CSafeLoader", yaml.SafeLoader))

    def __call__(self, key: str, lang: str, **values: object) -> str:
        """The text ``key`` in ``lang``, with ``values`` filled in."""
        text = self.entries[key][lang]
        return text.format(**values) if values else text


t = TextTable("advisor", "ui_text.yaml")
