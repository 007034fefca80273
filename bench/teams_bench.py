"""Teams benchmark: full survey turns through our bot against a bare botbuilder echo bot, same run.

Each bot runs as its own server process pinned to CPU 0 (``taskset -c 0``); this process (the
simulated Teams users and the fake Bot Connector from tests/fakes) runs on the other CPUs. 16
users at once take the pain-points survey by card submits, reading each question card the bot
posts and pressing its buttons; a turn is timed from sending the activity until the connector has
the next question (or the thank-you) and the answered card has been replaced. The echo bot gets
the same users sending messages, timed until its echo reaches the connector.

    /tmp/venv/bin/python bench/teams_bench.py [--users 16] [--rounds 4] [--echo-messages 40] [--auth dev|token]

``--auth token`` runs our bot with an app id and signed tokens from the fake identity service
(the echo bot always runs without an app id: botbuilder's msal login needs a real HTTPS authority).
"""

from __future__ import annotations

import argparse
import asyncio
import os
import statistics
import sys
import tempfile
import time
from collections import defaultdict
from collections.abc import Callable
from pathlib import Path
from typing import Any

import aiohttp

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bench.servers import cpu_seconds, free_port, percentile, start_server, stop  # noqa: E402
from tests.channels.teams.activities import APP_ID, Person, actions_of, inputs_of, submit, text_of, typed  # noqa: E402
from tests.fakes.bot_connector import Call, FakeBotConnector  # noqa: E402
from tests.fakes.openid import FakeIdentity  # noqa: E402

ECHO_BOT = """
import sys
from types import SimpleNamespace
from aiohttp import web
from botbuilder.core import ActivityHandler, MessageFactory
from botbuilder.integration.aiohttp import CloudAdapter, ConfigurationBotFrameworkAuthentication

class Echo(ActivityHandler):
    async def on_message_activity(self, turn_context):
        await turn_context.send_activity(MessageFactory.text(f"Echo: {turn_context.activity.text}"))

adapter = CloudAdapter(ConfigurationBotFrameworkAuthentication(SimpleNamespace(APP_ID="", APP_PASSWORD="")))
bot = Echo()

async def messages(request):
    return await adapter.process(request, bot)

async def health(request):
    return web.Response(text="ok")

app = web.Application()
app.router.add_post("/api/messages", messages)
app.router.add_get("/healthz", health)
web.run_app(app, host="127.0.0.1", port=int(sys.argv[1]), print=None, access_log=None)
"""


class Inbox:
    """The connector's calls, per conversation, as queues the simulated users read."""

    def __init__(self, connector: FakeBotConnector) -> None:
        self.queues: dict[str, asyncio.Queue[Call]] = defaultdict(asyncio.Queue)
        connector.listeners.append(lambda call: self.queues[call.conversation_id or ""].put_nowait(call))

    async def until(self, conversation: str, done: Callable[[Call], bool]) -> Call:
        while True:
            call = await asyncio.wait_for(self.queues[conversation].get(), timeout=30)
            if done(call):
                return call


def answer(card: dict[str, Any]) -> dict[str, Any]:
    """A user's press on a question card: the first option, or a short typed answer."""
    inputs = inputs_of(card)
    if not inputs:
        return next(a["data"] for a in actions_of(card) if "q" in a.get("data", {}))
    send = next(a for a in actions_of(card) if a["title"] == "Send")
    field = inputs[0]
    given = field["choices"][0]["value"] if field["type"] == "Input.ChoiceSet" else "Slow to load case notes."
    return {**send["data"], field["id"]: given}


def is_question(call: Call) -> bool:
    return call.method == "POST" and call.card is not None and text_of(call.card).startswith("Question ")


def is_thanks(call: Call) -> bool:
    return call.method == "POST" and str((call.body or {}).get("text", "")).startswith("Thank you.")


async def survey_user(
    person: Person,
    rounds: int,
    post: Callable[..., Any],
    inbox: Inbox,
    url: str,
    times: list[float],
    acks: list[float],
) -> None:
    """Take the survey ``rounds`` times, timing every turn."""
    chat = person.personal_chat
    for _ in range(rounds):
        activity, expect_update = typed(person, url, "start pain-points"), False
        while True:
            started = time.perf_counter()
            acks.append(await post(activity))
            # The answered card's update and the next question travel in lanes of their own, so
            # either may reach the connector first: the turn is done when both have.
            updated = not expect_update
            while True:
                call = await inbox.until(chat, lambda c: is_question(c) or is_thanks(c) or c.method == "PUT")
                if call.method == "PUT":
                    updated = True
                    continue
                reply = call
                break
            while not updated:
                await inbox.until(chat, lambda c: c.method == "PUT")
                updated = True
            times.append((time.perf_counter() - started) * 1000)
            if is_thanks(reply):
                break
            activity, expect_update = submit(person, url, answer(reply.card), reply.new_id), True


async def echo_user(
    person: Person, messages: int, post: Callable[..., Any], inbox: Inbox, url: str, times: list[float]
) -> None:
    for n in range(messages):
        started = time.perf_counter()
        await post(typed(person, url, f"message {n}"))
        await inbox.until(person.personal_chat, lambda c: c.method == "POST")
        times.append((time.perf_counter() - started) * 1000)


def poster(session: aiohttp.ClientSession, port: int, token: Callable[[], str | None]) -> Callable[..., Any]:
    async def post(activity: dict[str, Any]) -> float:
        started = time.perf_counter()
        bearer = token()
        headers = {"Authorization": f"Bearer {bearer}"} if bearer else {}
        async with session.post(
            f"http://127.0.0.1:{port}/api/messages", json=activity, headers=headers
        ) as resp:
            await resp.read()
            assert resp.status in (200, 201), resp.status
        return (time.perf_counter() - started) * 1000

    return post


async def run_phase(
    users: list[Person], drive: Callable[[Person], Any], pid: int | None = None
) -> tuple[float, float]:
    """Wall seconds for every user to finish, and the server's CPU seconds meanwhile."""
    cpu = cpu_seconds(pid) if pid else 0.0
    started = time.perf_counter()
    await asyncio.gather(*(drive(person) for person in users))
    return time.perf_counter() - started, (cpu_seconds(pid) - cpu) if pid else 0.0


def summary(name: str, count: int, seconds: float, cpu: float, times: list[float]) -> float:
    rate = count / seconds
    print(
        f"{name:<34} {count:>6} in {seconds:6.2f} s = {rate:7.1f}/s   "
        f"p50 {statistics.median(times):6.1f} ms   p99 {percentile(times, 0.99):6.1f} ms   "
        f"server CPU {cpu / count * 1000:5.2f} ms each ({cpu / seconds:4.0%} of CPU 0)"
    )
    return rate


async def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--users", type=int, default=16)
    parser.add_argument("--rounds", type=int, default=4, help="surveys per user (19 turns each)")
    parser.add_argument("--echo-messages", type=int, default=40, help="messages per user to the echo bot")
    parser.add_argument("--auth", choices=["dev", "token"], default="dev")
    args = parser.parse_args()
    if len(os.sched_getaffinity(0)) > 1:
        os.sched_setaffinity(0, os.sched_getaffinity(0) - {0})
    connector = FakeBotConnector()
    url = await connector.start()
    inbox = Inbox(connector)
    work = Path(tempfile.mkdtemp(prefix="teams-bench-"))
    identity = FakeIdentity().start() if args.auth == "token" else None
    env = {**os.environ, "GUIDEBOT_DATA_DIR": str(work), "GUIDEBOT_SECRET_KEY": "bench-secret-key-0123456789"}
    # Pacing off: the fake enforces no limits, and the users answer far faster than Teams allows.
    env |= {"GUIDEBOT_LOG_FORMAT": "json", "GUIDEBOT_TEAMS_DEV_MODE": "1", "GUIDEBOT_PACING_SCALE": "0"}
    token: Callable[[], str | None] = lambda: None  # noqa: E731
    if identity is not None:
        env |= {"MicrosoftAppId": APP_ID, "MicrosoftAppPassword": "bench-secret"}
        env |= {"GUIDEBOT_TEAMS_OPENID_METADATA_URL": identity.metadata_url}
        env |= {"GUIDEBOT_TEAMS_LOGIN_URL": identity.login_url}
        minted = identity.mint(audience=APP_ID, service_url=url)
        token = lambda: minted  # noqa: E731
    print(
        f"{args.users} users; bots pinned to CPU 0; load and fake connector on CPUs {sorted(os.sched_getaffinity(0))}"
    )
    async with aiohttp.ClientSession(connector=aiohttp.TCPConnector(limit=200)) as session:
        echo_port = free_port()
        (work / "echo_bot.py").write_text(ECHO_BOT)
        echo = await start_server(
            [sys.executable, str(work / "echo_bot.py"), str(echo_port)], env, echo_port, work / "echo.log"
        )
        try:
            post = poster(session, echo_port, lambda: None)
            warm = [Person(f"Warm {i}") for i in range(args.users)]
            await run_phase(warm, lambda p: echo_user(p, 3, post, inbox, url, []))
            echo_times: list[float] = []
            users = [Person(f"Echo {i}") for i in range(args.users)]
            seconds, cpu = await run_phase(
                users, lambda p: echo_user(p, args.echo_messages, post, inbox, url, echo_times), echo.pid
            )
        finally:
            stop(echo)
        echo_rate = summary("bare CloudAdapter echo bot", len(echo_times), seconds, cpu, echo_times)

        port = free_port()
        bot = await start_server(
            [sys.executable, "-m", "bot", "serve", "--port", str(port)], env, port, work / "bot.log"
        )
        try:
            post = poster(session, port, token)
            warm = [Person(f"Warm survey {i}") for i in range(args.users)]
            await run_phase(warm, lambda p: survey_user(p, 1, post, inbox, url, [], []))
            times: list[float] = []
            acks: list[float] = []
            users = [Person(f"Practitioner {i}") for i in range(args.users)]
            seconds, cpu = await run_phase(
                users, lambda p: survey_user(p, args.rounds, post, inbox, url, times, acks), bot.pid
            )
        finally:
            stop(bot)
        rate = summary(f"guidebot survey turns ({args.auth})", len(times), seconds, cpu, times)
        print(
            f"{'  HTTP answer to each activity':<34} {'':>27}p50 {statistics.median(acks):6.1f} ms   p99 {percentile(acks, 0.99):6.1f} ms"
        )
        print(f"ratio {rate / echo_rate:.1f}x the echo bot (target >= 4x); p99 target < 100 ms")
    await connector.close()
    if identity is not None:
        identity.close()


if __name__ == "__main__":
    asyncio.run(main())
