"""What ``advisor whatif`` says, in both languages (``whatif_text.yaml``)."""

from __future__ import annotations

from advisor.ui_text import TextTable

wt = TextTable("advisor", "whatif_text.yaml")
