"""The npm checkers the tests run (``tests/tools/package.json``), found or reported as missing.

Installed with ``npm ci --prefix tests/tools``. Where node or a checker is missing, a test is
skipped with the reason on a developer's machine and fails in CI (``CI`` set), so a check can never
quietly stop running there.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
from pathlib import Path
from typing import Any, NoReturn

import pytest

TOOLS = Path(__file__).resolve().parent
NODE_MODULES = TOOLS / "node_modules"
INSTALL = "npm ci --prefix tests/tools"


def unavailable(reason: str) -> NoReturn:
    """Skip the test with ``reason``, or fail it in CI, where every check must run."""
    if os.environ.get("CI"):
        pytest.fail(f"{reason}; CI must run this check", pytrace=False)
    pytest.skip(reason)


def installed(relative: str) -> Path:
    """The path of a file in an installed npm package, e.g. ``axe-core/axe.min.js``."""
    path = NODE_MODULES / relative
    if not path.exists():
        unavailable(f"the npm test tools are not installed ({relative} is missing): run `{INSTALL}`")
    return path


def node() -> str:
    """The node executable."""
    found = shutil.which("node")
    if found is None:
        unavailable("node is not installed (apt-get install nodejs npm), so Microsoft's checkers cannot run")
    return found


def run_script(script: str, payload: Any, *, needs: str) -> Any:
    """Run ``tests/tools/<script>`` with ``payload`` as JSON on stdin; its JSON output.

    ``needs`` is a file of the npm package the script uses, checked first for a clear message.
    """
    executable = node()
    installed(needs)
    done = subprocess.run(
        [executable, str(TOOLS / script)],
        input=json.dumps(payload),
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    assert done.returncode == 0, f"{script} failed:\n{done.stderr}"
    return json.loads(done.stdout)
