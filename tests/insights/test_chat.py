"""Digests and plans through the web chat over real HTTP: roles, the image, links, schedules, demo mode."""

from __future__ import annotations

import base64
import uuid
from collections.abc import AsyncIterator
from datetime import timedelta
from functools import partial
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import pytest
from aiohttp.test_utils import TestClient, TestServer
from structlog.testing import capture_logs

from bot.app import SERVICES, build_app
from bot.reports import links
from bot.reports.demo_data import fill_demo
from bot.reports.routes import INSIGHTS
from bot.settings import Settings, load_settings
from bot.turn import utcnow
from dialogs.replies import Image
from storage import schedules
from tests.helpers import SECRET, without_notice

PNG = b"\x89PNG\r\n\x1a\n"


@pytest.fixture
def manager_settings(database_url: str, tmp_path: Path) -> Settings:
    return load_settings(
        data_dir=tmp_path / "data", secret_key=SECRET, database_url=database_url, managers="web:boss",
        digital_leads="web:lead",
    )  # fmt: skip


@pytest.fixture
async def chat(manager_settings: Settings) -> AsyncIterator[TestClient]:
    async with TestClient(TestServer(build_app(manager_settings))) as client:
        services = client.server.app[SERVICES]
        await services.db.write(
            partial(fill_demo, catalog=services.turns.content.catalog, respondents=200, now=utcnow())
        )
        yield client


async def say(client: TestClient, user: str, text: str, message_id: str | None = None) -> dict[str, Any]:
    body = {"user_id": user, "text": text, "message_id": message_id or uuid.uuid4().hex}
    response = await client.post("/api/chat", json=body)
    assert response.status == 200, await response.text()
    answer = await response.json()
    return {**answer, "replies": without_notice(answer["replies"])}


async def test_a_manager_gets_a_digest_with_its_charts(chat: TestClient) -> None:
    reply = await say(chat, "boss", "digest")
    kinds = [r["type"] for r in reply["replies"]]
    assert kinds == ["text", "image", "image"]
    text = reply["replies"][0]["text"]
    for expected in ("Responses:", "Usability (SUS):", "Top pain points:", "Beside national figures:",
                     "nationally almost 60% said so in 2019", "What staff want most:", "type \u201cplan\u201d"):  # fmt: skip
        assert expected in text
    for image in reply["replies"][1:]:
        assert image["alt"] and image["text"]
        assert base64.b64decode(image["src"].split(",", 1)[1]).startswith(PNG)
    assert "Bar chart: Tasks that cost most time" in reply["replies"][1]["alt"]
    assert "Histogram: System Usability Scale scores" in reply["replies"][2]["alt"]


async def test_a_digest_for_another_survey_and_period(chat: TestClient) -> None:
    reply = await say(chat, "lead", "digest desired-outcomes this-month")
    text = reply["replies"][0]["text"]
    assert "What a good system would do: digest for " in text
    # Ranked outcomes with their shares, as the plan gives them, and a chart of them.
    assert "What staff want most: More time with children and families, less on recording (" in text
    assert [r["type"] for r in reply["replies"]] == ["text", "image"]
    assert "What staff want most" in reply["replies"][1]["alt"]
    reply = await say(chat, "lead", "digest pain-points fortnight-ish")
    assert "I don't know a survey called" in reply["replies"][0]["text"]


async def test_a_retried_digest_message_posts_nothing_twice(chat: TestClient) -> None:
    first = await say(chat, "boss", "digest", message_id="same")
    again = await say(chat, "boss", "digest", message_id="same")
    assert first["replies"] and again == {"replies": [], "duplicate": True}


async def test_anyone_else_is_refused_politely_and_the_refusal_is_logged(chat: TestClient) -> None:
    with capture_logs() as logs:
        digest = await say(chat, "practitioner", "digest")
        plan = await say(chat, "practitioner", "plan")
    for reply in (digest, plan):
        [only] = reply["replies"]
        assert only["type"] == "text" and "only for managers and digital leads" in only["text"]
    refusals = [e for e in logs if e["event"] == "insights.refused"]
    assert [e["command"] for e in refusals] == ["digest", "plan"]
    assert all(e["channel"] == "web" and "practitioner" not in str(e) for e in refusals)


async def test_too_few_responses_show_nothing_but_that(tmp_path: Path) -> None:
    settings = load_settings(data_dir=tmp_path / "data", secret_key=SECRET, managers="web:boss")
    async with TestClient(TestServer(build_app(settings))) as client:
        services = client.server.app[SERVICES]
        await services.db.write(
            partial(fill_demo, catalog=services.turns.content.catalog, respondents=3, now=utcnow())
        )
        reply = await say(client, "boss", "digest all")
    [only] = reply["replies"]
    assert "too few responses to show" in only["text"]
    assert "SUS" not in only["text"] and "%" not in only["text"]


async def test_the_plan_comes_with_a_signed_link_that_expires(chat: TestClient) -> None:
    reply = await say(chat, "lead", "plan")
    short, links_reply = reply["replies"]
    assert "Problem statement (draft):" in short["text"] and "First actions:" in short["text"]
    html_url, md_url = (link["url"] for link in links_reply["links"])
    page = await chat.get(_local(html_url))
    assert page.status == 200 and page.headers["Content-Type"].startswith("text/html")
    assert page.headers["Referrer-Policy"] == "no-referrer" and "no-store" in page.headers["Cache-Control"]
    body = await page.text()
    assert '<h2 id="actions">6. Prioritised actions</h2>' in body and "data:image/png;base64," in body
    markdown = await chat.get(_local(md_url))
    assert markdown.status == 200 and (await markdown.text()).startswith(
        "# Case management system improvement plan"
    )
    assert (await chat.get(_local(html_url).replace("sig=", "sig=0"))).status == 403
    assert (await chat.get(_local(html_url).replace("this-year", "all"))).status == 403
    insights = chat.server.app[INSIGHTS]
    old = links.signed_url(
        insights.link_key, "", "/plan", {"period": "all", "format": "html"}, now=utcnow() - timedelta(days=2),
        valid_for=timedelta(hours=24),
    )  # fmt: skip
    assert (await chat.get(old)).status == 403


async def test_scheduling_listing_and_stopping_digests_from_the_chat(chat: TestClient) -> None:
    reply = await say(chat, "boss", "digest every monday 09:00 this-quarter")
    assert "every Monday at 09:00 (Europe/London)" in reply["replies"][0]["text"]
    assert "waits here until you type \u201cdigest\u201d" in reply["replies"][0]["text"]
    await say(chat, "boss", "digest cron 30 8 * * 1-5")
    listed = (await say(chat, "boss", "digest schedule"))["replies"][0]["text"]
    assert (
        "1. pain-points, this-quarter, every Monday at 09:00" in listed
        and "2. pain-points, this-month, cron 30 8 \u2217 \u2217 1-5" in listed
    )
    assert "Stopped 1 scheduled digest" in (await say(chat, "boss", "digest stop 2"))["replies"][0]["text"]
    assert "Stopped 1 scheduled digest" in (await say(chat, "boss", "digest stop"))["replies"][0]["text"]
    assert (
        "No digests are scheduled here" in (await say(chat, "boss", "digest schedule"))["replies"][0]["text"]
    )
    bad = await say(chat, "boss", "digest every blursday")
    assert "I can't read" in bad["replies"][0]["text"]


async def test_a_held_scheduled_digest_is_shown_when_the_manager_next_asks(chat: TestClient) -> None:
    await say(chat, "boss", "digest every day 07:00")
    services = chat.server.app[SERVICES]
    [schedule] = await services.db.read(
        partial(
            schedules.conversation_schedules,
            channel="web",
            conversation_key=services.turns.keys.lane("web", "web:boss"),
        )
    )
    due = schedule.next_due_at
    await services.db.write(
        partial(
            schedules.claim_run, schedule=schedule, following=due + timedelta(days=1), worker="t", now=due
        )
    )
    await services.db.write(
        partial(schedules.finish_run, schedule_id=schedule.id, due_at=due, status="held", now=due)
    )
    reply = await say(chat, "boss", "digest")
    texts = [r["text"] for r in reply["replies"] if r["type"] == "text"]
    assert "Scheduled digest, every day at 07:00" in texts[-1]
    again = await say(chat, "boss", "digest")
    assert not any("Scheduled digest" in r["text"] for r in again["replies"])


async def test_serve_demo_fills_an_empty_database_and_makes_web_users_managers(tmp_path: Path) -> None:
    settings = load_settings(data_dir=tmp_path / "data", secret_key=SECRET, demo=True)
    async with TestClient(TestServer(build_app(settings))) as client:
        reply = await say(client, "newcomer", "digest")
        assert [r["type"] for r in reply["replies"]] == ["text", "image", "image"]
        assert (
            reply["replies"][0]["text"]
            .split("\n")[1]
            .startswith("Demo data: All responses here are synthetic")
        )
        assert "First actions:" in (await say(client, "newcomer", "plan"))["replies"][0]["text"]


def _local(url: str) -> str:
    parts = urlsplit(url)
    return f"{parts.path}?{parts.query}"


async def test_charts_can_be_served_under_a_signed_expiring_address_for_teams_cards(chat: TestClient) -> None:
    reply = await say(chat, "boss", "digest")
    png = base64.b64decode(reply["replies"][1]["src"].split(",", 1)[1])
    insights = chat.server.app[INSIGHTS]
    url = await insights.image_url(Image("alt", png, "Tasks"))
    served = await chat.get(_local(url))
    assert served.status == 200 and served.content_type == "image/png" and await served.read() == png
    assert (await chat.get(_local(url).replace("sig=", "sig=f"))).status == 403
    other = _local(url).replace(urlsplit(url).path.rsplit("/", 1)[1], f"{uuid.uuid4()}.png")
    assert (await chat.get(other)).status == 403
