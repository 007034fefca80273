"""Working days (weekends and England's public holidays), reminder times, and reading `campaign ...`."""

from __future__ import annotations

from datetime import UTC, date, datetime
from zoneinfo import ZoneInfo

import pytest

from bot.campaigns.calendar import WorkingCalendar
from bot.settings import SettingsError, load_settings
from dialogs.campaign_request import Audience, RequestError, parse_request
from dialogs.commands import of_input, parse
from dialogs.values import CampaignValue, decode, encode

LONDON = ZoneInfo("Europe/London")
CALENDAR = WorkingCalendar(LONDON)


def local(*args: int) -> datetime:
    return datetime(*args, tzinfo=LONDON)


def test_christmas_the_substitute_boxing_day_and_the_weekend_are_not_working_days() -> None:
    assert CALENDAR.holiday(date(2026, 12, 25)) == "Christmas Day"
    assert CALENDAR.holiday(date(2026, 12, 28)) is not None  # Boxing Day falls on a Saturday
    assert [CALENDAR.is_working_day(date(2026, 12, d)) for d in range(24, 30)] == [
        True, False, False, False, False, True,
    ]  # fmt: skip
    assert CALENDAR.next_working_day(date(2026, 12, 25)) == date(2026, 12, 29)
    assert not CALENDAR.is_working_day(date(2027, 3, 29))  # Easter Monday, England


def test_a_reminder_on_a_holiday_moves_to_the_next_working_morning() -> None:
    launched = local(2026, 12, 22, 10, 0)  # a Tuesday
    times = CALENDAR.reminder_times(launched, (1, 3))
    assert [t.astimezone(LONDON) for t in times] == [local(2026, 12, 23, 9, 0), local(2026, 12, 29, 9, 0)]
    # Two days that both land on the next working day become one reminder.
    assert len(CALENDAR.reminder_times(launched, (3, 5))) == 1


def test_working_time_is_inside_working_hours_on_a_working_day() -> None:
    assert CALENDAR.working_time(local(2026, 12, 23, 10, 0)) == local(2026, 12, 23, 10, 0)
    assert CALENDAR.working_time(local(2026, 12, 23, 7, 0)) == local(2026, 12, 23, 9, 0)
    assert CALENDAR.working_time(local(2026, 12, 24, 17, 0)) == local(2026, 12, 29, 9, 0)
    summer = WorkingCalendar(LONDON, *load_settings(working_hours="08:30-16:00").working_day)
    assert summer.working_time(local(2026, 7, 1, 8, 0)).astimezone(UTC) == datetime(
        2026, 7, 1, 7, 30, tzinfo=UTC
    )


@pytest.mark.parametrize(
    ("hours", "said"),
    [
        ("18:00-09:00", "start before it ends"),
        ("25:00-26:00", "two times"),
        ("9-5", "GUIDEBOT_WORKING_HOURS"),
    ],
)
def test_bad_working_hours_are_refused_with_the_setting_named(hours: str, said: str) -> None:
    with pytest.raises(SettingsError, match="GUIDEBOT_WORKING_HOURS") as raised:
        load_settings(working_hours=hours)
    assert said in str(raised.value)


def test_a_campaign_request_with_every_option() -> None:
    today = date(2026, 12, 2)
    asked = parse_request(
        "pain-points closes 19 December for @childrens-services reminders on days 2 and 6 every quarter",
        today=today,
    )
    assert asked.survey == "pain-points" and asked.closes == date(2026, 12, 19)
    assert asked.audience == Audience("group", "@childrens-services", "@childrens-services")
    assert asked.reminder_days == (2, 6) and asked.repeat_months == 3
    default = parse_request("", today=today)
    assert default.survey is None and default.closes == date(2026, 12, 16) and default.reminder_days == (3, 5)
    assert default.audience.kind == "conversation"
    assert parse_request("for the whole team no reminders", today=today).audience.kind == "team"
    assert parse_request("no reminders", today=today).reminder_days == ()
    # A Slack user group picked from the menu arrives as its mention.
    group = parse_request("for <!subteam^S0ABC123|@childrens-services>", today=today).audience
    assert group.ref == "S0ABC123" and group.label == "@childrens-services"
    assert parse_request("closes 5 jan", today=today).closes == date(2027, 1, 5)  # next January


@pytest.mark.parametrize(
    ("typed", "said"),
    [
        ("closes 31 February", "is not a date"),
        ("closes soon", "couldn't read the closing date"),
        ("closes 2026-12-01", "has passed"),
        ("closes 2027-06-01", "at most 92 days"),
        ("for bob", "couldn't tell who to ask"),
        ("reminders on tuesday", "Which days"),
        ("every week", "every month, quarter"),
    ],
)
def test_a_bad_campaign_request_says_what_to_type(typed: str, said: str) -> None:
    with pytest.raises(RequestError, match=said):
        parse_request(typed, today=date(2026, 12, 2))


def test_campaign_buttons_are_typed_values_and_stop_reminders_is_a_command() -> None:
    value = CampaignValue("decline", "c-1")
    assert decode(encode(value)) == value
    assert decode({"cmd": "campaign", "do": "delete-everything", "campaign": "c-1"}) is None
    command = of_input(None, value)
    assert command is not None and (command.name, command.args) == ("campaign", "decline c-1")
    stop = parse("Stop reminders.")
    assert stop is not None and (stop.name, stop.args) == ("campaign", "stop-reminders")
    assert parse("stop") is not None and parse("stop").name == "stop"  # type: ignore[union-attr]
