"""How the Teams endpoint runs, decided from the settings alone (without importing botbuilder)."""

from __future__ import annotations

from enum import StrEnum

from bot.settings import Settings


class Mode(StrEnum):
    """How the Teams endpoint runs."""

    AUTHENTICATED = "authenticated"
    DEV = "dev"
    OFF = "off"


def mode_of(settings: Settings) -> Mode:
    """Authenticated with an app id; dev mode only without one and when asked for; otherwise off."""
    if settings.microsoft_app_id:
        return Mode.AUTHENTICATED
    return Mode.DEV if settings.teams_dev_mode else Mode.OFF
