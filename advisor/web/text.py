"""What the web pages say, in both languages (``text.yaml`` beside this module)."""

from __future__ import annotations

from advisor.ui_text import TextTable

wt = TextTable("advisor.web", "text.yaml")
