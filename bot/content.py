"""Load the content a server runs on (surveys now; guidance joins it) and check it without running."""

from __future__ import annotations

from bot.settings import Settings
from bot.turn import Content
from dialogs.loader import load_surveys


def load_content(settings: Settings) -> Content:
    """Every content file, validated; raises ContentError naming each problem's file and line."""
    catalog = load_surveys(settings.content_dir / "surveys")
    return Content(catalog=catalog)
