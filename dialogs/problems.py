"""Problems found in content files, each naming the file and line, so a non-developer can fix them."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True, slots=True)
class ContentProblem:
    """One thing wrong in one content file."""

    file: str
    line: int | None
    message: str

    def __str__(self) -> str:
        where = f"{self.file}:{self.line}" if self.line else self.file
        return f"{where}: {self.message}"


class ContentError(Exception):
    """Content failed validation; ``problems`` lists every problem found, not just the first."""

    def __init__(self, problems: list[ContentProblem]) -> None:
        self.problems = problems
        super().__init__("\n".join(str(p) for p in problems))
