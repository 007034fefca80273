"""Slack benchmark: survey turns through our bot against a bare slack-bolt app, in the same run.

Each server runs as its own process pinned to CPU 0 (``taskset -c 0``); this process (the simulated
Slack users, signing every request as Slack does, and the fake Web API from tests/fakes) runs on the
other CPUs. 16 users at once take the pain-points survey in direct messages, half by pressing the
buttons, menus and checkboxes they read out of each question message, half by typing; a turn is
timed from the signed event or click until the next question (or the thank-you) reaches the Web
API. The bare bolt app (a message listener that replies once with ``say()``, and an action
listener that only acknowledges) gets the same users sending direct messages, until its reply
arrives: once as bolt comes (its Web API client opens a session per call), the issue's "bare
slack-bolt app", and once given one shared session as our bot has ("bolt+sess"). Then one user
alone clicks, to time the acknowledgement of a button click at rest. The servers take turns for
``--rounds`` rounds, and each figure is the median of a server's rounds.

    /tmp/venv/bin/python bench/slack_bench.py [--users 16] [--seconds 10] [--rounds 3] [--only-ours]
"""

from __future__ import annotations

import argparse
import asyncio
import itertools
import os
import statistics
import sys
import tempfile
import time
from collections.abc import Awaitable, Callable
from pathlib import Path
from typing import Any

import aiohttp

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bench.servers import cpu_seconds, free_port, percentile, start_server, stop  # noqa: E402
from tests.channels.slack.payloads import actions_body, direct_message, event_body, press, signed  # noqa: E402
from tests.fakes.slack_api import Call, FakeSlack  # noqa: E402
from tests.helpers import PAIN_POINTS_TYPED  # noqa: E402

SECRET = "bench-signing-secret"
TOKEN = "xoxb-bench-0001"
BARE_BOLT = """
import os, re, sys
from aiohttp import ClientSession, web
from slack_bolt.adapter.aiohttp import to_aiohttp_response, to_bolt_request
from slack_bolt.async_app import AsyncApp
from slack_sdk.web.async_client import AsyncWebClient

client = AsyncWebClient(token=os.environ["SLACK_BOT_TOKEN"], base_url=os.environ["GUIDEBOT_SLACK_API_URL"])
bolt = AsyncApp(client=client, signing_secret=os.environ["SLACK_SIGNING_SECRET"])

@bolt.event("message")
async def reply(event, say, client):
    sent = await say(text="Thanks, got it.")
    if os.environ.get("BARE_BOLT_UPDATE"):  # and update it, as a survey turn updates the question answered
        await client.chat_update(channel=sent["channel"], ts=sent["ts"], text="Thanks, got it.")

@bolt.action(re.compile(".*"))
async def click(ack):
    await ack()

async def events(request):
    return await to_aiohttp_response(await bolt.async_dispatch(await to_bolt_request(request)))

async def health(request):
    return web.Response(text="ok")

async def shared_session(app):
    client.session = ClientSession()  # one session for every call, as in our bot
    yield
    await client.session.close()

app = web.Application()
app.router.add_post("/slack/events", events)
app.router.add_get("/healthz", health)
if os.environ.get("BARE_BOLT_SESSION") == "shared":
    app.cleanup_ctx.append(shared_session)
web.run_app(app, host="127.0.0.1", port=int(sys.argv[2]), print=None, access_log=None)
"""


# A message with one button, for clicking the bare bolt app (whose action listener only acknowledges).
BARE_BUTTON = Call(
    "chat.postMessage",
    {
        "channel": "DBENCHREST",
        "blocks": [
            {
                "type": "actions",
                "block_id": "b",
                "elements": [
                    {
                        "type": "button",
                        "action_id": "go",
                        "text": {"type": "plain_text", "text": "Go"},
                        "value": "{}",
                    }
                ],
            }
        ],
    },
    {"ts": "1700000000.000001"},
)


class Slack:
    """The Slack side: signed requests to a server, and replies awaited on the fake Web API."""

    def __init__(self, fake: FakeSlack, session: aiohttp.ClientSession, port: int) -> None:
        self.url = f"http://127.0.0.1:{port}/slack/events"
        self.session = session
        self.waiting: dict[str, tuple[Callable[[Call], bool], asyncio.Future[Call]]] = {}
        self.ids = itertools.count(1)
        fake.listeners.append(self._seen)

    def _seen(self, call: Call) -> None:
        waiter = self.waiting.get(call.channel or "") if call.method == "chat.postMessage" else None
        if waiter is not None and waiter[0](call) and not waiter[1].done():
            waiter[1].set_result(call)

    async def send(self, body: bytes, *, form: bool) -> float:
        """POST a signed request; the acknowledgement time in milliseconds."""
        headers = signed(SECRET, body, form=form)
        started = time.perf_counter()
        async with self.session.post(self.url, data=body, headers=headers) as resp:
            await resp.read()
            assert resp.status == 200, resp.status
        return (time.perf_counter() - started) * 1000

    async def turn(
        self, channel: str, body: bytes, *, form: bool, done: Callable[[Call], bool]
    ) -> tuple[float, float, Call]:
        """Send, and wait for the reply in ``channel`` that ``done`` recognises: (ack ms, turn ms, reply)."""
        future: asyncio.Future[Call] = asyncio.get_running_loop().create_future()
        self.waiting[channel] = (done, future)
        started = time.perf_counter()
        ack = await self.send(body, form=form)
        reply = await asyncio.wait_for(future, 30)
        return ack, (time.perf_counter() - started) * 1000, reply

    def event(self, user: str, text: str) -> bytes:
        return event_body(direct_message(user, text), f"EvB{next(self.ids):09d}")


def is_question(call: Call) -> bool:
    return any(b.get("block_id", "").startswith("question:") for b in call.blocks)


def is_reply(call: Call) -> bool:
    return is_question(call) or str(call.body.get("text", "")).startswith("Thank you.")


def answer_by_clicking(message: Call, user: str) -> bytes | None:
    """The click a person would make on this question, or None when it has to be typed."""
    elements = [e for b in message.blocks if b["type"] == "actions" for e in b["elements"]]
    labels: list[str] = []
    for element in elements:
        if element["type"] == "checkboxes":
            labels += [o["text"]["text"] for o in element["options"]][: 2 - len(labels)]
        elif element["type"] == "static_select" and not labels:
            labels = [element["options"][0]["text"]["text"]]
        elif element["type"] == "button" and element["action_id"].startswith("answer") and not labels:
            labels = [element["text"]["text"]]
    return actions_body(press(message, *labels, user=user)) if labels else None


class Tally:
    def __init__(self) -> None:
        self.turns = 0
        self.acks: list[float] = []
        self.click_acks: list[float] = []
        self.turn_times: list[float] = []


async def survey_user(
    slack: Slack, index: int, clicking: bool, measure_from: float, until: float, tally: Tally
) -> None:
    user, dm = f"UBENCH{index:04d}", f"DBENCH{index:04d}"
    while time.monotonic() < until:
        _, _, message = await slack.turn(
            dm, slack.event(user, "start pain-points"), form=False, done=is_question
        )
        while is_question(message) and time.monotonic() < until:
            click = answer_by_clicking(message, user) if clicking else None
            sent_at = time.monotonic()
            if click is not None:
                ack, took, message = await slack.turn(dm, click, form=True, done=is_reply)
            else:
                typed = PAIN_POINTS_TYPED[message.blocks[0]["block_id"].removeprefix("question:")]
                ack, took, message = await slack.turn(dm, slack.event(user, typed), form=False, done=is_reply)
            if sent_at >= measure_from and time.monotonic() <= until:
                tally.turns += 1
                tally.acks.append(ack)
                tally.turn_times.append(took)
                if click is not None:
                    tally.click_acks.append(ack)


async def echo_user(slack: Slack, index: int, measure_from: float, until: float, tally: Tally) -> None:
    user, dm = f"UBENCH{index:04d}", f"DBENCH{index:04d}"
    while time.monotonic() < until:
        sent_at = time.monotonic()
        ack, took, _ = await slack.turn(dm, slack.event(user, "hello"), form=False, done=lambda call: True)
        if sent_at >= measure_from and time.monotonic() <= until:
            tally.turns += 1
            tally.acks.append(ack)
            tally.turn_times.append(took)


async def clicks_at_rest(slack: Slack, ours: bool, count: int) -> list[float]:
    """One user alone: the acknowledgement time of ``count`` button clicks."""
    user, dm = "UBENCHREST", "DBENCHREST"
    times: list[float] = []
    if not ours:
        return [
            await slack.send(actions_body(press(BARE_BUTTON, "Go", user=user)), form=True)
            for _ in range(count)
        ]
    while len(times) < count:
        _, _, message = await slack.turn(
            dm, slack.event(user, "start pain-points"), form=False, done=is_question
        )
        while is_question(message) and len(times) < count:
            click = answer_by_clicking(message, user)
            if click is None:
                typed = PAIN_POINTS_TYPED[message.blocks[0]["block_id"].removeprefix("question:")]
                _, _, message = await slack.turn(dm, slack.event(user, typed), form=False, done=is_reply)
                continue
            ack, _, message = await slack.turn(dm, click, form=True, done=is_reply)
            times.append(ack)
    return times


async def cpu_used(pid: int, warmup: float, work: Awaitable[Any]) -> tuple[float, float]:
    """The share of a core the server (``pid``) and this process used from ``warmup`` s until ``work`` ends."""

    async def mark() -> tuple[float, float, float]:
        await asyncio.sleep(warmup)
        return cpu_seconds(pid), sum(os.times()[:2]), time.monotonic()

    (server, own, started), _ = await asyncio.gather(mark(), work)
    elapsed = time.monotonic() - started
    return (cpu_seconds(pid) - server) / elapsed, (sum(os.times()[:2]) - own) / elapsed


async def measure(
    name: str, command: list[str], env: dict[str, str], args: argparse.Namespace, ours: bool, workdir: Path
) -> dict[str, float]:
    port = free_port()
    fake = await FakeSlack().start()
    env = env | {"GUIDEBOT_SLACK_API_URL": fake.api_url, "PORT": str(port)}
    log = workdir / f"{name}.log"
    proc = await start_server([*command, "--port", str(port)], env, port, log)
    tally = Tally()
    try:
        async with aiohttp.ClientSession(connector=aiohttp.TCPConnector(limit=0)) as session:
            slack = Slack(fake, session, port)
            now = time.monotonic()
            measure_from, until = now + args.warmup, now + args.warmup + args.seconds
            users = [
                survey_user(slack, i, i % 2 == 0, measure_from, until, tally)
                if ours
                else echo_user(slack, i, measure_from, until, tally)
                for i in range(args.users)
            ]
            cpu, own_cpu = await cpu_used(proc.pid, args.warmup, asyncio.gather(*users))
            rest = await clicks_at_rest(slack, ours, args.clicks)
    finally:
        stop(proc)
        await fake.close()
    return {
        "turns/s": tally.turns / args.seconds,
        "turn p50": percentile(tally.turn_times, 0.5),
        "ack p50": percentile(tally.acks, 0.5),
        "ack p99": percentile(tally.acks, 0.99),
        "click p50 (load)": percentile(tally.click_acks, 0.5),
        "click p50 (rest)": statistics.median(rest),
        "server CPU": cpu,
        "bench CPU": own_cpu,
    }


async def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--users", type=int, default=16)
    parser.add_argument("--seconds", type=float, default=10.0)
    parser.add_argument("--warmup", type=float, default=3.0)
    parser.add_argument("--clicks", type=int, default=200)
    parser.add_argument("--rounds", type=int, default=3, help="each server measured this many times, in turn")
    parser.add_argument("--log-level", default="INFO", help="our bot's GUIDEBOT_LOG_LEVEL")
    parser.add_argument("--only-ours", action="store_true", help="measure our bot alone (no bare bolt)")
    parser.add_argument(
        "--with-update",
        action="store_true",
        help="also bare bolt with a shared session that updates each reply (a survey turn's two Web API calls)",
    )
    args = parser.parse_args()
    if len(os.sched_getaffinity(0)) > 1:
        os.sched_setaffinity(0, os.sched_getaffinity(0) - {0})
    with tempfile.TemporaryDirectory() as tmp:
        workdir = Path(tmp)
        env = {k: v for k, v in os.environ.items() if not k.startswith(("GUIDEBOT_", "SLACK_"))}
        env |= {"SLACK_BOT_TOKEN": TOKEN, "SLACK_SIGNING_SECRET": SECRET}
        bot_env = env | {
            "GUIDEBOT_SECRET_KEY": "bench-secret-key-not-for-production",
            "GUIDEBOT_LOG_LEVEL": args.log_level,
            "GUIDEBOT_LOG_FORMAT": "json",
            # Sixteen users answering as fast as they can would be paced to Slack's real limits (about
            # a post a second per conversation): the fake enforces none, so pacing is off here.
            "GUIDEBOT_PACING_SCALE": "0",
        }
        bare_script = workdir / "bare_bolt.py"
        bare_script.write_text(BARE_BOLT)
        bare = [sys.executable, str(bare_script)]
        servers = [("guidebot", [sys.executable, "-m", "bot", "serve"], bot_env, True)]
        if not args.only_ours:
            servers += [
                ("bare bolt", bare, env, False),
                ("bolt+sess", bare, env | {"BARE_BOLT_SESSION": "shared"}, False),
            ]
        if args.with_update:
            shared_update = env | {"BARE_BOLT_SESSION": "shared", "BARE_BOLT_UPDATE": "1"}
            servers.append(("bolt+s+upd", bare, shared_update, False))
        # The machine's speed drifts over a minute or two, so the servers take turns, round after
        # round, rather than each running all its rounds together.
        rounds: dict[str, list[dict[str, float]]] = {name: [] for name, *_ in servers}
        for number in range(args.rounds):
            for name, command, server_env, ours in servers:
                # Each round starts from an empty database: the same users start the survey afresh.
                server_env = server_env | {"GUIDEBOT_DATA_DIR": str(workdir / f"data-{number}")}
                result = await measure(name, command, server_env, args, ours, workdir)
                rounds[name].append(result)
                print(f"round {number + 1}: {name:<10} {result['turns/s']:>6.0f} turns/s", flush=True)
    report(rounds, args)


def report(rounds: dict[str, list[dict[str, float]]], args: argparse.Namespace) -> None:
    """One line per server (the median of its rounds), then the issue's targets."""
    results = {
        name: {k: statistics.median(r[k] for r in runs) for k in runs[0]} for name, runs in rounds.items()
    }
    print(
        f"{args.users} users, {args.rounds} rounds of {args.seconds:.0f} s each after {args.warmup:.0f} s warm-up,"
        " servers on CPU 0, SQLite; medians of the rounds"
    )
    print(
        f"{'':<10} {'turns/s':>8} {'turn p50':>9} {'ack p50':>8} {'ack p99':>8} {'click p50 load':>15}"
        f" {'click p50 rest':>15} {'server CPU':>11} {'CPU/turn':>9} {'bench CPU':>10}"
    )
    for name, r in results.items():
        print(
            f"{name:<10} {r['turns/s']:>8.0f} {r['turn p50']:>7.2f}ms {r['ack p50']:>6.2f}ms {r['ack p99']:>6.2f}ms "
            f"{r['click p50 (load)']:>13.2f}ms {r['click p50 (rest)']:>13.2f}ms {r['server CPU']:>10.0%}"
            f" {r['server CPU'] / r['turns/s'] * 1e6:>7.0f}us {r['bench CPU']:>10.0%}"
        )
    if "bare bolt" not in results:
        return
    ours, bare = results["guidebot"], results["bare bolt"]
    print(
        f"targets: turns/s >= bare bolt: {ours['turns/s']:.0f} vs {bare['turns/s']:.0f} "
        f"({'met' if ours['turns/s'] >= bare['turns/s'] else 'NOT met'}); "
        f"ack p99 < 50 ms: {ours['ack p99']:.1f} ms ({'met' if ours['ack p99'] < 50 else 'NOT met'}); "
        f"click ack median < 3 ms: {ours['click p50 (rest)']:.2f} ms at rest, "
        f"{ours['click p50 (load)']:.2f} ms under load"
    )


if __name__ == "__main__":
    asyncio.run(main())
