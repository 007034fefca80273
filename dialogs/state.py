"""A user's dialog state: which survey they are in, where, and what they answered so far.

Saved as JSON after every turn, so a restart or another server process carries on where the
user was.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any


@dataclass(slots=True)
class SurveyProgress:
    """How far a user is through one survey; ``answers`` feed ``when`` conditions and ``back``."""

    survey_id: str
    response_id: str
    question_id: str
    answers: dict[str, Any] = field(default_factory=dict)
    history: list[str] = field(default_factory=list)
    invalid_tries: int = 0

    def to_json(self) -> dict[str, Any]:
        """A JSON-able dict of the progress (its answers and history copied, their values shared)."""
        return {
            "survey_id": self.survey_id,
            "response_id": self.response_id,
            "question_id": self.question_id,
            "answers": dict(self.answers),
            "history": list(self.history),
            "invalid_tries": self.invalid_tries,
        }


@dataclass(slots=True)
class DialogState:
    """Everything the dialogs remember about one user between messages."""

    active: SurveyProgress | None = None
    paused: dict[str, SurveyProgress] = field(default_factory=dict)
    # When the user's last message was handled (ISO 8601, UTC), for "welcome back" after a gap.
    last_at: str = ""
    context: dict[str, Any] = field(default_factory=dict)

    def to_json(self) -> dict[str, Any]:
        """A JSON-able dict of the state, written out field by field.

        ``dataclasses.asdict`` deep-copied every answer on every turn, a fifth of a turn's work; the
        dict is encoded at once, so copying the containers is enough.
        """
        return {
            "active": self.active.to_json() if self.active else None,
            "paused": {survey: progress.to_json() for survey, progress in self.paused.items()},
            "last_at": self.last_at,
            "context": dict(self.context),
        }

    @classmethod
    def from_json(cls, data: dict[str, Any] | None) -> DialogState:
        """Rebuild a state saved by ``to_json``; an empty or unreadable state starts afresh."""
        if not data:
            return cls()
        try:
            active = SurveyProgress(**data["active"]) if data.get("active") else None
            paused = {k: SurveyProgress(**v) for k, v in (data.get("paused") or {}).items()}
            return cls(
                active=active,
                paused=paused,
                last_at=data.get("last_at", ""),
                context=data.get("context") or {},
            )
        except (TypeError, KeyError, AttributeError):
            return cls()
