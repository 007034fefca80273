"""Wiring campaigns into the application: the command, the delivery hook, and the loop that runs them."""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from datetime import datetime
from typing import TYPE_CHECKING

from aiohttp import web

from bot.background import cancel_on_shutdown
from bot.campaigns.messages import day
from bot.campaigns.service import Campaigns
from bot.reports.insights import Insights
from bot.reports.periods import Period
from bot.turn import utcnow
from dialogs.replies import Reply
from storage.campaigns import CampaignRow

if TYPE_CHECKING:
    from bot.services import Services

RUNNER = web.AppKey("campaign_runner", asyncio.Task)
CAMPAIGNS = web.AppKey("campaigns", Campaigns)


def install_campaigns(
    app: web.Application, services: Services, insights: Insights, *, clock: Callable[[], datetime] = utcnow
) -> Campaigns:
    """Register ``campaign``, add response rates to digests, and run campaigns while the app runs."""
    tz = services.settings.zone

    async def closing_digest(campaign: CampaignRow) -> list[Reply]:
        survey = insights.survey(campaign.survey_id)
        if survey is None or campaign.launched_at is None:
            return []
        label = (
            f"campaign {campaign.number} ({day(campaign.launched_at, tz)} to {day(campaign.closes_at, tz)})"
        )
        period = Period(f"campaign-{campaign.number}", label, campaign.launched_at, campaign.grace_until)
        return await insights.digest(survey, period)

    campaigns = Campaigns(
        services.settings, services.turns, services.runtime, clock=clock, digest=closing_digest
    )
    campaigns.register()
    insights.footers.append(campaigns.rate_lines)
    app[CAMPAIGNS] = campaigns

    async def start(app: web.Application) -> None:
        app[RUNNER] = asyncio.get_running_loop().create_task(campaigns.run_forever(), name="campaigns")

    app.on_startup.append(start)
    cancel_on_shutdown(app, RUNNER)
    return campaigns
