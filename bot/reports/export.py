"""``guidebot export``: one row per answer, as CSV or JSON Lines, for analysts' own tools.

Respondents appear as their pseudonyms; free text is the redacted text (redacted again on the way
out, in case it was stored before a redaction rule existed). Written to a file, never to a channel.
"""

from __future__ import annotations

import csv
import json
from collections.abc import Iterable
from datetime import datetime
from pathlib import Path
from typing import IO, Any

from bot.privacy import redact
from dialogs.model import SurveyDef
from storage.exports import EXPORT_COLUMNS

FORMATS = ("csv", "jsonl")
COLUMNS = (*EXPORT_COLUMNS[:11], "question_text", *EXPORT_COLUMNS[11:])


def export_rows(rows: Iterable[dict[str, Any]], survey: SurveyDef) -> Iterable[dict[str, Any]]:
    """Rows ready to write: the question's wording added, free text redacted, times in ISO 8601."""
    texts = {q.id: q.text for q in survey.questions}
    for row in rows:
        out = dict(row)
        out["question_text"] = texts.get(row["question_id"], "")
        if row["kind"] == "free_text" and row["value_text"]:
            out["value_text"] = redact(row["value_text"]).text
        for key in ("started_at", "finished_at", "answered_at"):
            if isinstance(out.get(key), datetime):
                out[key] = out[key].isoformat()
        out["is_demo"] = bool(out["is_demo"])
        yield {column: out.get(column) for column in COLUMNS}


def write_export(rows: Iterable[dict[str, Any]], survey: SurveyDef, fmt: str, stream: IO[str]) -> int:
    """Write rows to ``stream`` as ``csv`` or ``jsonl``; returns how many."""
    if fmt not in FORMATS:
        raise ValueError(f"format must be one of {FORMATS}")
    written = 0
    writer = csv.DictWriter(stream, fieldnames=COLUMNS) if fmt == "csv" else None
    if writer is not None:
        writer.writeheader()
    for row in export_rows(rows, survey):
        if writer is not None:
            writer.writerow(row)
        else:
            stream.write(json.dumps(row, ensure_ascii=False) + "\n")
        written += 1
    return written


def export_to_file(conn_rows: Iterable[dict[str, Any]], survey: SurveyDef, fmt: str, out: Path) -> int:
    """Write the export to ``out`` (created or replaced)."""
    out.parent.mkdir(parents=True, exist_ok=True)
    with out.open("w", encoding="utf-8", newline="") as stream:
        return write_export(conn_rows, survey, fmt, stream)
