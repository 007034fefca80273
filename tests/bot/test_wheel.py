"""An install from a wheel works: the wheel carries the default content, and a fresh virtual
environment outside the repository checks it, exports it and answers a web turn from another folder.

The wheel is built without build isolation and installed with ``--no-deps`` (the dependencies come
from this test run's own site-packages, put on the new environment's path), so the test needs no
network. The repository is never on the new environment's path.
"""

from __future__ import annotations

import json
import os
import shutil
import site
import subprocess
import sys
import tomllib
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[2]
SOURCES = ("bot", "dialogs", "storage", "content", "pyproject.toml", "README.md")
WEB_TURN = """
import asyncio, json, sys
from aiohttp.test_utils import TestClient, TestServer
import bot
from bot.app import build_app
from bot.settings import load_settings

async def main():
    async with TestClient(TestServer(build_app(load_settings()))) as client:
        page = await client.get("/")
        script = await client.get("/static/chat.js")
        body = {"user_id": "wheel", "message_id": "m-1", "text": "start pain-points"}
        turn = await client.post("/api/chat", json=body)
        print("RESULT " + json.dumps({
            "bot": bot.__file__, "page": page.status, "script": script.status,
            "turn": turn.status, "replies": (await turn.json())["replies"],
        }))

asyncio.run(main())
"""


def test_every_code_package_is_listed_for_the_wheel() -> None:
    listed = set(tomllib.loads((REPO / "pyproject.toml").read_text())["tool"]["setuptools"]["packages"])
    found = {
        ".".join(folder.relative_to(REPO).parts)
        for top in ("bot", "dialogs", "storage")
        for folder in [REPO / top, *(REPO / top).rglob("*")]
        if folder.is_dir() and folder.name != "__pycache__" and any(folder.glob("*.py"))
    }
    assert found - listed == set(), "add these to [tool.setuptools] packages in pyproject.toml"
    assert "guidebot_content" in listed


def _clean_env(**extra: str) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("GUIDEBOT_", "PYTHON", "VIRTUAL_ENV"))}
    env.pop("DATABASE_URL", None)
    return {**env, **extra}


@pytest.fixture(scope="module")
def installed(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A fresh virtual environment, outside the repository, with the wheel built from it installed."""
    root = tmp_path_factory.mktemp("wheel")
    source = root / "source"
    source.mkdir()
    for name in SOURCES:
        item = REPO / name
        if item.is_dir():
            shutil.copytree(item, source / name, ignore=shutil.ignore_patterns("__pycache__", "*.pyc"))
        else:
            shutil.copy2(item, source / name)
    dist = root / "dist"
    run = {"capture_output": True, "text": True, "timeout": 300, "check": False}
    built = subprocess.run(
        [sys.executable, "-m", "pip", "wheel", "--no-deps", "--no-build-isolation", "-q", "-w", dist, source],
        cwd=root, env=_clean_env(), **run,
    )  # fmt: skip
    assert built.returncode == 0, built.stderr
    [wheel] = dist.glob("guidebot-*.whl")
    venv = root / "venv"
    made = subprocess.run([sys.executable, "-m", "venv", "--without-pip", venv], **run)
    assert made.returncode == 0, made.stderr
    python = venv / "bin" / "python"
    installed = subprocess.run(
        [sys.executable, "-m", "pip", "--python", python, "install", "--no-deps", "-q", wheel],
        cwd=root, env=_clean_env(), **run,
    )  # fmt: skip
    assert installed.returncode == 0, installed.stderr
    own = subprocess.run([python, "-c", "import site; print(site.getsitepackages()[0])"], **run)
    # The dependencies from this test run's environment, after the wheel's own files (a plain path
    # line: that folder's .pth files, such as the editable install's, are not read).
    (Path(own.stdout.strip()) / "test-deps.pth").write_text("\n".join(site.getsitepackages()) + "\n")
    return venv


def _run(venv: Path, *args: str | Path, cwd: Path, **env: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [*args], cwd=cwd, env=_clean_env(**env), capture_output=True, text=True, timeout=120, check=False
    )


def test_content_check_from_the_wheel_uses_the_shipped_content(installed: Path, tmp_path: Path) -> None:
    done = _run(installed, installed / "bin" / "guidebot", "content", "check", cwd=tmp_path)
    assert done.returncode == 0, done.stderr
    assert "Content is valid: 4 surveys and 16 guidance sections in " in done.stdout
    shown = done.stdout.rsplit(" in ", 1)[1].rstrip(".\n")
    assert Path(shown).is_relative_to(installed) and shown.endswith("guidebot_content"), shown
    assert not Path(shown).is_relative_to(REPO)


def test_content_export_from_the_wheel_writes_a_copy_a_council_can_use(
    installed: Path, tmp_path: Path
) -> None:
    guidebot = installed / "bin" / "guidebot"
    done = _run(installed, guidebot, "content", "export", "ours", cwd=tmp_path)
    assert done.returncode == 0, done.stderr
    ours = tmp_path / "ours"
    assert (ours / "surveys" / "pain-points.yaml").read_bytes() == (
        REPO / "content" / "surveys" / "pain-points.yaml"
    ).read_bytes()
    # The privacy notice's wording ships too, for a council to reword.
    notice = "privacy-notice.yaml"
    assert (ours / notice).read_bytes() == (REPO / "content" / notice).read_bytes()
    assert not (ours / "__init__.py").exists()
    (ours / "surveys" / "desired-outcomes.yaml").unlink()
    checked = _run(installed, guidebot, "content", "check", cwd=tmp_path, GUIDEBOT_CONTENT_DIR=str(ours))
    assert checked.returncode == 0 and "3 surveys" in checked.stdout and str(ours) in checked.stdout
    again = _run(installed, guidebot, "content", "export", "ours", cwd=tmp_path)
    assert again.returncode == 2 and "is not empty" in again.stderr and "Traceback" not in again.stderr


def test_a_web_turn_from_the_wheel_in_another_folder(installed: Path, tmp_path: Path) -> None:
    done = _run(
        installed, installed / "bin" / "python", "-c", WEB_TURN, cwd=tmp_path, GUIDEBOT_DATA_DIR=str(tmp_path)
    )
    assert done.returncode == 0, done.stderr
    [line] = [line for line in done.stdout.splitlines() if line.startswith("RESULT ")]
    result = json.loads(line.removeprefix("RESULT "))
    assert Path(result["bot"]).is_relative_to(installed)
    assert (result["page"], result["script"], result["turn"]) == (200, 200, 200)
    questions = [r for r in result["replies"] if r["type"] == "question"]
    assert questions and questions[0]["question_id"] == "role"
    assert (tmp_path / "guidebot.db").exists()
