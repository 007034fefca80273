"""Working days and hours in the council's time zone: when reminders may go, and when a campaign closes.

A working day is Monday to Friday and not a public holiday in England (the ``holidays``
package's calendar for England, which includes substitute days). Reminders are only sent inside
working hours; one due outside them moves to the start of the next working day.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

import holidays


@dataclass(frozen=True)
class WorkingCalendar:
    """Working hours (``opens`` to ``closes``) on working days in ``zone``."""

    zone: ZoneInfo
    opens: time = time(9, 0)
    closes: time = time(17, 0)
    _holidays: holidays.HolidayBase = field(
        default_factory=lambda: holidays.country_holidays("GB", subdiv="ENG"), repr=False
    )

    def is_working_day(self, day: date) -> bool:
        """Monday to Friday and not a public holiday in England."""
        return day.weekday() < 5 and day not in self._holidays

    def holiday(self, day: date) -> str | None:
        """The public holiday's name on ``day``, if it is one."""
        return self._holidays.get(day)

    def next_working_day(self, day: date) -> date:
        """``day`` itself if it is a working day, else the next one."""
        while not self.is_working_day(day):
            day += timedelta(days=1)
        return day

    def morning(self, day: date) -> datetime:
        """When working hours start on ``day`` (UTC)."""
        return datetime.combine(day, self.opens, self.zone).astimezone(UTC)

    def evening(self, day: date) -> datetime:
        """When working hours end on ``day`` (UTC)."""
        return datetime.combine(day, self.closes, self.zone).astimezone(UTC)

    def working_time(self, moment: datetime) -> datetime:
        """``moment`` if it is in working hours on a working day, else the next working morning."""
        local = moment.astimezone(self.zone)
        day = local.date()
        if self.is_working_day(day) and self.opens <= local.time() < self.closes:
            return moment
        if self.is_working_day(day) and local.time() < self.opens:
            return self.morning(day)
        return self.morning(self.next_working_day(day + timedelta(days=1)))

    def reminder_times(self, launched: datetime, days: tuple[int, ...]) -> list[datetime]:
        """The reminders' times: the morning of each given day after launch, on a working day.

        A day that is not a working day moves to the next one; two that land on the same day
        become one reminder.
        """
        start = launched.astimezone(self.zone).date()
        found: list[datetime] = []
        for n in sorted(set(days)):
            at = self.morning(self.next_working_day(start + timedelta(days=n)))
            if at not in found:
                found.append(at)
        return found
