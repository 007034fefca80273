"""Load benchmark: many concurrent web-chat users taking the pain-points survey against a running server.

Starts ``guidebot serve`` pinned to one core (taskset), on a fresh SQLite database unless
DATABASE_URL is given, and drives it from this process (on the other core) over keep-alive HTTP.

    python bench/web_bench.py --users 16 --seconds 20

Prints survey turns per second and p50/p99 latency. Reported, not asserted: see the README.
"""

from __future__ import annotations

import argparse
import asyncio
import os
import shutil
import socket
import statistics
import subprocess
import sys
import tempfile
import time
import uuid
from pathlib import Path

import aiohttp

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench.servers import cpu_seconds

ROOT = Path(__file__).resolve().parents[1]
TYPED = {"frustration": "Search is slow and I retype the same details.", "tasks_other": "Printing"}


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def start_server(port: int, data: Path, core: str, database_url: str | None) -> subprocess.Popen[bytes]:
    env = {
        **os.environ,
        "PORT": str(port),
        "GUIDEBOT_DATA_DIR": str(data),
        "GUIDEBOT_SECRET_KEY": "bench-secret-key-0123",
        "GUIDEBOT_LOG_LEVEL": os.environ.get("GUIDEBOT_LOG_LEVEL", "INFO"),
    }
    if database_url:
        env["DATABASE_URL"] = database_url
    cmd = [sys.executable, "-m", "bot", "serve"]
    if shutil.which("taskset"):
        cmd = ["taskset", "-c", core, *cmd]
    return subprocess.Popen(cmd, cwd=ROOT, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)


async def wait_ready(session: aiohttp.ClientSession, base: str) -> None:
    for _ in range(200):
        try:
            async with session.get(f"{base}/healthz") as resp:
                if resp.status == 200:
                    return
        except aiohttp.ClientError:
            pass
        await asyncio.sleep(0.05)
    raise RuntimeError("server did not start")


async def user(
    session: aiohttp.ClientSession, base: str, name: str, deadline: float, latencies: list[float]
) -> int:
    turns = 0
    body: dict = {"user_id": name, "text": "start pain-points"}
    while time.perf_counter() < deadline:
        body["message_id"] = uuid.uuid4().hex
        started = time.perf_counter()
        async with session.post(f"{base}/api/chat", json=body) as resp:
            data = await resp.json()
            assert resp.status == 200, data
        latencies.append(time.perf_counter() - started)
        turns += 1
        questions = [r for r in data["replies"] if r["type"] == "question"]
        if not questions:
            body = {"user_id": name, "text": "start pain-points"}
            continue
        q = questions[-1]
        if q["multiple"]:
            body = {
                "user_id": name,
                "value": {"q": q["question_id"], "a": [c["value"]["a"] for c in q["choices"][:2]]},
            }
        elif q["choices"]:
            body = {"user_id": name, "value": q["choices"][turns % len(q["choices"])]["value"]}
        else:
            body = {"user_id": name, "text": TYPED.get(q["question_id"], "3")}
    return turns


async def run(users: int, seconds: float, database_url: str | None, core: str) -> None:
    port = free_port()
    with tempfile.TemporaryDirectory() as tmp:
        server = start_server(port, Path(tmp), core, database_url)
        base = f"http://127.0.0.1:{port}"
        try:
            connector = aiohttp.TCPConnector(limit=users)
            async with aiohttp.ClientSession(connector=connector) as session:
                await wait_ready(session, base)
                warm: list[float] = []
                await asyncio.gather(
                    *(user(session, base, f"warm-{i}", time.perf_counter() + 2, warm) for i in range(users))
                )
                latencies: list[float] = []
                cpu_before = cpu_seconds(server.pid)
                started = time.perf_counter()
                counts = await asyncio.gather(
                    *(user(session, base, f"user-{i}", started + seconds, latencies) for i in range(users))
                )
                elapsed = time.perf_counter() - started
                cpu = cpu_seconds(server.pid) - cpu_before
        finally:
            server.terminate()
            server.wait(timeout=30)
    latencies.sort()
    p99 = latencies[int(len(latencies) * 0.99) - 1]
    print(
        f"database: {'SQLite' if not database_url else database_url.split('://')[0]}; server pinned to core {core}"
    )
    print(f"users: {users}; turns: {sum(counts)} in {elapsed:.1f} s")
    print(f"survey turns per second: {sum(counts) / elapsed:,.0f}")
    print(f"latency p50: {statistics.median(latencies) * 1000:.1f} ms; p99: {p99 * 1000:.1f} ms")
    # CPU time per turn holds steadier than turns per second on a machine doing other work.
    print(f"server CPU per turn: {cpu / sum(counts) * 1e6:.0f} us ({cpu / elapsed:.0%} of a core)")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--users", type=int, default=16)
    parser.add_argument("--seconds", type=float, default=20)
    parser.add_argument("--core", default="0", help="the core the server is pinned to")
    parser.add_argument("--database-url", default=None, help="default: a fresh SQLite file")
    args = parser.parse_args()
    asyncio.run(run(args.users, args.seconds, args.database_url, args.core))


if __name__ == "__main__":
    main()
