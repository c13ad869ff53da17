"""The wording of ``advisor batch`` in both languages (``text.yaml`` beside this module)."""

from __future__ import annotations

from advisor.ui_text import TextTable

say = TextTable("advisor.batch", "text.yaml")
