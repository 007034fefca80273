"""Survey content is validated on load, and every problem names its file and line."""

from __future__ import annotations

from pathlib import Path

import pytest

from dialogs.loader import load_surveys
from dialogs.problems import ContentError

CONTENT = Path(__file__).resolve().parents[2] / "content" / "surveys"
GOOD = """\
id: tiny
version: 1
title: Tiny
description: A tiny survey.
questions:
  - id: q1
    type: yes_no
    text: Is it tiny?
"""


def write(folder: Path, name: str, text: str) -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / name
    path.write_text(text, encoding="utf-8")
    return path


def problems_of(folder: Path) -> list[str]:
    with pytest.raises(ContentError) as caught:
        load_surveys(folder)
    return [str(p) for p in caught.value.problems]


def test_the_shipped_surveys_load() -> None:
    catalog = load_surveys(CONTENT)
    assert set(catalog.surveys) == {"pain-points", "desired-outcomes", "digital-maturity", "guide-me"}
    pain = catalog.surveys["pain-points"]
    assert sorted(q.sus_item for q in pain.questions if q.sus_item) == list(range(1, 11))
    assert catalog.surveys["guide-me"].stored_as == "digital-maturity"


def test_a_good_file_loads(tmp_path: Path) -> None:
    write(tmp_path, "tiny.yaml", GOOD)
    assert load_surveys(tmp_path).surveys["tiny"].questions[0].text == "Is it tiny?"


def test_yaml_syntax_error_names_file_and_line(tmp_path: Path) -> None:
    path = write(tmp_path, "broken.yaml", GOOD + "  - id: [unclosed\n")
    [problem] = problems_of(tmp_path)
    assert problem.startswith(f"{path}:10: is not valid YAML")


def test_unknown_type_names_the_line_of_the_type(tmp_path: Path) -> None:
    path = write(tmp_path, "bad.yaml", GOOD.replace("type: yes_no", "type: yes_or_no"))
    [problem] = problems_of(tmp_path)
    assert problem.startswith(f"{path}:7: questions.0.type:")


def test_every_problem_is_reported_not_just_the_first(tmp_path: Path) -> None:
    text = GOOD.replace("version: 1", "version: 0").replace("text: Is it tiny?", "text: ''")
    path = write(tmp_path, "two.yaml", text)
    found = problems_of(tmp_path)
    assert any(p.startswith(f"{path}:2: version") for p in found)
    assert any(p.startswith(f"{path}:8: questions.0.text") for p in found)


@pytest.mark.parametrize(
    ("extra", "line", "message"),
    [
        ("  - {id: q1, type: yes_no, text: Again}\n", 9, "question id 'q1' is used twice"),
        ("  - {id: q2, type: single_choice, text: One, choices: [Only]}\n", 9, "needs at least two choices"),
        ("  - {id: q2, type: free_text, text: Say}\n", 9, "needs a max_length"),
        (
            "  - {id: q2, type: yes_no, text: Hm, when: {question: q9, equals: 'yes'}}\n",
            9,
            "not an earlier question",
        ),
        ("  - {id: q2, type: yes_no, text: Hm, colour: red}\n", 9, "Extra inputs are not permitted"),
    ],
)
def test_question_rules(tmp_path: Path, extra: str, line: int, message: str) -> None:
    path = write(tmp_path, "rules.yaml", GOOD + extra)
    found = problems_of(tmp_path)
    assert any(p.startswith(f"{path}:") and message in p for p in found), found
    if "used twice" not in message:
        assert any(p.startswith(f"{path}:{line}") for p in found), found


def test_duplicate_survey_ids_across_files(tmp_path: Path) -> None:
    write(tmp_path, "a.yaml", GOOD)
    second = write(tmp_path, "b.yaml", GOOD)
    [problem] = problems_of(tmp_path)
    assert problem.startswith(f"{second}:1: survey id 'tiny' is also used by")


def test_a_walkthrough_must_record_into_real_questions(tmp_path: Path) -> None:
    write(tmp_path, "tiny.yaml", GOOD)
    path = write(
        tmp_path,
        "walk.yaml",
        GOOD.replace("id: tiny", "id: walk")
        .replace("description: A tiny survey.", "description: Walk.\nrecords_as: tiny")
        .replace("id: q1", "id: q5"),
    )
    [problem] = problems_of(tmp_path)
    assert problem == f"{path}: question 'q5' is not in 'tiny'"


def test_an_empty_folder_is_a_problem(tmp_path: Path) -> None:
    assert problems_of(tmp_path) == [f"{tmp_path}: no survey files (*.yaml) found"]
