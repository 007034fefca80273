"""What a campaign says: the manager's confirmation and status, invitations, reminders, refusals.

Figures here are counts of a whole campaign; none names or singles out anyone. The response rate
is shown only for an audience of at least ``min_group_size`` people, and its completed count is
the people in released batches (whole batches only: see ``storage.campaigns.answered``).
"""

from __future__ import annotations

from datetime import datetime
from zoneinfo import ZoneInfo

from dialogs.model import SurveyDef
from dialogs.replies import Choice, Prompt, Reply, Text
from dialogs.values import CampaignValue
from storage.campaigns import CampaignRow, Counts

REFUSAL = (
    "Sorry, campaigns are only for managers and digital leads. If you'd like your team surveyed, "
    "please ask your digital lead."
)
NOBODY = (
    "I never say who has or hasn't answered, to anyone: answers are anonymous, and a list of who is "
    "missing would show who has answered too. `campaign status` gives the counts."
)


def day(moment: datetime, tz: ZoneInfo) -> str:
    """``Friday 19 December``."""
    return moment.astimezone(tz).strftime("%A %-d %B")


def weekday_list(moments: list[datetime], tz: ZoneInfo) -> str:
    """``Thursday and Monday`` (dates where they are more than a week apart)."""
    if not moments:
        return ""
    span = (moments[-1] - moments[0]).days if len(moments) > 1 else 0
    names = [m.astimezone(tz).strftime("%A" if span < 6 else "%A %-d %B") for m in moments]
    return names[0] if len(names) == 1 else ", ".join(names[:-1]) + " and " + names[-1]


def confirmation(
    campaign: CampaignRow, *, people: int, bots: int, inactive: int, leads: int, channel: str,
    tz: ZoneInfo, min_group_size: int,
) -> Prompt:  # fmt: skip
    """What will happen, before anything is sent, with Start and Cancel buttons."""
    left = [
        f"{n} {what}{'s' if n != 1 else ''}"
        for n, what in ((bots, "bot"), (inactive, "deactivated account"), (leads, "manager or digital lead"))
        if n
    ]
    left_out = f" ({', '.join(left)} left out)" if left else ""
    how = "in a direct message" if channel == "slack" else "in a personal chat"
    reminders = list(campaign.reminders_at)
    remind = (
        f", remind those who have not answered on {weekday_list(reminders, tz)}"
        if reminders
        else ", send no reminders"
    )
    lines = [
        f"I will ask {people} {'person' if people == 1 else 'people'} ({campaign.audience_label}) {how}{left_out}"
        f"{remind}, and close on {day(campaign.closes_at, tz)}. Start?"
    ]
    if channel == "teams":
        lines.append(
            "Anyone I can't reach in a personal chat (the app isn't installed for them) is invited here in the "
            "channel instead."
        )
    if people < min_group_size:
        lines.append(
            f"With fewer than {min_group_size} people no response rate will be shown, to keep answers anonymous."
        )
    if campaign.repeat_months:
        every = {1: "month", 3: "quarter", 6: "half-year", 12: "year"}.get(
            campaign.repeat_months, f"{campaign.repeat_months} months"
        )
        lines.append(
            f"It will run again every {every}, to the same audience, so the scores can be followed over time."
        )
    return Prompt(
        "\n".join(lines),
        (
            Choice("Start", CampaignValue("confirm", campaign.id)),
            Choice("Cancel", CampaignValue("cancel", campaign.id)),
        ),
    )


def invitation(campaign: CampaignRow, survey: SurveyDef, tz: ZoneInfo, *, in_channel: bool = False) -> Prompt:
    """A person's invitation: the survey, how long it takes, the closing date, Start and Not this time."""
    about = f"*{survey.title}*\n{survey.description}\nIt takes about {survey.minutes} minutes"
    closes = f" and is open until {day(campaign.closes_at, tz)}."
    if in_channel:
        return Prompt(
            f"{about}{closes} If I couldn't message you in a personal chat, this invitation is for you: press "
            "Start and I'll ask you in private. Your answers are anonymous.",
            (Choice("Start", CampaignValue("join", campaign.id)),),
        )
    return Prompt(
        f"{about}{closes} Your answers are anonymous: nobody, your manager included, can see who answered.",
        (
            Choice("Start", CampaignValue("join", campaign.id)),
            Choice("Not this time", CampaignValue("decline", campaign.id)),
        ),
    )


def reminder(campaign: CampaignRow, survey: SurveyDef, tz: ZoneInfo, *, paused: bool) -> Prompt:
    """A reminder: Resume where they left off, or Start; and Not this time."""
    closes = day(campaign.closes_at, tz)
    if paused:
        text = f"A reminder: you started *{survey.title}* and can carry on where you left off. It closes on {closes}."
        first = Choice("Resume", CampaignValue("resume", campaign.id))
    else:
        text = f"A reminder: *{survey.title}* takes about {survey.minutes} minutes and closes on {closes}."
        first = Choice("Start", CampaignValue("join", campaign.id))
    text += " Type `stop reminders` for no more reminders."
    return Prompt(text, (first, Choice("Not this time", CampaignValue("decline", campaign.id))))


def closed(campaign: CampaignRow, tz: ZoneInfo) -> Text:
    """What an invitation or reminder button answers once the campaign is over."""
    when = campaign.closed_at or campaign.closes_at
    return Text(f"This survey closed on {day(when, tz)}. Thank you for your interest.")


def rate_line(
    campaign: CampaignRow, counts: Counts, completed: int, *, started: int | None, min_group_size: int,
    tz: ZoneInfo,
) -> str:  # fmt: skip
    """``62 of 143 invited have answered (43%)``, or why no rate is shown."""
    name = f"Campaign {campaign.number} ({campaign.survey_id}, {campaign.audience_label})"
    if counts.invited < min_group_size:
        return f"{name}: fewer than {min_group_size} people were invited, so no response rate is shown."
    answered = min(completed, counts.invited)
    percent = round(100 * answered / counts.invited)
    parts = [f"{answered} of {counts.invited} invited have answered ({percent}%)"]
    if counts.reached:
        parts.append(f"{counts.reached} reached")
    if started is not None and started >= min_group_size:
        parts.append(f"{min(started, counts.invited)} started")
    return f"{name}: " + "; ".join(parts) + "."


def status(campaign: CampaignRow, counts: Counts, rate: str, *, tz: ZoneInfo, channel: str) -> Text:
    """``campaign status``: dates and counts, never who."""
    state = {"running": "running", "closed": "closed", "stopped": "stopped"}.get(
        campaign.status, campaign.status
    )
    launched = day(campaign.launched_at, tz) if campaign.launched_at else "not yet"
    ends = campaign.closed_at or campaign.closes_at
    lines = [
        f"*Campaign {campaign.number}: {campaign.survey_id}*, {state}. Started {launched}; "
        f"{'closed' if campaign.status != 'running' else 'closes'} {day(ends, tz)}.",
        f"Invited: {counts.invited}"
        + (f" ({counts.waiting} still to be invited)" if counts.waiting else "")
        + ".",
    ]
    reach = [f"{counts.direct} by {'direct message' if channel == 'slack' else 'personal chat'}"]
    if counts.in_channel or channel == "teams":
        reach.append(f"{counts.in_channel} in the channel (the app isn't installed for them)")
    if counts.unreached:
        reach.append(f"{counts.unreached} could not be reached")
    lines.append("Reached: " + ", ".join(reach) + ".")
    if campaign.reminders_at:
        done = [
            f"{day(t, tz)}{' (sent)' if i < campaign.reminders_sent else ''}"
            for i, t in enumerate(campaign.reminders_at)
        ]
        lines.append("Reminders: " + ", ".join(done) + ".")
    lines.append(rate)
    return Text("\n".join(lines))


def follow_up(campaign: CampaignRow, survey: SurveyDef, text: str) -> Text:
    """The manager's "you said, we did" message, as staff receive it."""
    return Text(f"*You said, we did: {survey.title}*\n{text}\nThank you to everyone who answered.")


def as_replies(*items: Reply) -> list[Reply]:
    """Replies, in order."""
    return list(items)
