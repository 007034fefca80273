"""The web chat's trust model: who a user is depends on how it is deployed, and a shared token lets
nobody act as somebody else."""

from __future__ import annotations

from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import pytest
from aiohttp import ClientSession, CookieJar
from aiohttp.test_utils import TestClient, TestServer

from bot.app import SERVICES, build_app
from bot.settings import load_settings
from tests.helpers import SECRET, stored_answers

TOKEN = "shared-kiosk-token-0001"


async def app_for(tmp_path: Path, **settings: Any) -> TestClient:
    app = build_app(load_settings(data_dir=tmp_path / "data", secret_key=SECRET, **settings))
    client = TestClient(TestServer(app))
    await client.start_server()
    return client


@pytest.fixture
async def kiosk(tmp_path: Path) -> AsyncIterator[TestClient]:
    client = await app_for(tmp_path, web_token=TOKEN, managers="web:boss")
    yield client
    await client.close()


async def say(session: ClientSession, url: str, body: dict[str, Any], token: str | None = TOKEN) -> Any:
    headers = {"Authorization": f"Bearer {token}"} if token else {}
    async with session.post(f"{url}/api/chat", json=body, headers=headers) as resp:
        return resp.status, await resp.json()


def texts(answer: dict[str, Any]) -> str:
    return " ".join(r["text"] for r in answer["replies"])


async def test_a_kiosk_ignores_the_claimed_user_and_keeps_each_browser_apart(kiosk: TestClient) -> None:
    url = str(kiosk.make_url("")).rstrip("/")
    async with (
        ClientSession(cookie_jar=CookieJar(unsafe=True)) as alice,
        ClientSession(cookie_jar=CookieJar(unsafe=True)) as mallory,
    ):
        await say(alice, url, {"user_id": "alice", "text": "start pain-points"})
        status, answered = await say(alice, url, {"user_id": "alice", "text": "social worker"})
        assert status == 200 and answered["replies"][-1]["question_id"] == "team"
        # Claiming Alice's user id from another browser reaches a new, empty session, not her survey.
        status, back = await say(mallory, url, {"user_id": "alice", "text": "back"})
        assert status == 200 and "social worker" not in texts(back).lower()
        assert "not in a survey" in texts(back)
        # Alice's own browser (its signed cookie) carries on where she was.
        status, hers = await say(alice, url, {"user_id": "anyone", "text": "back"})
        assert "You answered: Social worker" in texts(hers)


async def test_a_forged_session_cookie_is_a_new_anonymous_user(kiosk: TestClient) -> None:
    url = str(kiosk.make_url("")).rstrip("/")
    async with ClientSession(cookie_jar=CookieJar(unsafe=True)) as first:
        await say(first, url, {"text": "start pain-points"})
        await say(first, url, {"text": "social worker"})
        [cookie] = [c for c in first.cookie_jar if c.key == "guidebot_session"]
        ident = cookie.value.partition(".")[0]
    async with ClientSession(cookie_jar=CookieJar(unsafe=True)) as forger:
        forger.cookie_jar.update_cookies({"guidebot_session": f"{ident}.{'0' * 32}"}, kiosk.make_url("/"))
        _, back = await say(forger, url, {"text": "back"})
    assert "not in a survey" in texts(back)


async def test_kiosk_users_hold_no_role_whatever_they_claim(kiosk: TestClient) -> None:
    url = str(kiosk.make_url("")).rstrip("/")
    async with ClientSession(cookie_jar=CookieJar(unsafe=True)) as session:
        _, refused = await say(session, url, {"user_id": "boss", "text": "digest"})
    assert "only for managers and digital leads" in texts(refused)


@pytest.mark.parametrize(
    ("header", "status"),
    [(f"Bearer {TOKEN}", 200), (f"bearer {TOKEN}", 200), (f"BEARER  {TOKEN} ", 200), (TOKEN, 401), ("Bearer", 401),
     (f"Basic {TOKEN}", 401), (f"Bearer {TOKEN}x", 401), ("", 401)],
)  # fmt: skip
async def test_the_token_is_a_bearer_token_in_any_case(kiosk: TestClient, header: str, status: int) -> None:
    resp = await kiosk.post(
        "/api/chat", json={"text": "help"}, headers={"Authorization": header} if header else {}
    )
    assert resp.status == status


async def test_behind_a_sign_in_proxy_people_are_who_the_proxy_says(tmp_path: Path) -> None:
    client = await app_for(tmp_path, web_token=TOKEN, web_auth="proxy", managers="web:pat.manager")
    try:
        proxy = {"Authorization": f"Bearer {TOKEN}", "X-Forwarded-User": "pat.manager"}
        resp = await client.post(
            "/api/chat", json={"user_id": "someone-else", "text": "digest"}, headers=proxy
        )
        assert resp.status == 200 and "only for managers" not in texts(await resp.json())
        resp = await client.post("/api/chat", json={"text": "start pain-points"}, headers=proxy)
        resp = await client.post("/api/chat", json={"text": "team manager"}, headers=proxy)
        assert (await stored_answers(client.server.app[SERVICES].db))["role"] == ("team-manager", None)
        # Without the proxy's header, or without the token that proves the proxy sent it: refused.
        missing = await client.post(
            "/api/chat", json={"text": "help"}, headers={"Authorization": f"Bearer {TOKEN}"}
        )
        assert missing.status == 401 and "X-Forwarded-User" in (await missing.json())["error"]
        unproven = await client.post(
            "/api/chat", json={"text": "help"}, headers={"X-Forwarded-User": "pat.manager"}
        )
        assert unproven.status == 401
    finally:
        await client.close()


async def test_the_local_web_chat_is_only_ever_on_loopback(tmp_path: Path) -> None:
    assert load_settings(data_dir=tmp_path, host="127.0.0.1").web_auth_mode == "local"
    assert load_settings(data_dir=tmp_path, host="0.0.0.0").web_auth_mode == "off"
    assert load_settings(data_dir=tmp_path, host="0.0.0.0", web_auth="local").web_auth_mode == "off"
    assert load_settings(data_dir=tmp_path, web_token=TOKEN).web_auth_mode == "kiosk"
    assert load_settings(data_dir=tmp_path, web_auth="proxy").web_auth_mode == "off"  # needs the token


async def test_invented_kiosk_users_cannot_make_a_group_big_enough_to_show(kiosk: TestClient) -> None:
    url = str(kiosk.make_url("")).rstrip("/")
    for _ in range(6):  # six "people" who are only browsers with the shared token
        async with ClientSession(cookie_jar=CookieJar(unsafe=True)) as browser:
            for text in ("start desired-outcomes", "1, 2", "skip"):
                await say(browser, url, {"text": text})
    db = kiosk.server.app[SERVICES].db
    from sqlalchemy import select

    from storage.models import SurveyResponse

    table = SurveyResponse.__table__
    rows = await db.read(
        lambda conn: conn.execute(select(table.c.status, table.c.counts, table.c.batch_id)).all()
    )
    assert len(rows) == 6 and {r.status for r in rows} == {"completed"}
    # Stored, but counting towards no figure: no batch is released from them.
    assert {(r.counts, r.batch_id) for r in rows} == {(False, None)}
