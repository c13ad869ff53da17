"""The one place advisor reads the system clock.

Everything that defaults to "today" (the date the compliance checklist is evaluated for, the
date printed on a memo) asks ``today()`` here, so a test can fix the day by replacing it.
"""

from __future__ import annotations

import datetime as dt


def today() -> dt.date:
    """Today's date, from the system clock (local time)."""
    return dt.date.today()


# The dates advisor works with (a checklist's ``--as-of``, a memo's ``--date``): those every output
# can carry. A Word memo and an XLSX workbook are zip archives, and a zip entry's date runs from
# 1980-01-01 to 2107-12-31; a checklist's upcoming window (12 months later) stays a valid date too.
FIRST_DAY = dt.date(1980, 1, 1)
LAST_DAY = dt.date(2107, 12, 31)


def check_day(day: dt.date, given: object = None) -> dt.date:
    """``day`` when it lies between ``FIRST_DAY`` and ``LAST_DAY``; ``ValueError`` naming the range
    (and ``given``, the text the day was read from, when there is one) otherwise."""
    if not FIRST_DAY <= day <= LAST_DAY:
        raise ValueError(f"'{given if given is not None else day.isoformat()}' is out of range; "
                         f"use a date from {FIRST_DAY.isoformat()} to {LAST_DAY.isoformat()}")
    return day
