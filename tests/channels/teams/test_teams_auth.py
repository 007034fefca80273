"""Authentication offline: metadata and keys from a local identity service, tokens minted here.

A valid token passes and the bot's replies carry its own token from the fake login endpoint;
every kind of bad token gets 401 with nothing stored and nothing sent. Without an app id the
endpoint refuses everything unless dev mode is on, and dev mode refuses non-loopback service URLs.
"""

from __future__ import annotations

import time
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import pytest
from aiohttp.test_utils import TestClient, TestServer
from botbuilder.schema import Activity

from bot.app import SERVICES, build_app
from bot.channels.teams.auth import Gate
from storage.channels import conversation_refs
from tests.channels.teams.activities import APP_ID, Person, typed
from tests.channels.teams.conftest import post, settle, teams_settings
from tests.fakes.bot_connector import FakeBotConnector
from tests.fakes.openid import FakeIdentity, signing_key
from tests.helpers import table_counts

PASSWORD = "not-a-real-client-secret"


@pytest.fixture
async def secured(tmp_path: Path, identity: FakeIdentity) -> AsyncIterator[TestClient]:
    """The bot with an app id, trusting only the fake identity service."""
    settings = teams_settings(
        tmp_path,
        microsoft_app_id=APP_ID,
        microsoft_app_password=PASSWORD,
        teams_openid_metadata_url=identity.metadata_url,
        teams_login_url=identity.login_url,
    )
    async with TestClient(TestServer(build_app(settings))) as client:
        yield client


async def nothing_happened(client: TestClient, connector: FakeBotConnector) -> None:
    await settle(client)
    db = client.server.app[SERVICES].db
    assert set((await table_counts(db)).values()) == {0}
    assert await db.read(lambda conn: conversation_refs(conn, channel="teams")) == []
    assert connector.calls == []


async def test_a_valid_token_passes_and_replies_carry_the_bots_token(
    secured: TestClient, connector: FakeBotConnector, identity: FakeIdentity
) -> None:
    token = identity.mint(audience=APP_ID, service_url=connector.url)
    assert await post(secured, typed(Person("Val Example"), connector.url, "start pain-points"), token) == 201
    await settle(secured)
    posts = connector.posts()
    assert len(posts) == 2
    assert {p.headers["Authorization"] for p in posts} == {"Bearer fake-bot-token-1"}
    assert identity.token_requests == [
        {
            "grant_type": "client_credentials",
            "client_id": APP_ID,
            "client_secret": PASSWORD,
            "scope": "https://api.botframework.com/.default",
        }
    ]


def bad_tokens(identity: FakeIdentity, service_url: str) -> dict[str, str | None]:
    forger = signing_key("forger")
    return {
        "missing": None,
        "not a JWT": "not-a-token",
        "forged": identity.mint(audience=APP_ID, service_url=service_url, key=forger),
        "expired": identity.mint(audience=APP_ID, service_url=service_url, lifetime=-3600),
        "wrong audience": identity.mint(
            audience="11111111-2222-4333-8444-555555555555", service_url=service_url
        ),
        "wrong issuer": identity.mint(
            audience=APP_ID, service_url=service_url, issuer="https://issuer.example"
        ),
        "unknown key": identity.mint(audience=APP_ID, service_url=service_url, kid="rotated-away"),
        "wrong service URL": identity.mint(audience=APP_ID, service_url="https://smba.example/emea/"),
    }


@pytest.mark.parametrize(
    "kind",
    [
        "missing",
        "not a JWT",
        "forged",
        "expired",
        "wrong audience",
        "wrong issuer",
        "unknown key",
        "wrong service URL",
    ],
)
async def test_a_bad_token_is_401_with_nothing_stored(
    secured: TestClient, connector: FakeBotConnector, identity: FakeIdentity, kind: str
) -> None:
    token = bad_tokens(identity, connector.url)[kind]
    activity = typed(Person("Mo Example"), connector.url, "start pain-points")
    assert await post(secured, activity, token) == 401
    await nothing_happened(secured, connector)


async def test_a_key_without_the_teams_endorsement_is_refused(
    tmp_path: Path, connector: FakeBotConnector
) -> None:
    identity = FakeIdentity(endorsements=("webchat",)).start()
    try:
        settings = teams_settings(
            tmp_path,
            microsoft_app_id=APP_ID,
            microsoft_app_password=PASSWORD,
            teams_openid_metadata_url=identity.metadata_url,
            teams_login_url=identity.login_url,
        )
        async with TestClient(TestServer(build_app(settings))) as client:
            token = identity.mint(audience=APP_ID, service_url=connector.url)
            assert await post(client, typed(Person("Jo Example"), connector.url, "help"), token) == 401
            await nothing_happened(client, connector)
    finally:
        identity.close()


async def test_without_app_id_or_dev_mode_everything_is_refused(
    tmp_path: Path, connector: FakeBotConnector
) -> None:
    async with TestClient(TestServer(build_app(teams_settings(tmp_path)))) as client:
        assert await post(client, typed(Person("Ray Example"), connector.url, "help")) == 401
        await nothing_happened(client, connector)


async def test_dev_mode_refuses_a_service_url_that_is_not_loopback(
    tmp_path: Path, connector: FakeBotConnector
) -> None:
    settings = teams_settings(tmp_path, teams_dev_mode=True)
    async with TestClient(TestServer(build_app(settings))) as client:
        forged: dict[str, Any] = typed(Person("Eve Example"), "https://attacker.example/", "help")
        assert await post(client, forged) == 401
        await nothing_happened(client, connector)
        # The same message from a loopback service URL is answered.
        assert await post(client, typed(Person("Eve Example"), connector.url, "help")) == 201
        await settle(client)
        assert connector.posts()


async def test_bad_bodies_are_400(tmp_path: Path, connector: FakeBotConnector) -> None:
    async with TestClient(TestServer(build_app(teams_settings(tmp_path, teams_dev_mode=True)))) as client:
        for body in (b"not json", b"[]", b'{"text": "no type"}', b'{"type": "message", "from": "x"}'):
            resp = await client.post("/api/messages", data=body, headers={"Content-Type": "application/json"})
            assert resp.status == 400
        await nothing_happened(client, connector)


async def test_an_accepted_token_is_only_reused_until_it_expires_and_for_its_service_url(
    tmp_path: Path, identity: FakeIdentity, connector: FakeBotConnector
) -> None:
    settings = teams_settings(
        tmp_path,
        microsoft_app_id=APP_ID,
        microsoft_app_password=PASSWORD,
        teams_openid_metadata_url=identity.metadata_url,
    )
    now = [time.time()]
    gate = Gate(settings, clock=lambda: now[0])
    checks = []
    inner = gate.authentication.authenticate_request

    async def counted(activity: Any, header: Any) -> Any:
        checks.append(header)
        return await inner(activity, header)

    gate.authentication.authenticate_request = counted  # type: ignore[method-assign]
    header = f"Bearer {identity.mint(audience=APP_ID, service_url=connector.url, lifetime=600)}"
    person = Person("Cy Example")
    try:
        here = Activity().deserialize(typed(person, connector.url, "help"))
        assert await gate.authenticate(here, header) is not None
        assert await gate.authenticate(here, header) is not None
        assert len(checks) == 1  # the same token for the same service URL is not checked twice
        elsewhere = Activity().deserialize(typed(person, "https://smba.example/emea/", "help"))
        assert await gate.authenticate(elsewhere, header) is None
        now[0] += 601
        assert await gate.authenticate(here, header) is not None
        assert len(checks) == 3  # past its exp the token is checked again from scratch
    finally:
        gate.close()
