"""YAML: the same data as JSON, in the order of the contract."""

from __future__ import annotations

import functools

from advisor.formats.json import to_dict
from advisor.recommendation import Recommendation


def render(rec: Recommendation, encoding: str | None = None) -> str:
    """Block-style YAML with Chinese kept readable.

    A text holding a control or bidirectional character (U+202E would reorder the terminal's
    line), or a character ``encoding`` (the console's; ``None``: UTF-8) cannot write, is written
    as a double-quoted scalar with escapes (``"\\u202E"``, ``"\\U0001F600"``): the same
    value to any YAML reader, never raw control characters nor ``?``."""
    import yaml

    return yaml.dump(to_dict(rec), Dumper=_dumper(encoding), allow_unicode=True, sort_keys=False, width=100)


@functools.cache
def _dumper(encoding: str | None) -> type:
    import yaml

    from advisor.formats.escape import unsafe_in

    class Dumper(yaml.SafeDumper):
        def analyze_scalar(self, scalar):  # noqa: ANN001, ANN202 (PyYAML's signature)
            analysis = super().analyze_scalar(scalar)
            if unsafe_in(scalar, encoding):  # only a double-quoted scalar can hold escapes
                analysis.allow_flow_plain = analysis.allow_block_plain = False
                analysis.allow_single_quoted = analysis.allow_block = False
            return analysis

        def write_double_quoted(self, text, split=True):  # noqa: ANN001, ANN202
            if not unsafe_in(text, encoding):
                return super().write_double_quoted(text, split)
            self.allow_unicode = False  # every character beyond ASCII as an escape, in this scalar
            try:
                return super().write_double_quoted(text, split)
            finally:
                self.allow_unicode = True

    return Dumper
