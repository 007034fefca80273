"""A server SIGKILLed while a campaign's invitations go out: after the restart everyone is invited,
at most one person twice per kill (the outbox's one possible duplicate)."""

from __future__ import annotations

from pathlib import Path

from bench.campaign_bench import run


async def test_a_sigkill_during_the_invitations_loses_nobody(tmp_path: Path) -> None:
    # Slow enough limits (a tenth of the bench's speed-up) that the kill lands while invitations are sent.
    result = await run("slack", 120, 6.0, 1, None, tmp_path)
    assert result["kills"] == 1
    assert result["invited"] == 120 and result["lost"] == 0
    assert result["duplicated"] <= 1


async def test_teams_invitations_survive_a_sigkill_too(tmp_path: Path) -> None:
    result = await run("teams", 150, 1.0, 1, None, tmp_path)
    assert result["kills"] == 1 and result["lost"] == 0 and result["duplicated"] <= 1
