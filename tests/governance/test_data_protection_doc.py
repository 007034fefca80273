"""docs/data-protection.md stays true: every setting it names exists, and every retention period is in it.

The document is what a council's data protection officer starts their DPIA from, so a setting
renamed or removed in ``bot.settings.Settings`` (or a new retention period added there) fails this
test until the document says so too.
"""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from pydantic import AliasChoices

from bot.settings import Settings

DOC = Path(__file__).resolve().parents[2] / "docs" / "data-protection.md"
# A setting as the document writes it: the GUIDEBOT_ ones, and the platforms' own names.
SETTING = re.compile(
    r"\b(GUIDEBOT_[A-Z0-9_]*[A-Z0-9]|DATABASE_URL|GUIDANCE_BASE_URL|SLACK_[A-Z0-9_]*[A-Z0-9]"
    r"|MICROSOFT_[A-Z0-9_]*[A-Z0-9]|Microsoft[A-Z][A-Za-z]+)\b"
)
# A row of the retention table: | what | `SETTING` | default | ... |
RETENTION_ROW = re.compile(r"^\|[^|]+\|\s*`([A-Z_]+)`\s*\|\s*(\d+)\s*\|", re.MULTILINE)


def setting_names() -> dict[str, str]:
    """Every name a setting can be given in the environment, mapped to its field."""
    names: dict[str, str] = {}
    prefix = Settings.model_config.get("env_prefix", "")
    for field, info in Settings.model_fields.items():
        alias = info.validation_alias
        if isinstance(alias, AliasChoices):
            for choice in alias.choices:
                if isinstance(choice, str):
                    names[choice] = field
        elif isinstance(alias, str):
            names[alias] = field
        else:
            names[f"{prefix}{field}".upper()] = field
    return names


def named_settings(text: str) -> set[str]:
    """The settings a text names."""
    return set(SETTING.findall(text))


def unknown_settings(text: str) -> set[str]:
    """Settings a text names that ``Settings`` does not have."""
    return named_settings(text) - set(setting_names())


def retention_fields() -> set[str]:
    """The settings that say how long something is kept: every ``*_days`` field."""
    return {field for field in Settings.model_fields if field.endswith("_days")}


@pytest.fixture(scope="module")
def doc() -> str:
    assert DOC.is_file(), f"{DOC} is missing"
    return DOC.read_text(encoding="utf-8")


def test_every_setting_the_document_names_exists(doc: str) -> None:
    named = named_settings(doc)
    assert len(named) >= 20, sorted(named)  # the pattern finds the settings at all
    assert unknown_settings(doc) == set()


def test_a_setting_that_does_not_exist_is_caught() -> None:
    text = "Set `GUIDEBOT_RETENTION_DAYS`, `GUIDEBOT_KEEP_FOREVER` and `MicrosoftAppSecret`."
    assert unknown_settings(text) == {"GUIDEBOT_KEEP_FOREVER", "MicrosoftAppSecret"}
    # Names by alias and by prefix are both known.
    assert unknown_settings("`DATABASE_URL`, `MicrosoftAppPassword`, `SLACK_BOT_TOKEN`, `PORT`") == set()


def test_every_retention_period_is_named_with_its_default(doc: str) -> None:
    names = setting_names()
    by_field = {field: name for name, field in names.items() if name.startswith("GUIDEBOT_")}
    group = retention_fields()
    assert {
        "retention_free_text_days",
        "retention_days",
        "retention_audit_days",
        "campaign_address_days",
    } <= group
    rows = {name: int(default) for name, default in RETENTION_ROW.findall(doc)}
    for field in sorted(group):
        name = by_field[field]
        assert name in rows, f"{name} is not in the retention table of {DOC.name}"
        assert rows[name] == Settings.model_fields[field].default, (name, rows[name])


def test_it_covers_what_the_issue_asks_and_says_it_is_not_legal_advice(doc: str) -> None:
    for words in (
        "not legal advice",
        "public task",
        "`my data`",
        "`forget me`",
        "guidebot subject-access --user",
        "guidebot erase --user",
        "guidebot audit [--since DATE]",
        "guidebot retention --dry-run",
        "Slack",
        "Microsoft",
        "council's hosting",
        "Identifiers typed into free text",
        "Small teams",
        "Managers' access",
        "Settings to review before go-live",
    ):
        assert words in doc, words
