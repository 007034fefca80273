"""``guidebot teams-package`` writes a Teams app package that is complete, deterministic and valid
against Microsoft's manifest schema (the one the ``@microsoft/app-manifest`` npm package ships)."""

from __future__ import annotations

import json
import struct
import zipfile
import zlib
from pathlib import Path

import pytest

from bot import cli
from bot.channels.teams.package import MANIFEST_VERSION
from tests.channels.teams.activities import APP_ID
from tests.tools.node_tools import run_script

SCHEMA_PACKAGE = "@microsoft/app-manifest/package.json"


@pytest.fixture(autouse=True)
def no_logging_setup(monkeypatch: pytest.MonkeyPatch) -> None:
    """``main`` would bind logging to this test's captured stderr, which closes after it."""
    monkeypatch.setattr(cli, "configure_logging", lambda *args, **kwargs: None)


def main(argv: list[str]) -> int:
    return cli.main(argv)


def png_size_and_pixels(data: bytes) -> tuple[int, int, list[tuple[int, ...]]]:
    """Width, height and RGBA pixels of an unfiltered 8-bit RGBA PNG (what icons.py writes)."""
    assert data[:8] == b"\x89PNG\r\n\x1a\n"
    width, height, depth, colour = struct.unpack(">IIBB", data[16:26])
    assert (depth, colour) == (8, 6)
    idat, pos = b"", 8
    while pos < len(data):
        (length,) = struct.unpack(">I", data[pos : pos + 4])
        if data[pos + 4 : pos + 8] == b"IDAT":
            idat += data[pos + 8 : pos + 8 + length]
        pos += 12 + length
    raw = zlib.decompress(idat)
    stride = 1 + width * 4
    pixels = []
    for row in range(height):
        line = raw[row * stride + 1 : (row + 1) * stride]
        pixels += [tuple(line[i : i + 4]) for i in range(0, len(line), 4)]
    return width, height, pixels


def test_the_package_has_a_manifest_and_both_icons(tmp_path: Path) -> None:
    out = tmp_path / "guidebot-teams.zip"
    assert main(["teams-package", "--app-id", APP_ID, "--out", str(out)]) == 0
    with zipfile.ZipFile(out) as archive:
        assert sorted(archive.namelist()) == ["color.png", "manifest.json", "outline.png"]
        manifest = json.loads(archive.read("manifest.json"))
        colour = png_size_and_pixels(archive.read("color.png"))
        outline = png_size_and_pixels(archive.read("outline.png"))
    assert manifest["id"] == APP_ID and manifest["bots"][0]["botId"] == APP_ID
    assert set(manifest["bots"][0]["scopes"]) == {"personal", "team", "groupChat"}
    assert manifest["icons"] == {"color": "color.png", "outline": "outline.png"}
    assert len(manifest["name"]["short"]) <= 30 and len(manifest["description"]["short"]) <= 80
    assert colour[:2] == (192, 192) and outline[:2] == (32, 32)
    assert len({p[:3] for p in colour[2]}) > 2  # a colour icon, not a blank square
    # Teams wants the outline icon white and transparent only.
    assert {p[:3] for p in outline[2] if p[3]} == {(255, 255, 255)}
    assert any(p[3] == 0 for p in outline[2])


def test_the_package_is_the_same_every_time(tmp_path: Path) -> None:
    first, second = tmp_path / "a.zip", tmp_path / "b.zip"
    assert main(["teams-package", "--app-id", APP_ID, "--out", str(first)]) == 0
    assert main(["teams-package", "--app-id", APP_ID, "--out", str(second)]) == 0
    assert first.read_bytes() == second.read_bytes()


@pytest.mark.parametrize(
    "args",
    [["--app-id", "not-a-guid"], ["--app-id", APP_ID, "--privacy-url", "http://council.example/privacy"]],
)
def test_unusable_options_are_refused(tmp_path: Path, args: list[str]) -> None:
    out = tmp_path / "x.zip"
    assert main(["teams-package", *args, "--out", str(out)]) == 2
    assert not out.exists()


def packaged_manifest(tmp_path: Path, *options: str) -> dict[str, object]:
    out = tmp_path / "guidebot-teams.zip"
    assert main(["teams-package", "--app-id", APP_ID, "--out", str(out), *options]) == 0
    with zipfile.ZipFile(out) as archive:
        return json.loads(archive.read("manifest.json"))


def schema_errors(manifest: dict[str, object]) -> dict[str, object]:
    return run_script("validate_manifest.js", manifest, needs=SCHEMA_PACKAGE)


def test_the_manifest_is_valid_against_microsofts_schema(tmp_path: Path) -> None:
    urls = ["--website-url", "https://council.example/bot", "--privacy-url", "https://council.example/p"]
    for manifest in (packaged_manifest(tmp_path), packaged_manifest(tmp_path, *urls)):
        checked = schema_errors(manifest)
        assert checked == {"schema": f"v{MANIFEST_VERSION}/MicrosoftTeams.schema.json", "errors": []}
    # The check can fail: a manifest the schema does not allow is reported.
    broken = {**packaged_manifest(tmp_path), "accentColor": "blue", "id": "not-a-guid"}
    errors = schema_errors(broken)["errors"]
    assert any(e.startswith("/accentColor ") for e in errors) and any(e.startswith("/id ") for e in errors)


def test_digest_and_plan_are_described_as_the_commands_they_are(tmp_path: Path) -> None:
    manifest = packaged_manifest(tmp_path)
    assert "coming soon" not in json.dumps(manifest).lower()
    for command_list in manifest["bots"][0]["commandLists"]:  # type: ignore[index]
        titles = {c["title"]: c["description"] for c in command_list["commands"]}
        assert "digest" in titles and "plan" in titles, command_list["scopes"]
        assert "managers" in titles["digest"] and "managers" in titles["plan"]
