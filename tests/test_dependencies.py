"""What the server imports is installed by ``pip install -e .`` alone, not only by the test extras.

The test extras bring packages of their own (Playwright brings greenlet), so a dependency missing
from the project's list would pass every test and still break ``guidebot serve`` on a fresh machine.
"""

from __future__ import annotations

import ast
import sys
from importlib.metadata import distribution, packages_distributions
from pathlib import Path

from packaging.requirements import Requirement

ROOT = Path(__file__).resolve().parent.parent
SERVER_PACKAGES = ("bot", "dialogs", "storage")
# Imported by a dependency only when the server uses it, so not visible in our own imports.
INDIRECT = {"greenlet": "SQLAlchemy's asyncio extension, used for PostgreSQL"}


def _closure(name: str, extras: frozenset[str] = frozenset()) -> set[str]:
    """The distributions ``name`` (with ``extras``) installs, itself included, by normalised name."""
    found: set[str] = set()
    visited: set[tuple[str, frozenset[str]]] = set()
    todo = [(name, extras)]
    while todo:
        current, wanted_extras = todo.pop()
        key = current.lower().replace("_", "-")
        if (key, wanted_extras) in visited:
            continue  # a package is visited again when asked for with other extras
        visited.add((key, wanted_extras))
        found.add(key)
        for line in distribution(current).requires or []:
            requirement = Requirement(line)
            if requirement.marker is None or any(
                requirement.marker.evaluate({"extra": extra}) for extra in (wanted_extras or {""})
            ):
                todo.append((requirement.name, frozenset(requirement.extras)))
    return found


def _imported_modules() -> set[str]:
    found: set[str] = set()
    for package in SERVER_PACKAGES:
        for path in (ROOT / package).rglob("*.py"):
            for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
                if isinstance(node, ast.Import):
                    found |= {alias.name.split(".")[0] for alias in node.names}
                elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
                    found.add(node.module.split(".")[0])
    return found - set(sys.stdlib_module_names) - set(SERVER_PACKAGES) - {"__future__"}


def test_every_package_the_server_imports_is_installed_without_the_test_extras() -> None:
    installed = _closure("guidebot")
    providers = packages_distributions()
    missing = {
        module: providers.get(module, ["?"])
        for module in _imported_modules() | set(INDIRECT)
        if not any(d.lower().replace("_", "-") in installed for d in providers.get(module, []))
    }
    assert not missing, f"imported but not installed by `pip install -e .`: {missing}"


def test_the_check_would_see_a_package_only_the_test_extras_bring() -> None:
    assert "playwright" not in _closure("guidebot")
    assert "playwright" in _closure("guidebot", frozenset({"test"}))
