"""The one place advisor reads the system clock.

Everything that defaults to "today" (the date the compliance checklist is evaluated for, the
date printed on a memo) asks ``today()`` here, so a test can fix the day by replacing it.
"""

from __future__ import annotations

import datetime as dt


def today() -> dt.date:
    """Today's date, from the system clock (local time)."""
    return dt.date.today()
