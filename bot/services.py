"""What the channels and reports are given: the narrow services they need, defined below them.

The app assembles these; a channel adapter is handed them and never imports the app.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field

from aiohttp import web

from bot.background import BackgroundTasks
from bot.runtime.adapter import ChannelAdapter
from bot.runtime.runtime import Runtime
from bot.settings import Settings
from bot.turn import TurnHandler
from dialogs.replies import Image
from storage.db import Database

ChartUrl = Callable[[Image], Awaitable[str | None]]


@dataclass
class Services:
    """What every channel's routes share."""

    settings: Settings
    db: Database
    turns: TurnHandler
    tasks: BackgroundTasks
    runtime: Runtime
    channels: dict[str, ChannelAdapter] = field(default_factory=dict)
    # Keeps a chart and returns the address it is served at (for channels that show charts by
    # address: Teams cards); set once the reports are installed.
    chart_address: ChartUrl | None = None

    async def chart_url(self, image: Image) -> str | None:
        """Where a chart can be fetched from, or None when reports are not installed."""
        return await self.chart_address(image) if self.chart_address is not None else None


SERVICES = web.AppKey("services", Services)
