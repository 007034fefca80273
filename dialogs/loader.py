"""Load and validate every survey under ``content/surveys/``."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from pydantic import ValidationError

from dialogs.model import SurveyDef
from dialogs.problems import ContentError, ContentProblem
from dialogs.yaml_lines import read_yaml, validation_problems


@dataclass(frozen=True)
class SurveyCatalog:
    """The surveys a server offers, by id."""

    surveys: dict[str, SurveyDef]

    def get(self, survey_id: str) -> SurveyDef | None:
        """The survey with this id, if there is one."""
        return self.surveys.get(survey_id)

    def for_roles(self, roles: frozenset[str]) -> list[SurveyDef]:
        """The listed surveys someone with these roles is offered, in title order."""
        return sorted(
            (s for s in self.surveys.values() if s.listed and roles & set(s.audience)),
            key=lambda s: s.title,
        )


def load_surveys(folder: Path) -> SurveyCatalog:
    """Read every ``*.yaml`` survey in ``folder``; raise ContentError listing every problem found."""
    problems: list[ContentProblem] = []
    surveys: dict[str, SurveyDef] = {}
    files: dict[str, str] = {}
    paths = sorted(folder.glob("*.yaml")) if folder.is_dir() else []
    if not paths:
        raise ContentError([ContentProblem(str(folder), None, "no survey files (*.yaml) found")])
    for path in paths:
        label = str(path)
        data, node, found = read_yaml(path, label)
        problems += found
        if found:
            continue
        try:
            survey = SurveyDef.model_validate(data)
        except ValidationError as exc:
            problems += validation_problems(exc, node, label)
            continue
        if survey.id in surveys:
            problems.append(
                ContentProblem(label, 1, f"survey id '{survey.id}' is also used by {files[survey.id]}")
            )
            continue
        surveys[survey.id] = survey
        files[survey.id] = label
    for survey in surveys.values():
        problems += _check_records_as(survey, surveys, files[survey.id])
    if problems:
        raise ContentError(problems)
    return SurveyCatalog(surveys)


def _check_records_as(survey: SurveyDef, surveys: dict[str, SurveyDef], label: str) -> list[ContentProblem]:
    """A walkthrough that records as another survey must ask that survey's questions with its values."""
    if survey.records_as is None:
        return []
    target = surveys.get(survey.records_as)
    if target is None:
        return [ContentProblem(label, None, f"records_as: no survey '{survey.records_as}'")]
    problems = []
    for q in survey.questions:
        twin = target.question(q.id)
        if twin is None:
            problems.append(ContentProblem(label, None, f"question '{q.id}' is not in '{target.id}'"))
            continue
        unknown = [c.value for c in q.offered_choices() if twin.choice(c.value) is None]
        if unknown:
            problems.append(
                ContentProblem(
                    label, None, f"question '{q.id}': values {unknown} are not answers in '{target.id}'"
                )
            )
    return problems
