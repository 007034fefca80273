"""Read YAML keeping line numbers, so that validation errors can name the line a person must fix."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import yaml
from pydantic import ValidationError

from dialogs.problems import ContentProblem

# libyaml's safe loader (the same results, with line marks) where PyYAML was built with it: parsing
# every content file in pure Python was a third of the server's start-up.
FAST_LOADER = getattr(yaml, "CSafeLoader", yaml.SafeLoader)


def read_yaml(path: Path, label: str) -> tuple[Any, yaml.Node | None, list[ContentProblem]]:
    """Parse a YAML file; returns its data, its node tree (for line numbers) and any syntax problem."""
    try:
        text = path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as exc:
        return None, None, [ContentProblem(label, None, f"cannot be read: {exc}")]
    return parse_yaml(text, label)


def parse_yaml(
    text: str, label: str, first_line: int = 1
) -> tuple[Any, yaml.Node | None, list[ContentProblem]]:
    """Parse YAML text that starts at ``first_line`` of the file named ``label``."""
    try:
        node = yaml.compose(text, Loader=FAST_LOADER)
        data = yaml.load(text, Loader=FAST_LOADER)  # noqa: S506 - a safe loader, in C
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        line = mark.line + first_line if mark is not None else None
        reason = getattr(exc, "problem", None) or str(exc)
        return None, None, [ContentProblem(label, line, f"is not valid YAML: {reason}")]
    return data, node, []


def line_of(node: yaml.Node | None, loc: tuple[Any, ...], first_line: int = 1) -> int | None:
    """The line of the deepest node that ``loc`` (a pydantic error location) reaches."""
    if node is None:
        return None
    line = node.start_mark.line
    for part in loc:
        child = _child(node, part)
        if child is None:
            break
        node, line = child, child.start_mark.line
    return line + first_line


def _child(node: yaml.Node, part: Any) -> yaml.Node | None:
    if isinstance(node, yaml.MappingNode):
        for key, value in node.value:
            if key.value == part or (part == "in_" and key.value == "in"):
                return value
        return None
    if isinstance(node, yaml.SequenceNode) and isinstance(part, int) and part < len(node.value):
        return node.value[part]
    return None


def validation_problems(
    exc: ValidationError, node: yaml.Node | None, label: str, first_line: int = 1
) -> list[ContentProblem]:
    """One problem per pydantic error, with the line it points at and a readable path."""
    problems = []
    for err in exc.errors():
        loc = tuple(
            p for p in err["loc"] if not (isinstance(p, str) and p.startswith(("function-", "tagged-")))
        )
        message = err["msg"].removeprefix("Value error, ")
        if message.startswith("@"):  # a whole-file rule that says which part it is about
            path, _, message = message[1:].partition(": ")
            loc = (*loc, *(int(p) if p.isdigit() else p for p in path.split(".")))
        where = ".".join(str(p) for p in loc) or "file"
        problems.append(ContentProblem(label, line_of(node, loc, first_line), f"{where}: {message}"))
    return problems
