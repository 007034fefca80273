"""Load the content a server runs on (surveys, guidance, glossary, links), checked as one."""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime
from pathlib import Path

from bot.default_content import REPO_CONTENT, default_content_dir
from bot.logs import get_logger
from bot.settings import Settings, secret_key
from bot.turn import Content, TurnHandler, utcnow
from dialogs.guidance import PUBLICATION_PAGE, GuidanceLibrary, load_guidance
from dialogs.loader import SurveyCatalog, load_surveys
from dialogs.model import SurveyDef
from dialogs.privacy_notice import NOTICE_FILE, NoticeFacts, NoticeWording, fill, load_notice_wording
from dialogs.problems import ContentError, ContentProblem
from dialogs.replies import Reply
from storage.db import Database

log = get_logger(__name__)


def guidance_base_url(settings: Settings) -> str:
    """Where guidance links start: GUIDANCE_BASE_URL (a council's hosted copy), or the GOV.UK publication."""
    return settings.guidance_base_url or PUBLICATION_PAGE


def turn_handler(settings: Settings, db: Database, *, clock: Callable[[], datetime] = utcnow) -> TurnHandler:
    """The turn handler every channel shares, with content loaded and roles from the settings."""
    key, generated = secret_key(settings)
    if generated:
        log.warning(
            "secret_key.generated",
            path=str(settings.data_dir / "secret_key"),
            advice="set GUIDEBOT_SECRET_KEY to keep pseudonyms stable across installations",
        )
    return TurnHandler(
        db,
        load_content(settings),
        key=key,
        managers=settings.manager_ids,
        digital_leads=settings.digital_lead_ids,
        clock=clock,
    )


def load_content(settings: Settings) -> Content:
    """Every content file, validated together; raises ContentError naming each problem's file and line."""
    problems: list[ContentProblem] = []
    catalog: SurveyCatalog | None = None
    guidance: GuidanceLibrary | None = None
    wording: NoticeWording | None = None
    try:
        catalog = load_surveys(settings.content_dir / "surveys")
    except ContentError as exc:
        problems += exc.problems
    try:
        guidance = load_guidance(settings.content_dir, settings.guidance_base_url or None)
    except ContentError as exc:
        problems += exc.problems
    try:
        wording = load_notice_wording(notice_path(settings))
    except ContentError as exc:
        problems += exc.problems
    if catalog is not None and guidance is not None:
        catalog, found = _link_surveys_to_guidance(catalog, guidance, settings)
        problems += found
    if problems or catalog is None or wording is None:
        raise ContentError(problems)
    return Content(catalog=catalog, guidance=guidance, notice=privacy_notice(wording, settings))


def notice_path(settings: Settings) -> Path:
    """The privacy notice's wording: the council's own, else the shipped one (for content exported before it)."""
    own = settings.content_dir / NOTICE_FILE
    if own.exists():
        return own
    shipped = default_content_dir() / NOTICE_FILE
    found = shipped if shipped.exists() else REPO_CONTENT / NOTICE_FILE
    log.warning(
        "content.privacy_notice_shipped",
        missing=str(own),
        advice=f"copy {NOTICE_FILE} from `guidebot content export` to word the privacy notice your own way",
    )
    return found


def privacy_notice(wording: NoticeWording, settings: Settings) -> tuple[Reply, ...]:
    """The notice in the settings' words: who runs the bot, the group size, retention and the link."""
    facts = NoticeFacts(
        org_name=settings.org_name,
        min_group_size=settings.min_group_size,
        free_text_days=settings.retention_free_text_days,
        answers_days=settings.retention_days,
        privacy_url=settings.privacy_url,
    )
    return (fill(wording, facts),)


def _link_surveys_to_guidance(
    catalog: SurveyCatalog, guidance: GuidanceLibrary, settings: Settings
) -> tuple[SurveyCatalog, list[ContentProblem]]:
    """A survey question's ``link`` names a guidance section; it is shown as that section's address."""
    problems: list[ContentProblem] = []
    surveys: dict[str, SurveyDef] = {}
    for survey in catalog.surveys.values():
        questions = []
        for q in survey.questions:
            if q.link is None or q.link.startswith("https://"):
                questions.append(q)
                continue
            try:
                url = guidance.section(q.link).url
            except KeyError:
                where = settings.content_dir / "surveys" / f"{survey.id}.yaml"
                problems.append(
                    ContentProblem(str(where), None, f"question '{q.id}': no guidance section '{q.link}'")
                )
                questions.append(q)
                continue
            questions.append(q.model_copy(update={"link": url}))
        surveys[survey.id] = survey.model_copy(update={"questions": questions})
    return SurveyCatalog(surveys), problems
