"""Replies kept in the outbox come back as they were sent: a follow-up question keeps its progress."""

from __future__ import annotations

import json

from bot.runtime import reply_codec
from dialogs.replies import Choice, Progress, Question
from dialogs.values import AnswerValue


def test_a_follow_up_question_survives_the_outbox() -> None:
    question = Question(
        "pain-points",
        "tasks_other",
        "Which other task costs you time?",
        "free_text",
        (Choice("Yes", AnswerValue("tasks_other", "yes")),),
        progress=Progress(15, 18, follow_up=True),
        optional=True,
        max_length=200,
    )
    [back] = reply_codec.loads(reply_codec.dumps([question]))
    assert back == question and str(back.progress) == "Question 15 of 18 (follow-up)"


def test_replies_stored_before_follow_ups_still_load() -> None:
    stored = json.loads(reply_codec.dumps([Question("s", "q", "Q?", "yes_no", progress=Progress(2, 9))]))
    stored[0]["progress"] = [2, 9]  # as written before a progress could be a follow-up
    [back] = reply_codec.loads(json.dumps(stored))
    assert back.progress == Progress(2, 9) and str(back.progress) == "Question 2 of 9"
