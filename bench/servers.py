"""What the channel benchmarks share: free ports, servers pinned to CPU 0, their CPU time, percentiles."""

from __future__ import annotations

import asyncio
import contextlib
import os
import socket
import subprocess
from pathlib import Path

import aiohttp

ROOT = Path(__file__).resolve().parent.parent


def free_port() -> int:
    """A TCP port on 127.0.0.1 that nothing listens on now."""
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def percentile(values: list[float], share: float) -> float:
    """The ``share`` (0-1) percentile of ``values``; NaN when there are none."""
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(share * (len(ordered) - 1)))] if ordered else float("nan")


def cpu_seconds(pid: int) -> float:
    """User and system CPU time a process has used so far."""
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def launch(command: list[str], env: dict[str, str], log: Path) -> subprocess.Popen[bytes]:
    """Start a server pinned to CPU 0, its output going to ``log``."""
    with log.open("wb") as out:
        proc = subprocess.Popen(["taskset", "-c", "0", *command], env=env, stdout=out, stderr=out, cwd=ROOT)
    profile = os.environ.get("BENCH_PROFILE")  # a file for py-spy's folded stacks of the server
    if profile:  # attached, so it writes the file when the server stops
        spy = ["py-spy", "record", "-r", "250", "-f", "raw", "-o", profile, "-p", str(proc.pid)]
        subprocess.Popen(spy, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    return proc


def failed_to_start(proc: subprocess.Popen[bytes], log: Path) -> RuntimeError:
    """Stop a server that never answered; the error says where its output is, with its end."""
    stop(proc)
    return RuntimeError(f"server did not start; see {log}:\n{log.read_text(errors='replace')[-2000:]}")


async def start_server(
    command: list[str], env: dict[str, str], port: int, log: Path
) -> subprocess.Popen[bytes]:
    """Start a server pinned to CPU 0 (its output in ``log``) and wait until it answers /healthz."""
    proc = launch(command, env, log)
    async with aiohttp.ClientSession() as session:
        for _ in range(300):
            with contextlib.suppress(aiohttp.ClientError):
                async with session.get(f"http://127.0.0.1:{port}/healthz") as resp:
                    if resp.status == 200:
                        return proc
            if proc.poll() is not None:
                break
            await asyncio.sleep(0.1)
    raise failed_to_start(proc, log)


def stop(proc: subprocess.Popen[bytes]) -> None:
    """Stop a server, killing it if it has not stopped in 40 seconds."""
    proc.terminate()
    try:
        proc.wait(timeout=40)
    except subprocess.TimeoutExpired:
        proc.kill()
