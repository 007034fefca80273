"""``guidebot content check --links``: ask every address the bot links to whether it still answers.

Each address is asked with HEAD, then GET where a server refuses HEAD (405, 501), without following
redirects, so a moved page is reported with where it moved to. Results name the content file and line
that holds the address. A machine with no network is not a content problem: when no address can be
reached at all, the check says so and passes. Proxy settings (HTTPS_PROXY) are honoured, as a council
network may need them.
"""

from __future__ import annotations

import asyncio
import sys
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path
from typing import TextIO

import aiohttp

from dialogs.guidance import LINKS_FILE, SECTIONS_FOLDER, GuidanceLibrary
from dialogs.guidance_content import read_yaml

TIMEOUT_SECONDS = 10.0
CONCURRENCY = 8
RETRY_WITH_GET = {405, 501}
USER_AGENT = "guidebot-link-check (+https://www.gov.uk)"


@dataclass(frozen=True, slots=True)
class LinkRef:
    """An address and where the content gives it."""

    url: str
    file: str
    line: int | None = None

    def where(self) -> str:
        """``file:line`` (or the file alone)."""
        return f"{self.file}:{self.line}" if self.line else self.file


@dataclass(frozen=True, slots=True)
class LinkResult:
    """What asking one address gave: ``ok``, ``redirect``, ``broken`` or ``unreachable``."""

    url: str
    outcome: str
    detail: str = ""


async def check_url(session: aiohttp.ClientSession, url: str) -> LinkResult:
    """Ask one address (HEAD, then GET on 405/501), not following redirects."""
    try:
        status, location = await _ask(session, "HEAD", url)
        if status in RETRY_WITH_GET:
            status, location = await _ask(session, "GET", url)
    except TimeoutError:
        return LinkResult(url, "broken", "timed out")
    except aiohttp.ClientConnectionError as exc:
        return LinkResult(url, "unreachable", str(exc) or type(exc).__name__)
    except aiohttp.ClientError as exc:
        return LinkResult(url, "broken", str(exc) or type(exc).__name__)
    if 300 <= status < 400:
        return LinkResult(url, "redirect", f"redirects ({status}) to {location or 'nowhere given'}")
    if status >= 400:
        return LinkResult(url, "broken", f"answers {status}")
    return LinkResult(url, "ok", str(status))


async def _ask(session: aiohttp.ClientSession, method: str, url: str) -> tuple[int, str | None]:
    async with session.request(method, url, allow_redirects=False) as response:
        return response.status, response.headers.get("Location")


async def check_urls(
    urls: Iterable[str], *, seconds_per_link: float = TIMEOUT_SECONDS, concurrency: int = CONCURRENCY
) -> dict[str, LinkResult]:
    """Every distinct address's result, asked a few at a time."""
    limit = asyncio.Semaphore(concurrency)
    client_timeout = aiohttp.ClientTimeout(total=seconds_per_link)
    headers = {"User-Agent": USER_AGENT}
    async with aiohttp.ClientSession(timeout=client_timeout, headers=headers, trust_env=True) as session:

        async def one(url: str) -> LinkResult:
            async with limit:
                return await check_url(session, url)

        results = await asyncio.gather(*(one(url) for url in dict.fromkeys(urls)))
    return {result.url: result for result in results}


def content_links(content_dir: Path, library: GuidanceLibrary) -> list[LinkRef]:
    """Every address the bot gives: links.yaml (with the introduction's own addresses) and the guidance."""
    refs: list[LinkRef] = []
    document = read_yaml((content_dir / LINKS_FILE).read_text(encoding="utf-8"), LINKS_FILE, [])
    for index, link in enumerate(library.links.values()):
        path = ("links", index)
        line = document.line_of((*path, "url")) if document else None
        refs.append(LinkRef(link.url, LINKS_FILE, line))
        if link.introduction_url:
            line = document.line_of((*path, "introduction_url")) if document else None
            refs.append(LinkRef(link.introduction_url, LINKS_FILE, line))
    refs.append(LinkRef(library.start_page, "guidance start page (GUIDANCE_BASE_URL or the default)"))
    for section in library.sections:
        if section.url != library.start_page:
            where = f"{SECTIONS_FOLDER}/{section.source}"
            refs.append(LinkRef(section.url, where, _line_of(content_dir / where, "path:")))
    return refs


def _line_of(path: Path, prefix: str) -> int | None:
    for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1):
        if line.startswith(prefix):
            return number
    return None


def report(refs: list[LinkRef], results: dict[str, LinkResult], out: TextIO) -> int:
    """Print each redirect and failure with its file and line, then a summary; the exit code.

    0 when every address answered or redirected, or when none could be reached (no network);
    1 when an address is broken.
    """
    counts = {"ok": 0, "redirect": 0, "broken": 0, "unreachable": 0}
    for result in results.values():
        counts[result.outcome] += 1
    if results and counts["unreachable"] == len(results):
        first = next(iter(results.values()))
        print(
            f"Warning: no network here: none of the {len(results)} addresses could be reached "
            f"({first.detail}). Links were not checked; run this again where the machine has a network.",
            file=out,
        )
        return 0
    for ref in refs:
        result = results[ref.url]
        if result.outcome != "ok":
            label = {"redirect": "Warning", "broken": "Broken", "unreachable": "Unreachable"}[result.outcome]
            print(f"  {label}: {ref.where()}: {ref.url} {result.detail}", file=out)
    print(
        f"Checked {len(results)} addresses: {counts['ok']} answered, {counts['redirect']} redirected, "
        f"{counts['broken']} broken, {counts['unreachable']} unreachable.",
        file=out,
    )
    return 1 if counts["broken"] or counts["unreachable"] else 0


def check_content_links(content_dir: Path, library: GuidanceLibrary, out: TextIO = sys.stdout) -> int:
    """Check every link in the content and print the report; the command's exit code."""
    refs = content_links(content_dir, library)
    results = asyncio.run(check_urls(ref.url for ref in refs))
    return report(refs, results, out)
