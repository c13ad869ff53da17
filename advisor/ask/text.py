"""What the questionnaire says, in both languages (``messages.yaml``)."""

from __future__ import annotations

from advisor.ui_text import TextTable

msg = TextTable("advisor.ask", "messages.yaml")
