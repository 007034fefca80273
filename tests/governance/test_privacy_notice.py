"""The privacy notice: its wording checked on load, filled in from the settings, and shown in the web chat
(once unasked, again at ``privacy``) without losing what the person's first message said.

Slack, Teams and the terminal have their own files (``test_privacy_notice_*.py``).
"""

from __future__ import annotations

import shutil
import uuid
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import pytest
from aiohttp.test_utils import TestClient, TestServer
from sqlalchemy import delete, func, select

from bot.app import SERVICES, build_app
from bot.content import load_content
from bot.inbound import Inbound
from bot.reports.commands import REFUSAL
from bot.runtime import reply_codec
from bot.settings import REPO_CONTENT, Settings, load_settings
from dialogs.emphasis import plain
from dialogs.privacy_notice import NOTICE_FILE, NoticeFacts, fill, kept_for, load_notice_wording
from dialogs.problems import ContentError
from storage.models import GuidanceAnswer, PrivacyNoticeShown
from storage.notices import notice_shown_at
from tests.helpers import SECRET, stored_answers

WORDING = load_notice_wording(REPO_CONTENT / NOTICE_FILE)
FACTS = NoticeFacts(
    org_name="Casterbridge Council",
    min_group_size=7,
    free_text_days=180,
    answers_days=730,
    privacy_url="https://www.casterbridge.example/privacy/staff-surveys",
)


# ---- the wording and its facts ----


def test_the_shipped_notice_says_each_fact_from_the_settings() -> None:
    notice = fill(WORDING, FACTS)
    said = "\n".join([notice.title, *notice.paragraphs])
    assert "Casterbridge Council runs this bot" in said
    assert "improve the case management system" in said
    assert "at least 7 people" in said
    assert "children or families" in said
    assert "kept for 6 months" in said and "for 2 years" in said
    assert notice.link is not None and notice.link.url == FACTS.privacy_url
    assert notice.link.title == "Casterbridge Council privacy notice"
    assert "{" not in said and "}" not in said


def test_without_a_privacy_url_the_notice_says_so_plainly() -> None:
    notice = fill(WORDING, NoticeFacts("Casterbridge Council", 5, 365, 1095))
    assert notice.link is None
    assert notice.paragraphs[-1].startswith("Casterbridge Council has not yet linked its privacy notice")


def test_an_organisation_name_with_braces_is_shown_as_written() -> None:
    notice = fill(WORDING, NoticeFacts("{min_group_size} Borough", 5, 365, 1095))
    assert notice.paragraphs[0].startswith("{min_group_size} Borough runs this bot")


@pytest.mark.parametrize(
    ("days", "words"),
    [(1, "1 day"), (2, "2 days"), (30, "30 days"), (90, "3 months"), (180, "6 months"), (365, "1 year"),
     (400, "400 days"), (1095, "3 years")],
)  # fmt: skip
def test_periods_are_said_in_words(days: int, words: str) -> None:
    assert kept_for(days) == words


def write_wording(folder: Path, text: str) -> Path:
    path = folder / NOTICE_FILE
    path.write_text(text, encoding="utf-8")
    return path


GOOD = (REPO_CONTENT / NOTICE_FILE).read_text(encoding="utf-8")


@pytest.mark.parametrize(
    ("change", "line", "message"),
    [
        (("{min_group_size} people", "{group_size} people"), 18, "{group_size} is not something the bot can fill"),
        (("for {answers_kept}", "for ever"), None, "the notice must say {answers_kept} (how long answers are kept)"),
        (("{org_name} runs this bot", "We run this bot"), None, "{org_name} (who runs the bot)"),
        (("title: How your answers are used", "title: ''"), 15, "title: String should have at least 1 character"),
        (("no_link:", "no_links:"), 22, "no_links: Extra inputs are not permitted"),
        (("{org_name} privacy notice", "{org_name privacy notice"), 21, "a { or } is not closed"),
    ],
)  # fmt: skip
def test_a_bad_wording_is_refused_naming_the_file_line_and_what_to_do(
    tmp_path: Path, change: tuple[str, str], line: int | None, message: str
) -> None:
    old, new = change
    assert old in GOOD
    path = write_wording(tmp_path, GOOD.replace(old, new, 1))
    with pytest.raises(ContentError) as refused:
        load_notice_wording(path)
    # The problem is named (a misspelt name is also a missing fact: both are said).
    [problem] = [p for p in refused.value.problems if message in p.message] or [refused.value.problems]
    assert problem.file == str(path), problem
    if line is not None:
        assert problem.line == line, problem


def test_a_wording_that_is_not_yaml_is_refused_with_its_line(tmp_path: Path) -> None:
    path = write_wording(tmp_path, GOOD.replace("paragraphs:", "paragraphs: [", 1))
    with pytest.raises(ContentError) as refused:
        load_notice_wording(path)
    assert "is not valid YAML" in str(refused.value)


def test_content_check_refuses_a_bad_notice_with_everything_else(tmp_path: Path) -> None:
    folder = tmp_path / "content"
    shutil.copytree(REPO_CONTENT, folder)
    write_wording(folder, GOOD.replace("{answers_kept}", "three years"))
    with pytest.raises(ContentError) as refused:
        load_content(load_settings(content_dir=folder, data_dir=tmp_path / "data", secret_key=SECRET))
    assert f"{folder / NOTICE_FILE}" in str(refused.value) and "{answers_kept}" in str(refused.value)


def test_a_councils_copy_from_before_the_notice_gets_the_shipped_wording(tmp_path: Path) -> None:
    folder = tmp_path / "content"
    shutil.copytree(REPO_CONTENT, folder)
    (folder / NOTICE_FILE).unlink()
    content = load_content(
        load_settings(content_dir=folder, data_dir=tmp_path / "data", secret_key=SECRET, org_name="Wessex")
    )
    [notice] = content.notice
    assert notice.paragraphs[0].startswith("Wessex runs this bot")


def test_the_notice_survives_the_outbox() -> None:
    notice = fill(WORDING, FACTS)
    assert reply_codec.loads(reply_codec.dumps([notice])) == [notice]
    bare = fill(WORDING, NoticeFacts("Wessex", 5, 365, 1095))
    assert reply_codec.loads(reply_codec.dumps([bare])) == [bare]


def test_the_wheel_ships_the_wording() -> None:
    import tomllib

    project = tomllib.loads((REPO_CONTENT.parent / "pyproject.toml").read_text())
    shipped = project["tool"]["setuptools"]["package-data"]["guidebot_content"]
    assert "*.yaml" in shipped and (REPO_CONTENT / NOTICE_FILE).is_file()


# ---- the web chat, on SQLite and PostgreSQL ----


@pytest.fixture
def notice_settings(tmp_path: Path, database_url: str) -> Settings:
    return load_settings(
        data_dir=tmp_path / "data",
        secret_key=SECRET,
        database_url=database_url,
        org_name="Casterbridge Council",
        privacy_url=FACTS.privacy_url,
        min_group_size=7,
    )


@pytest.fixture
async def chat(notice_settings: Settings) -> AsyncIterator[TestClient]:
    async with TestClient(TestServer(build_app(notice_settings))) as client:
        yield client


async def say(
    client: TestClient, user: str, text: str | None = None, value: Any = None
) -> list[dict[str, Any]]:
    body: dict[str, Any] = {"user_id": user, "message_id": uuid.uuid4().hex}
    body |= {"text": text} if text is not None else {"value": value}
    resp = await client.post("/api/chat", json=body)
    assert resp.status == 200, await resp.text()
    return (await resp.json())["replies"]


def person(services: Any, user: str) -> str:
    """A web chat user's pseudonym, as the turn makes it."""
    return services.turns.respondent(Inbound(channel="web", user_id=user, conversation_id=f"web:{user}"))


def notices(replies: list[dict[str, Any]]) -> list[dict[str, Any]]:
    return [r for r in replies if r["type"] == "notice"]


async def shown_rows(client: TestClient) -> int:
    db = client.server.app[SERVICES].db
    return await db.read(
        lambda conn: conn.execute(select(func.count()).select_from(PrivacyNoticeShown)).scalar_one()
    )


async def test_the_first_message_gets_the_notice_first_and_then_its_own_answer(chat: TestClient) -> None:
    replies = await say(chat, "hana", "start pain-points")
    assert replies[0]["type"] == "notice"
    notice = replies[0]
    assert notice["text"] == "How your answers are used"
    assert notice["paragraphs"][0].startswith("Casterbridge Council runs this bot")
    assert any("at least 7 people" in p for p in notice["paragraphs"])
    assert notice["link"]["url"] == FACTS.privacy_url
    # The message itself was not swallowed: the survey started, its first question asked.
    assert replies[-1]["type"] == "question" and replies[-1]["question_id"] == "role"
    # Later messages do not repeat it.
    later = await say(chat, "hana", "social worker")
    assert notices(later) == [] and later[-1]["question_id"] == "team"
    assert (await stored_answers(chat.server.app[SERVICES].db))["role"][0] == "social-worker"
    services = chat.server.app[SERVICES]
    shown = await services.db.read(lambda c: notice_shown_at(c, person(services, "hana")))
    assert shown is not None
    assert await shown_rows(chat) == 1


async def test_privacy_shows_it_again_and_the_survey_carries_on_where_it_was(chat: TestClient) -> None:
    await say(chat, "ines", "start pain-points")
    await say(chat, "ines", "social worker")
    for asked in ("privacy", "Privacy notice", "privacy."):
        replies = await say(chat, "ines", asked)
        assert [r["type"] for r in replies] == ["notice", "question"], asked
        assert replies[1]["question_id"] == "team"  # asked again, nothing answered or skipped
    replies = await say(chat, "ines", "2")
    assert notices(replies) == [] and replies[-1]["question_id"] == "tenure"
    assert set(await stored_answers(chat.server.app[SERVICES].db)) == {"role", "team"}
    assert await shown_rows(chat) == 1
    # Outside a survey it is the notice alone.
    other = await say(chat, "jo", "privacy")
    assert [r["type"] for r in other] == ["notice"]
    assert notices(await say(chat, "jo", "help")) == []


async def test_a_first_question_for_the_guidance_is_answered_and_stored(chat: TestClient) -> None:
    replies = await say(chat, "kai", "where do I start with procurement?")
    assert replies[0]["type"] == "notice"
    assert any(r["type"] == "guidance" for r in replies[1:])
    db = chat.server.app[SERVICES].db
    asked = await db.read(lambda conn: conn.execute(select(GuidanceAnswer.question)).scalars().all())  # type: ignore[call-overload]
    assert asked == ["where do I start with procurement?"]


async def test_someone_mid_survey_before_the_notice_existed_keeps_their_answer(chat: TestClient) -> None:
    await say(chat, "lee", "start pain-points")
    services = chat.server.app[SERVICES]
    # As on a server upgraded mid-survey: their state is there, no record of the notice.
    await services.db.write(lambda conn: conn.execute(delete(PrivacyNoticeShown)))
    services.turns.forget_told(person(services, "lee"))
    replies = await say(chat, "lee", "social worker")
    assert replies[0]["type"] == "notice"
    assert replies[-1]["question_id"] == "team"
    assert (await stored_answers(services.db))["role"][0] == "social-worker"
    assert notices(await say(chat, "lee", "2")) == []


async def test_a_command_as_first_message_gets_the_notice_too(chat: TestClient) -> None:
    replies = await say(chat, "max", "digest")  # a command run outside the dialogs (refused: not a manager)
    assert replies[0]["type"] == "notice" and len(replies) >= 2
    assert replies[1]["text"] == plain(REFUSAL)
    assert notices(await say(chat, "max", "digest")) == []


async def test_a_retried_first_message_shows_nothing_twice(chat: TestClient) -> None:
    body = {"user_id": "nia", "message_id": "retry-0001", "text": "start pain-points"}
    first = await (await chat.post("/api/chat", json=body)).json()
    again = await (await chat.post("/api/chat", json=body)).json()
    assert first["replies"][0]["type"] == "notice"
    assert again == {"replies": [], "duplicate": True}
    assert await shown_rows(chat) == 1


@pytest.mark.parametrize("url", ["", FACTS.privacy_url])
def test_serve_warns_on_the_console_and_in_the_log_while_the_privacy_url_is_unset(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str], url: str
) -> None:
    from aiohttp import web
    from structlog.testing import capture_logs

    from bot import cli

    for name, value in {"GUIDEBOT_DATA_DIR": str(tmp_path), "GUIDEBOT_SECRET_KEY": SECRET}.items():
        monkeypatch.setenv(name, value)
    if url:
        monkeypatch.setenv("GUIDEBOT_PRIVACY_URL", url)
    started: list[object] = []
    monkeypatch.setattr(web, "run_app", lambda app, **kwargs: started.append(app))
    monkeypatch.setattr(cli, "settle_memory", lambda: None)
    monkeypatch.setattr(cli, "configure_logging", lambda *args, **kwargs: None)
    monkeypatch.setattr(cli, "event_loop", lambda: object())
    with capture_logs() as logs:
        assert cli.main(["serve"]) == 0 and started
    warnings = [line for line in capsys.readouterr().err.splitlines() if line.startswith("Warning: ")]
    logged = [entry for entry in logs if entry["event"] == "privacy_url.unset"]
    if url:
        assert warnings == [] and logged == []
    else:
        [warning] = warnings
        assert "GUIDEBOT_PRIVACY_URL is not set" in warning
        assert [entry["log_level"] for entry in logged] == ["warning"]
