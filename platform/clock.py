"""South African time: municipal dates (assignments, reporting periods) are SAST dates."""

from __future__ import annotations

from datetime import date, datetime
from zoneinfo import ZoneInfo

SAST = ZoneInfo("Africa/Johannesburg")


def today_sast() -> date:
    return datetime.now(SAST).date()
