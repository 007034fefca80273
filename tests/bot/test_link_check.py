"""The link checker against a real HTTP server on 127.0.0.1: answered, moved, missing, too slow, no HEAD."""

from __future__ import annotations

import asyncio
import io
import os
import socket
import subprocess
import sys
from collections.abc import AsyncIterator
from pathlib import Path

import pytest
from aiohttp import web
from aiohttp.test_utils import TestServer

from bot.link_check import LinkRef, LinkResult, check_urls, content_links, report
from dialogs.guidance import load_guidance

ROOT = Path(__file__).resolve().parents[2]


@pytest.fixture
async def site() -> AsyncIterator[tuple[str, list[str]]]:
    """A local site; yields its root address and the methods it was asked with, in order."""
    asked: list[str] = []

    async def ok(request: web.Request) -> web.Response:
        asked.append(f"{request.method} {request.path}")
        return web.Response(text="fine")

    async def moved(request: web.Request) -> web.Response:
        asked.append(f"{request.method} {request.path}")
        raise web.HTTPMovedPermanently("/ok")

    async def slow(request: web.Request) -> web.Response:
        await asyncio.sleep(5)
        return web.Response(text="late")

    async def no_head(request: web.Request) -> web.Response:
        asked.append(f"{request.method} {request.path}")
        if request.method == "HEAD":
            raise web.HTTPMethodNotAllowed("HEAD", ["GET"])
        return web.Response(text="got it")

    app = web.Application()
    app.router.add_route("*", "/ok", ok)
    app.router.add_route("*", "/moved", moved)
    app.router.add_route("*", "/slow", slow)
    app.router.add_route("*", "/no-head", no_head)
    server = TestServer(app, host="127.0.0.1")
    await server.start_server()
    yield f"http://127.0.0.1:{server.port}", asked
    await server.close()


async def test_each_kind_of_answer_is_told_apart(site: tuple[str, list[str]]) -> None:
    root, asked = site
    urls = [f"{root}/ok", f"{root}/moved", f"{root}/missing", f"{root}/slow", f"{root}/no-head"]
    results = await check_urls(urls, seconds_per_link=0.5)
    assert results[f"{root}/ok"] == LinkResult(f"{root}/ok", "ok", "200")
    assert results[f"{root}/moved"] == LinkResult(f"{root}/moved", "redirect", "redirects (301) to /ok")
    assert results[f"{root}/missing"] == LinkResult(f"{root}/missing", "broken", "answers 404")
    assert results[f"{root}/slow"] == LinkResult(f"{root}/slow", "broken", "timed out")
    assert results[f"{root}/no-head"].outcome == "ok"
    # HEAD first; GET only where HEAD is refused; a redirect is reported, not followed.
    assert sorted(asked) == ["GET /no-head", "HEAD /moved", "HEAD /no-head", "HEAD /ok"]


async def test_the_report_names_file_and_line_and_fails_on_a_broken_link(site: tuple[str, list[str]]) -> None:
    root, _ = site
    refs = [
        LinkRef(f"{root}/ok", "links.yaml", 4),
        LinkRef(f"{root}/moved", "links.yaml", 9),
        LinkRef(f"{root}/missing", "guidance/user-needs.md", 4),
    ]
    out = io.StringIO()
    code = report(refs, await check_urls([r.url for r in refs], seconds_per_link=0.5), out)
    assert code == 1
    assert out.getvalue().splitlines() == [
        f"  Warning: links.yaml:9: {root}/moved redirects (301) to /ok",
        f"  Broken: guidance/user-needs.md:4: {root}/missing answers 404",
        "Checked 3 addresses: 1 answered, 1 redirected, 0 broken, 0 unreachable.".replace(
            "0 broken", "1 broken"
        ),
    ]


async def test_redirects_alone_warn_but_pass(site: tuple[str, list[str]]) -> None:
    root, _ = site
    refs = [LinkRef(f"{root}/moved", "links.yaml", 9)]
    assert report(refs, await check_urls([refs[0].url], seconds_per_link=0.5), io.StringIO()) == 0


def closed_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


async def test_no_network_is_a_warning_not_a_failure() -> None:
    refs = [LinkRef(f"http://127.0.0.1:{closed_port()}/a", "links.yaml", 4)]
    out = io.StringIO()
    assert report(refs, await check_urls([refs[0].url], seconds_per_link=0.5), out) == 0
    assert out.getvalue().startswith("Warning: no network here: none of the 1 addresses could be reached")


def test_every_link_in_the_content_is_found_with_its_line() -> None:
    library = load_guidance(ROOT / "content", "https://guidance.example.gov.uk/cms")
    refs = content_links(ROOT / "content", library)
    by_url = {ref.url: ref for ref in refs}
    declaration = by_url["https://www.localdigital.gov.uk/declaration/"]
    lines = (ROOT / "content" / "links.yaml").read_text(encoding="utf-8").splitlines()
    assert (
        lines[declaration.line - 1].strip()
        == "introduction_url: https://www.localdigital.gov.uk/declaration/"
    )
    assert by_url["https://guidance.example.gov.uk/cms/user-needs"].where() == "guidance/user-needs.md:4"
    assert "https://www.localdigital.gov.uk/what-is-the-declaration/" in by_url
    assert len({ref.url for ref in refs}) >= len(library.links) + 2


def test_content_check_links_passes_with_a_warning_where_there_is_no_network(tmp_path: Path) -> None:
    # Every request goes to a proxy that is not there: no address can be reached, as on a machine offline.
    proxy = f"http://127.0.0.1:{closed_port()}"
    env = {**os.environ, "GUIDEBOT_DATA_DIR": str(tmp_path), "HTTPS_PROXY": proxy, "HTTP_PROXY": proxy}
    result = subprocess.run(
        [sys.executable, "-m", "bot", "content", "check", "--links"],
        capture_output=True,
        text=True,
        cwd=ROOT,
        env=env,
        timeout=120,
    )
    assert result.returncode == 0, result.stderr
    assert "Content is valid" in result.stdout
    assert "Warning: no network here" in result.stdout
