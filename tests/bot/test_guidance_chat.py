"""Guidance through the web chat: answers with links, feedback, content gaps, links, reloads and checks."""

from __future__ import annotations

import asyncio
import os
import shutil
import signal
import subprocess
import sys
import uuid
from collections.abc import Callable
from pathlib import Path
from typing import Any

from aiohttp.test_utils import TestClient, TestServer
from sqlalchemy import select
from structlog.testing import capture_logs

from bot.app import SERVICES, build_app
from bot.settings import REPO_CONTENT, load_settings
from dialogs.guidance import PUBLICATION_PAGE
from storage.models import GuidanceAnswer
from tests.helpers import SECRET, without_notice

ROOT = Path(__file__).resolve().parents[2]


async def send(
    client: TestClient, text: str | None = None, value: Any = None, user: str = "dl"
) -> list[dict]:
    body: dict[str, Any] = {"user_id": user, "message_id": uuid.uuid4().hex}
    body.update({"text": text} if text is not None else {"value": value})
    resp = await client.post("/api/chat", json=body)
    assert resp.status == 200
    return without_notice((await resp.json())["replies"])


async def guidance_rows(client: TestClient) -> list[dict]:
    table = GuidanceAnswer.__table__
    db = client.server.app[SERVICES].db
    return await db.read(lambda conn: [dict(r._mapping) for r in conn.execute(select(table))])


async def test_a_question_gets_the_guidance_and_our_suggestions_apart_and_feedback_is_stored(
    client: TestClient,
) -> None:
    replies = await send(client, "where do I start with procurement?")
    answer = replies[0]
    assert answer["type"] == "guidance" and answer["text"] == "Procuring a case management system"
    guidance, ours = answer["from_guidance"], answer["suggestions"]
    assert guidance["heading"] == "From the guidance" and ours["heading"] == "Suggestions"
    assert guidance["note"].startswith("The guidance's introduction only names this topic")
    assert guidance["points"][0] == "The guidance helps you consider how systems are procured."
    assert not any("buying guide" in point for point in guidance["points"][:1])
    sourced = [item for item in ours["items"] if item["sources"]]
    assert sourced[0]["sources"][0]["url"] == "https://www.digitalbuyingguide.org/en/guide/"
    assert answer["guidance_link"] == {
        "title": "Open the guidance",
        "url": PUBLICATION_PAGE,
        "description": "Buying or commissioning a system, or developing one in house.",
    }
    others = replies[1]["links"]
    assert replies[1]["text"] == "Other sections that may help" and len(others) == 2
    helpful = replies[2]["choices"][0]
    assert replies[2]["text"] == "Was this helpful?" and helpful["label"] == "Yes"
    thanks = await send(client, value=helpful["value"])
    assert thanks[0]["text"] == "Thank you, glad it helped."
    [row] = await guidance_rows(client)
    assert row["question"] == "where do I start with procurement?" and row["confident"] is True
    assert row["sections"].split(",")[0] == "procurement" and row["helpful"] is True


async def test_ask_and_a_typo_find_the_section(client: TestClient) -> None:
    replies = await send(client, "ask what should our problem statment contain")
    assert "problem statement" in replies[0]["text"].lower()
    assert replies[0]["type"] == "guidance"


async def test_an_unanswerable_question_is_a_content_gap_and_redacted(client: TestClient) -> None:
    replies = await send(client, "what's for lunch at SW1A 1AA today")
    assert replies[0]["text"].startswith("Please don't share details about children or families")
    assert replies[1]["text"].startswith("I'm not sure I have an answer to that.")
    assert len(replies) == 2
    [row] = await guidance_rows(client)
    assert row["confident"] is False and row["question"] == "what's for lunch at [postcode] today"


async def test_when_not_sure_the_closest_sections_are_offered_as_buttons(client: TestClient) -> None:
    [unsure] = await send(client, "who is the council chief executive")
    assert unsure["type"] == "prompt" and unsure["text"].startswith("I'm not sure I have an answer to that.")
    assert 1 <= len(unsure["choices"]) <= 3
    chosen = unsure["choices"][0]
    assert chosen["value"]["cmd"] == "section"
    picked = await send(client, value=chosen["value"])
    assert picked[0]["type"] == "guidance" and picked[0]["text"] == chosen["label"]
    assert picked[1]["text"] == "Was this helpful?"
    await send(client, value=picked[1]["choices"][1]["value"])
    [row] = await guidance_rows(client)
    # The unanswered question stays a content gap, now also marked not helpful.
    assert row["confident"] is False and row["helpful"] is False


async def test_a_one_character_question_asks_for_more(client: TestClient) -> None:
    replies = await send(client, "?")
    assert "help" in replies[0]["text"].lower() or "say a bit more" in replies[0]["text"]
    replies = await send(client, "q")
    assert replies[0]["text"].startswith("Could you say a bit more?")
    assert await guidance_rows(client) == []


async def test_links_lists_the_external_resources(client: TestClient) -> None:
    [links] = await send(client, "links")
    urls = {link["url"] for link in links["links"]}
    assert "https://www.localdigital.gov.uk/what-is-the-declaration/" in urls and len(urls) >= 10


async def test_a_very_long_question_is_answered_on_its_first_500_characters(client: TestClient) -> None:
    question = "how do we procure a new case management system? " + "really " * 200
    await send(client, question)
    [row] = await guidance_rows(client)
    assert len(row["question"]) == 500


async def test_guide_me_walks_the_steps_with_links(tmp_path: Path) -> None:
    settings = load_settings(
        data_dir=tmp_path / "data",
        secret_key=SECRET,
        digital_leads="web:lead",
        guidance_base_url="https://guidance.example.gov.uk/cms",
    )
    async with TestClient(TestServer(build_app(settings))) as client:
        replies = await send(client, "guide me", user="lead")
        question = replies[-1]
        assert question["question_id"] == "vision"
        assert question["link"]["url"] == "https://guidance.example.gov.uk/cms"
        assert "https://" not in question["text"]
        assert [c["label"] for c in question["choices"]] == ["Done", "In progress", "Not started", "Not sure"]
        practitioner = await send(client, "guide me", user="someone")
        assert practitioner[0]["text"] == "The guided walkthrough is for digital leads and managers."


async def until(check: Callable[[], bool], within: float = 10.0) -> None:
    """Wait until ``check()`` holds (a log line written by the event it waits for)."""
    deadline = asyncio.get_running_loop().time() + within
    while not check():
        if asyncio.get_running_loop().time() > deadline:
            raise AssertionError("timed out waiting")
        await asyncio.sleep(0.01)


def copy_content(tmp_path: Path) -> Path:
    target = tmp_path / "content"
    shutil.copytree(REPO_CONTENT, target)
    return target


async def test_sighup_reloads_content_and_bad_content_keeps_the_old(tmp_path: Path) -> None:
    content = copy_content(tmp_path)
    settings = load_settings(data_dir=tmp_path / "data", secret_key=SECRET, content_dir=content)
    async with TestClient(TestServer(build_app(settings))) as client:
        turns = client.server.app[SERVICES].turns
        survey = content / "surveys" / "desired-outcomes.yaml"
        survey.write_text(
            survey.read_text().replace("title: What a good system would do", "title: Renamed survey")
        )
        before = turns.content
        with capture_logs() as logs:
            os.kill(os.getpid(), signal.SIGHUP)
            await until(lambda: any(e["event"] == "content.reloaded" for e in logs))
        assert turns.content is not before
        assert turns.content.catalog.surveys["desired-outcomes"].title == "Renamed survey"
        survey.write_text("id: [broken\n")
        good = turns.content
        with capture_logs() as logs:
            os.kill(os.getpid(), signal.SIGHUP)
            # The reload has finished once it says it failed: only then is "nothing changed" shown.
            await until(lambda: any(e["event"] == "content.reload_failed" for e in logs))
        assert turns.content is good  # the bad reload was refused; the running content stays
        assert (settings.data_dir / "guidebot.pid").read_text() == str(os.getpid())


def run_cli(*args: str, env: dict[str, str]) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "bot", *args],
        capture_output=True,
        text=True,
        cwd=ROOT,
        env={**os.environ, **env},
        timeout=60,
    )


def test_content_check_passes_on_the_shipped_content(tmp_path: Path) -> None:
    result = run_cli("content", "check", env={"GUIDEBOT_DATA_DIR": str(tmp_path)})
    assert result.returncode == 0, result.stderr
    assert "Content is valid: 4 surveys and" in result.stdout


def test_content_check_names_each_bad_file_and_line(tmp_path: Path) -> None:
    content = copy_content(tmp_path)
    (content / "surveys" / "pain-points.yaml").write_text(
        (content / "surveys" / "pain-points.yaml")
        .read_text()
        .replace("type: agreement, sus_item: 3", "type: agree, sus_item: 3")
    )
    section = content / "guidance" / "procurement.md"
    section.write_text(section.read_text().replace("related: [", "related: [no-such-section, "))
    result = run_cli(
        "content", "check", env={"GUIDEBOT_DATA_DIR": str(tmp_path), "GUIDEBOT_CONTENT_DIR": str(content)}
    )
    assert result.returncode == 2
    assert (
        f"{content / 'surveys' / 'pain-points.yaml'}:" in result.stderr
        and "questions.6.type" in result.stderr
    )
    assert "procurement.md:" in result.stderr and "no-such-section" in result.stderr


def test_content_reload_without_a_server_says_so(tmp_path: Path) -> None:
    result = run_cli("content", "reload", env={"GUIDEBOT_DATA_DIR": str(tmp_path)})
    assert result.returncode == 1 and "no running server found" in result.stderr
