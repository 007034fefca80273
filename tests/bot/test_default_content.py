"""The default content's location and ``guidebot content export``'s refusals (each a clear message)."""

from __future__ import annotations

from pathlib import Path

import pytest

from bot import cli
from bot.default_content import REPO_CONTENT, default_content_dir, export_defaults


def test_in_a_clone_the_default_content_is_the_repository_folder() -> None:
    assert default_content_dir() == REPO_CONTENT
    assert (default_content_dir() / "surveys" / "pain-points.yaml").is_file()


def test_export_writes_every_content_file_and_no_packaging_file(tmp_path: Path) -> None:
    written = export_defaults(tmp_path / "ours")
    copied = sorted(p.relative_to(tmp_path / "ours") for p in (tmp_path / "ours").rglob("*") if p.is_file())
    shipped = sorted(
        p.relative_to(REPO_CONTENT)
        for p in REPO_CONTENT.rglob("*")
        if p.is_file() and p.name != "__init__.py" and "__pycache__" not in p.parts
    )
    assert copied == shipped and written == len(shipped)


@pytest.mark.parametrize(
    ("make", "message"),
    [
        (
            lambda d: (d / "a-file").write_text("x") and d / "a-file",
            "is a file, not a folder: nothing was written.",
        ),
        (lambda d: (d / "x.txt").write_text("mine") and d, "is not empty: choose a new or empty folder"),
    ],
)
def test_export_refuses_a_file_or_a_folder_with_something_in_it(
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
    monkeypatch: pytest.MonkeyPatch,
    make: object,
    message: str,
) -> None:
    monkeypatch.setattr(cli, "configure_logging", lambda *args, **kwargs: None)
    target = make(tmp_path)  # type: ignore[operator]
    before = sorted(tmp_path.rglob("*"))
    assert cli.main(["content", "export", str(target)]) == 2
    err = capsys.readouterr().err
    assert message in err and "Traceback" not in err
    assert sorted(tmp_path.rglob("*")) == before
