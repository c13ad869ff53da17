"""Interface wording in both languages: YAML tables of ``key: {en: ..., zh: ...}``.

``t`` reads ``ui_text.yaml`` (the wording shared by the output formats); a command with wording
of its own makes its own ``TextTable`` over a YAML file beside its modules.
"""

from __future__ import annotations

import functools
import os
import sys


class TextTable:
    """A bilingual text table, loaded on first use; call it as ``table(key, lang, **values)``."""

    def __init__(self, package: str, filename: str) -> None:
        self.package = package
        self.filename = filename

    @functools.cached_property
    def entries(self) -> dict[str, dict[str, str]]:
        """Every entry of the table."""
        import yaml

        text = package_text(self.package, self.filename)
        return yaml.load(text, Loader=getattr(yaml, "CSafeLoader", yaml.SafeLoader))

    def __call__(self, key: str, lang: str, **values: object) -> str:
        """The text ``key`` in ``lang``, with ``values`` filled in."""
        text = self.entries[key][lang]
        return text.format(**values) if values else text


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


t = TextTable("advisor", "ui_text.yaml")
