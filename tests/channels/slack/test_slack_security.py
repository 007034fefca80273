"""Only requests signed by Slack in the last five minutes are processed; users' words never become mentions."""

from __future__ import annotations

import json
import time
from urllib.parse import quote_plus

import pytest
from slack_bolt.request.internals import parse_body as bolt_parse_body
from slack_sdk.signature import SignatureVerifier

from bot.channels.slack.routes import SLACK_ENDPOINT, parse_body
from tests.channels.slack.payloads import direct_message, event_body, signature, signed
from tests.channels.slack.slack_bot import SIGNING_SECRET, SlackBot
from tests.helpers import table_counts

# Slack's documented example (https://docs.slack.dev/authentication/verifying-requests-from-slack/).
DOC_SECRET = "8f742231b10e8888abcd99yyyzzz85a5"
DOC_TIMESTAMP = 1531420618
DOC_BODY = (
    b"token=xyzz0WbapA4vBCDEFasx0q6G&team_id=T1DC2JH3J&team_domain=testteamnow&channel_id=G8PSS9T3V"
    b"&channel_name=foobar&user_id=U2CERLKJA&user_name=roadrunner&command=%2Fwebhook-collect&text="
    b"&response_url=https%3A%2F%2Fhooks.slack.com%2Fcommands%2FT1DC2JH3J%2F397700885554%2F96rGlfmibIGlgcZRskXaIFfN"
    b"&trigger_id=398738663015.47445629121.803a0bc887a14d10d2c447fce8b6703c"
)
DOC_SIGNATURE = "v0=a2114d57b48eac39b9ad189dd8316235a7b4a8d21a10bd27519666489c69b503"
USER = "UPRACT0002"
DM = "DPRACT0002"


class FrozenClock:
    def __init__(self, now: float) -> None:
        self._now = now

    def now(self) -> float:
        return self._now


def test_the_fake_signs_exactly_as_slack_documents() -> None:
    assert signature(DOC_SECRET, str(DOC_TIMESTAMP), DOC_BODY) == DOC_SIGNATURE


async def test_slacks_documented_request_is_accepted_at_its_time_and_refused_later(slack: SlackBot) -> None:
    endpoint = slack.client.server.app[SLACK_ENDPOINT]
    headers = {
        "Content-Type": "application/x-www-form-urlencoded",
        "X-Slack-Request-Timestamp": str(DOC_TIMESTAMP),
        "X-Slack-Signature": DOC_SIGNATURE,
    }
    endpoint.verifier = SignatureVerifier(DOC_SECRET, clock=FrozenClock(DOC_TIMESTAMP + 299))
    accepted = await slack.client.post("/slack/events", data=DOC_BODY, headers=headers)
    assert accepted.status == 404  # signed correctly; /webhook-collect is just not a command of ours

    tampered = await slack.client.post(
        "/slack/events", data=DOC_BODY.replace(b"foobar", b"foobaz"), headers=headers
    )
    assert tampered.status == 401

    endpoint.verifier = SignatureVerifier(DOC_SECRET, clock=FrozenClock(DOC_TIMESTAMP + 301))
    expired = await slack.client.post("/slack/events", data=DOC_BODY, headers=headers)
    assert expired.status == 401


@pytest.mark.parametrize(
    "headers",
    [
        pytest.param(lambda body: signed("not-the-secret", body, form=False), id="forged"),
        pytest.param(
            lambda body: signed(SIGNING_SECRET, body, form=False, timestamp=int(time.time()) - 301),
            id="expired",
        ),
        pytest.param(
            lambda body: signed(SIGNING_SECRET, body, form=False, timestamp=int(time.time()) + 301),
            id="future",
        ),
        pytest.param(lambda body: {"Content-Type": "application/json"}, id="unsigned"),
        pytest.param(
            lambda body: {
                k: v for k, v in signed(SIGNING_SECRET, body, form=False).items() if "Timestamp" not in k
            },
            id="no-timestamp",
        ),
        pytest.param(
            lambda body: signed(SIGNING_SECRET, body, form=False) | {"X-Slack-Request-Timestamp": "soon"},
            id="bad-timestamp",
        ),
    ],
)
async def test_requests_not_signed_by_slack_get_401_and_change_nothing(slack: SlackBot, headers) -> None:  # type: ignore[no-untyped-def]
    body = event_body(direct_message(USER, "start pain-points"), "EvFORGED01")
    resp = await slack.client.post("/slack/events", data=body, headers=headers(body))
    assert resp.status == 401
    await slack.settle()
    assert [c.method for c in slack.fake.calls] == ["auth.test"]  # asked once at start, nothing since
    assert set((await table_counts(slack.services.db)).values()) == {0}


async def test_the_url_check_is_answered(slack: SlackBot) -> None:
    body = json.dumps(
        {"type": "url_verification", "token": "unused", "challenge": "fictional-challenge-42"}
    ).encode()
    resp = await slack.client.post(
        "/slack/events", data=body, headers=signed(SIGNING_SECRET, body, form=False)
    )
    assert resp.status == 200
    assert "fictional-challenge-42" in await resp.text()


async def test_what_users_type_is_repeated_escaped(slack: SlackBot) -> None:
    # Typed characters arrive as entities; a real @here mention arrives as <!here>. Neither may go out live.
    await slack.dm(USER, "start &lt;!channel&gt; &lt;https://evil.example|innocent&gt; <!here>")
    await slack.settle()
    said = " ".join(call.all_text for call in slack.posts(DM))
    assert "&lt;!channel&gt; &lt;https://evil.example|innocent&gt; &lt;!here&gt;" in said
    assert "<!channel>" not in said and "<!here>" not in said and "<https://evil" not in said


async def test_a_free_text_answer_is_shown_back_escaped(slack: SlackBot) -> None:
    await slack.dm(USER, "start desired-outcomes")
    await slack.settle()
    await slack.dm(USER, "1, 2")
    await slack.settle()
    good_system = slack.last_question(DM)
    assert good_system is not None
    await slack.dm(USER, "Tell &lt;!channel&gt; &amp; <!everyone> about <https://evil.example|this>")
    await slack.settle()
    [update] = [u for u in slack.fake.to("chat.update", DM) if u.ts == good_system.ts]
    assert "&lt;!channel&gt; &amp;amp; &lt;!everyone&gt;" not in update.all_text
    assert (
        "Tell &lt;!channel&gt; &amp; &lt;!everyone&gt; about &lt;https://evil.example|this&gt;"
        in update.all_text
    )


@pytest.mark.parametrize(
    ("body", "form"),
    [
        pytest.param(b'{"type": "event_callback", "event":', False, id="cut-off-json"),
        pytest.param(b'["event_callback"]', False, id="json-list"),
        pytest.param(b"payload=%7B%22type%22%3A%22block_actions%22", True, id="cut-off-payload"),
        pytest.param(b"payload=%5B1%2C2%5D", True, id="payload-list"),
    ],
)
async def test_a_signed_body_that_is_not_slack_json_gets_400_and_changes_nothing(
    slack: SlackBot, body: bytes, form: bool
) -> None:
    resp = await slack.client.post(
        "/slack/events", data=body, headers=signed(SIGNING_SECRET, body, form=form)
    )
    assert resp.status == 400
    await slack.settle()
    assert [c.method for c in slack.fake.calls] == ["auth.test"]
    assert set((await table_counts(slack.services.db)).values()) == {0}


@pytest.mark.parametrize(
    ("raw", "content_type"),
    [
        pytest.param(DOC_BODY.decode(), "application/x-www-form-urlencoded", id="slash-command"),
        pytest.param(
            "payload=" + quote_plus(json.dumps({"type": "block_actions", "note": "a+b & <c> = 100% ü"})),
            "application/x-www-form-urlencoded",
            id="click",
        ),
        pytest.param(
            '{"type": "event_callback", "event": {"text": "50% + 1"}}', "application/json", id="json"
        ),
    ],
)
def test_bodies_are_read_as_bolt_reads_them(raw: str, content_type: str) -> None:
    assert parse_body(raw, content_type) == bolt_parse_body(raw, content_type) != {}


def test_a_command_mentioning_payload_keeps_its_text() -> None:
    # bolt looks for "payload" anywhere in a form and, when it is only a word typed after /guide,
    # reads an empty body; we read the form's fields.
    raw = "command=%2Fguide&text=what+is+a+payload%3F&empty="
    assert bolt_parse_body(raw, "application/x-www-form-urlencoded") == {}
    assert parse_body(raw, "application/x-www-form-urlencoded") == {
        "command": "/guide",
        "text": "what is a payload?",
        "empty": "",
    }
