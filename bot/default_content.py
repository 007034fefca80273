"""The default content (surveys, guidance, glossary, links, name lists) that ships inside the package.

The repository's top-level ``content/`` folder is the editable source; pyproject.toml maps it into
the wheel as the ``guidebot_content`` package, so an install from a wheel has it too. It is read
through ``importlib.resources``, and ``guidebot content export DIR`` writes a copy for a council to
edit and point GUIDEBOT_CONTENT_DIR at.
"""

from __future__ import annotations

from importlib import resources
from importlib.resources.abc import Traversable
from pathlib import Path

PACKAGE = "guidebot_content"
# A source checkout that was never installed still has the folder beside the code.
REPO_CONTENT = Path(__file__).resolve().parent.parent / "content"
# Packaging files, not content.
NOT_CONTENT = frozenset({"__init__.py", "__pycache__"})


class ExportError(Exception):
    """The defaults cannot be written where asked; the message says why and that nothing was written."""


def default_content() -> Traversable:
    """The shipped content, as importlib.resources finds it (the repository's folder if not installed)."""
    try:
        return resources.files(PACKAGE)
    except ModuleNotFoundError:
        return REPO_CONTENT


def default_content_dir() -> Path:
    """The shipped content as a folder on disk, which is how every installed package is laid out."""
    found = default_content()
    if isinstance(found, Path):
        return found
    return REPO_CONTENT  # a zipped install: unusual enough to fall back rather than unpack


def export_defaults(target: Path) -> int:
    """Write the shipped content into ``target`` (new or empty); returns the number of files written."""
    if target.exists() and not target.is_dir():
        raise ExportError(f"{target} is a file, not a folder: nothing was written.")
    if target.is_dir() and any(target.iterdir()):
        raise ExportError(
            f"{target} is not empty: choose a new or empty folder, so nothing of yours is overwritten. "
            "Nothing was written."
        )
    try:
        target.mkdir(parents=True, exist_ok=True)
        return _copy(default_content(), target)
    except OSError as exc:
        raise ExportError(f"Could not write to {target}: {exc.strerror or exc}.") from None


def _copy(source: Traversable, target: Path) -> int:
    written = 0
    for item in sorted(source.iterdir(), key=lambda t: t.name):
        if item.name in NOT_CONTENT or item.name.startswith("."):
            continue
        if item.is_dir():
            (target / item.name).mkdir(exist_ok=True)
            written += _copy(item, target / item.name)
        else:
            (target / item.name).write_bytes(item.read_bytes())
            written += 1
    return written
