"""``guidebot export``: one row per answer, as CSV or JSON Lines, for analysts' own tools.

Respondents appear as their pseudonyms; free text is the redacted text (redacted again on the way
out, in case it was stored before a redaction rule existed). Written to a file, never to a channel.

A CSV file is opened in a spreadsheet, which runs a cell beginning ``=``, ``+``, ``-`` or ``@`` as a
formula (and a tab or carriage return can hide such a start): a free-text answer could then link
to, or send data to, anywhere. As OWASP advises, such a text cell is written with a leading
apostrophe, which a spreadsheet shows as text and does not display. JSON Lines keeps every answer
exactly as stored: it is read by programs, which see a JSON string, never a formula, and an analyst
comparing answers needs the text unchanged.
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
FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")
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
            writer.writerow({column: spreadsheet_text(value) for column, value in row.items()})
        else:
            stream.write(json.dumps(row, ensure_ascii=False) + "\n")
        written += 1
    return written


def spreadsheet_text(value: Any) -> Any:
    """A text cell a spreadsheet would run as a formula, with a leading apostrophe; anything else as is.

    Numbers are left alone: a negative number is a number to a spreadsheet, not a formula.
    """
    if isinstance(value, str) and value.startswith(FORMULA_STARTS):
        return "'" + value
    return value


def export_to_file(conn_rows: Iterable[dict[str, Any]], survey: SurveyDef, fmt: str, out: Path) -> int:
    """Write the export to ``out`` (created or replaced)."""
    out.parent.mkdir(parents=True, exist_ok=True)
    with out.open("w", encoding="utf-8", newline="") as stream:
        return write_export(conn_rows, survey, fmt, stream)
