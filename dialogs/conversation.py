"""The top of the dialogs: route one message to a command or the survey in progress.

``step`` is a pure function of (catalog, guidance, state, input). A message outside a survey that
is not a command is taken as a question for the guidance.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime, timedelta

from rapidfuzz import fuzz, process

from dialogs import commands, guidance_dialog
from dialogs import survey_engine as engine
from dialogs.commands import Command
from dialogs.effects import Effect
from dialogs.emphasis import command
from dialogs.guidance import GuidanceLibrary
from dialogs.loader import SurveyCatalog
from dialogs.model import SurveyDef
from dialogs.replies import Choice, Prompt, Reply, Text
from dialogs.roles import LEADS, ROLES
from dialogs.state import DialogState, SurveyProgress
from dialogs.values import AnswerValue, CommandValue, FeedbackValue, SectionValue, Value

SURVEY_COMMANDS = {"help", "back", "skip", "stop", "restart"}
PRIVATE_COMMANDS = {"start", "survey", "resume", "guide me"}
GREETINGS = {"hi", "hello", "hey", "help", "menu", "start", "?", "commands"}
ALREADY_ANSWERED = "That question has already been answered."
# Back after this long mid-survey, the user is told where they were (across restarts and processes).
REMIND_AFTER = timedelta(minutes=30)


@dataclass(frozen=True, slots=True)
class TurnInput:
    """One message as the dialogs see it: already redacted, with the time and a fresh id passed in.

    ``countable`` is False when the channel does not authenticate its users (anyone could claim
    any name), so the responses they start never count towards releasing figures.
    """

    text: str | None
    value: Value | None
    roles: frozenset[str]
    now: datetime
    new_id: str
    is_direct: bool = True
    countable: bool = True

    @property
    def counts(self) -> bool:
        """Whether a response this message starts counts towards releasing figures."""
        return self.countable and not (self.roles & LEADS)


@dataclass(slots=True)
class TurnResult:
    """The new state, what to say and what to store."""

    state: DialogState
    replies: list[Reply] = field(default_factory=list)
    effects: list[Effect] = field(default_factory=list)


def step(
    catalog: SurveyCatalog, state: DialogState, msg: TurnInput, guidance: GuidanceLibrary | None = None
) -> TurnResult:
    """Handle one message for one user."""
    result = TurnResult(state)
    if state.active and _away(state.last_at, msg.now):
        result.replies.append(Text(_reminder(catalog, state.active)))
    state.last_at = msg.now.isoformat()
    command, args = _command_of(msg)
    if isinstance(msg.value, FeedbackValue):
        _add(result, guidance_dialog.feedback(msg.value, msg.now))
    elif isinstance(msg.value, SectionValue) and guidance is not None:
        _add(result, guidance_dialog.chosen_section(guidance, msg.value.section_id, msg.value.answer_id))
    elif isinstance(msg.value, AnswerValue):
        _button_answer(catalog, result, msg, msg.value)
    elif state.active is not None and msg.is_direct and command == "ask" and args and guidance is not None:
        _add(result, guidance_dialog.answer_question(guidance, args, msg.new_id, msg.now))
        survey = catalog.get(state.active.survey_id)
        if survey is not None:
            result.replies.append(engine.ask(survey, state.active))
    elif state.active is not None and msg.is_direct:
        _in_survey(catalog, result, msg, command, args)
    else:
        _outside_survey(catalog, result, msg, command, args, guidance)
    return result


def _command_of(msg: TurnInput) -> tuple[str, str]:
    command: Command | None = commands.of_input(msg.text, msg.value)
    return (command.name, command.args) if command is not None else ("", "")


def _button_answer(catalog: SurveyCatalog, result: TurnResult, msg: TurnInput, value: AnswerValue) -> None:
    state, active = result.state, result.state.active
    if active is None or active.question_id != value.question_id:
        result.replies.append(Text(ALREADY_ANSWERED, private=True))
        return
    survey = catalog.get(active.survey_id)
    if survey is None:
        _lost_survey(result)
        return
    _apply(state, result, engine.answer(survey, active, None, value.answer, msg.now))


def _in_survey(catalog: SurveyCatalog, result: TurnResult, msg: TurnInput, command: str, args: str) -> None:
    state, active = result.state, result.state.active
    assert active is not None
    survey = catalog.get(active.survey_id)
    if survey is None:
        _lost_survey(result)
        return
    clicked = isinstance(msg.value, CommandValue)
    if command in SURVEY_COMMANDS and (clicked or not args):
        match command:
            case "help":
                result.replies += [Text(_survey_help(survey)), engine.ask(survey, active)]
            case "back":
                _apply(state, result, engine.back(survey, active))
            case "skip":
                _apply(state, result, engine.skip(survey, active, msg.now))
            case "stop":
                _pause(catalog, result)
            case "restart":
                _apply(state, result, engine.restart(survey, active, msg.new_id, msg.now, counts=msg.counts))
        return
    if command in ("surveys", "resume"):
        result.replies += [Text(f"You're in the middle of *{survey.title}*."), engine.ask(survey, active)]
        return
    if command == "start" and args:
        wanted = find_survey(catalog, args, msg.roles)
        if wanted is not None and wanted.id != survey.id:
            _pause(catalog, result)
            _start_or_resume(catalog, result, wanted, msg)
            return
    typed_answer = msg.value.answer if isinstance(msg.value, AnswerValue) else None
    _apply(state, result, engine.answer(survey, active, msg.text, typed_answer, msg.now))


def _outside_survey(
    catalog: SurveyCatalog,
    result: TurnResult,
    msg: TurnInput,
    command: str,
    args: str,
    guidance: GuidanceLibrary | None,
) -> None:
    if not msg.is_direct and command in PRIVATE_COMMANDS:
        result.replies.append(
            Text(
                "Surveys run in a private chat with me, so your answers stay private. "
                "Send me a direct message, or press Start on an invitation."
            )
        )
    elif command in GREETINGS and not args:
        result.replies += help_replies(catalog, result.state, msg.roles)
    elif command == "invite":
        result.replies += _invitation(catalog, msg, args)
    elif command == "surveys" and not args:
        result.replies += survey_list(catalog, result.state, msg.roles)
    elif command in ("start", "survey") and args:
        survey = find_survey(catalog, args, msg.roles)
        if survey is None:
            result.replies.append(Text(f"I don't know a survey called \u201c{args[:60]}\u201d."))
            result.replies += survey_list(catalog, result.state, msg.roles)
        else:
            _start_or_resume(catalog, result, survey, msg)
    elif command == "guide me":
        survey = catalog.get("guide-me")
        if survey is None or not (msg.roles & set(survey.audience)):
            result.replies.append(Text("The guided walkthrough is for digital leads and managers."))
        else:
            _start_or_resume(catalog, result, survey, msg)
    elif command == "resume" and not args:
        if not result.state.paused:
            result.replies += [
                Text("You have no paused survey."),
                *survey_list(catalog, result.state, msg.roles),
            ]
        else:
            survey_id = list(result.state.paused)[-1]
            survey = catalog.get(survey_id)
            if survey is None:
                result.state.paused.pop(survey_id)
                _lost_survey(result)
            else:
                _start_or_resume(catalog, result, survey, msg)
    elif command in SURVEY_COMMANDS and not args:
        result.replies += [
            Text("You're not in a survey at the moment."),
            *help_replies(catalog, result.state, msg.roles),
        ]
    elif command == "links" and not args and guidance is not None:
        result.replies += guidance_dialog.external_links(guidance)
    elif guidance is not None and msg.value is None and (msg.text or "").strip():
        question = args if command == "ask" else msg.text or ""
        _add(result, guidance_dialog.answer_question(guidance, question, msg.new_id, msg.now))
    else:
        result.replies.append(Text("Sorry, I didn't understand that."))
        result.replies += help_replies(catalog, result.state, msg.roles)


def _invitation(catalog: SurveyCatalog, msg: TurnInput, name: str) -> list[Reply]:
    """A Start button for a survey, posted by a manager or digital lead for everyone in a channel."""
    if not msg.roles & LEADS:
        return [Text("Only managers and digital leads can invite people to a survey.")]
    survey = find_survey(catalog, name, frozenset(ROLES)) if name else None
    if survey is None or not survey.listed:
        names = ", ".join(s.id for s in catalog.surveys.values() if s.listed)
        return [Text(f"Which survey? Try invite followed by one of: {names}.")]
    return [
        Prompt(
            f"*{survey.title}*\n{survey.description}\nPress Start to take it in a private chat with me. "
            "Your answers are anonymous.",
            (Choice("Start", CommandValue("start", survey.id)),),
        )
    ]


def _start_or_resume(catalog: SurveyCatalog, result: TurnResult, survey: SurveyDef, msg: TurnInput) -> None:
    state = result.state
    paused = state.paused.pop(survey.id, None)
    if paused is not None and survey.question(paused.question_id) is not None:
        state.active = paused
        number, total = engine.position(survey, paused.question_id)
        result.replies.append(
            Text(f"Welcome back to *{survey.title}*. Carrying on from question {number} of {total}.")
        )
        result.replies.append(engine.ask(survey, paused))
        return
    _apply(state, result, engine.start(survey, msg.new_id, msg.now, counts=msg.counts))


def _pause(catalog: SurveyCatalog, result: TurnResult) -> None:
    state, active = result.state, result.state.active
    assert active is not None
    state.paused[active.survey_id] = active
    state.active = None
    survey = catalog.get(active.survey_id)
    title = survey.title if survey else active.survey_id
    result.replies.append(
        Prompt(
            f"Paused *{title}*. Your answers so far are saved. Type {command('resume')} when you want to carry on.",
            (Choice("Resume", CommandValue("resume")),),
        )
    )


def _apply(state: DialogState, result: TurnResult, outcome: engine.Outcome) -> None:
    state.active = outcome.progress
    result.replies += outcome.replies
    result.effects += outcome.effects


def _add(result: TurnResult, said: tuple[list[Reply], list[Effect]]) -> None:
    result.replies += said[0]
    result.effects += said[1]


def _lost_survey(result: TurnResult) -> None:
    result.state.active = None
    result.replies.append(
        Text(f"That survey is no longer available. Type {command('surveys')} to see what you can take.")
    )


def _away(last_at: str, now: datetime) -> bool:
    """Whether the user has been away long enough to need reminding where they were."""
    try:
        return bool(last_at) and now - datetime.fromisoformat(last_at) >= REMIND_AFTER
    except (ValueError, TypeError):  # an unreadable or naive time: no reminder rather than a wrong one
        return False


def _reminder(catalog: SurveyCatalog, active: SurveyProgress) -> str:
    survey = catalog.get(active.survey_id)
    if survey is None or survey.question(active.question_id) is None:
        return "Welcome back."
    number, total = engine.position(survey, active.question_id)
    return f"Welcome back: we were on question {number} of {total} of *{survey.title}*."


def find_survey(catalog: SurveyCatalog, name: str, roles: frozenset[str]) -> SurveyDef | None:
    """The survey a user means by an id, a title or a near spelling of either."""
    offered = {s.id: s for s in catalog.surveys.values() if roles & set(s.audience)}
    wanted = name.strip().casefold()
    for survey in offered.values():
        if wanted in (survey.id, survey.title.casefold(), survey.id.replace("-", " ")):
            return survey
    names = {sid: f"{sid.replace('-', ' ')} | {s.title.casefold()}" for sid, s in offered.items()}
    best = process.extractOne(wanted, names, scorer=fuzz.partial_ratio, score_cutoff=80)
    return offered[best[2]] if best else None


def survey_list(catalog: SurveyCatalog, state: DialogState, roles: frozenset[str]) -> list[Reply]:
    """The surveys this user can take, each with its title, the name to type and a start button, noting paused ones."""
    offered = catalog.for_roles(roles)
    if not offered:
        return [Text("There are no surveys for you at the moment.")]
    lines, choices = [], []
    for s in offered:
        paused = state.paused.get(s.id)
        note = ""
        if paused is not None and s.question(paused.question_id) is not None:
            number, total = engine.position(s, paused.question_id)
            note = f" (paused at question {number} of {total})"
        lines.append(f"\u2022 *{s.title}* (type {command('start ' + s.id)}): {s.description}{note}")
        choices.append(Choice(("Resume: " if note else "Start: ") + s.title, CommandValue("start", s.id)))
    return [Prompt("Surveys you can take:\n" + "\n".join(lines), tuple(choices))]


def overview(catalog: SurveyCatalog, state: DialogState, roles: frozenset[str]) -> list[Reply]:
    """A summary for a home screen: the survey in progress, if any, then what can be taken."""
    replies: list[Reply] = []
    if state.active is not None:
        survey = catalog.get(state.active.survey_id)
        if survey is not None and survey.question(state.active.question_id) is not None:
            number, total = engine.position(survey, state.active.question_id)
            replies.append(Text(f"You're taking *{survey.title}*: question {number} of {total}."))
    return replies + help_replies(catalog, state, roles)


def help_replies(catalog: SurveyCatalog, state: DialogState, roles: frozenset[str]) -> list[Reply]:
    """What the bot can do, and the surveys on offer."""
    lines = [
        "I help your service improve its case management system. You can:",
        f"\u2022 take a short survey: type {command('surveys')}, or {command('start <survey name>')}",
        "\u2022 ask me about the guidance, for example: where do I start with procurement?",
        f"\u2022 type {command('links')} for useful resources",
        f"\u2022 type {command('privacy')} to see how your answers are used and who sees them",
    ]
    if roles & LEADS:
        lines.append(f"\u2022 type {command('guide me')} to walk through the guidance's first steps")
        lines.append(
            f"\u2022 type {command('digest')} for a summary of what staff said, "
            f"or {command('plan')} for the improvement plan"
        )
        lines.append(
            f"\u2022 type {command('invite <survey>')} in a channel to invite everyone there to a survey"
        )
        lines.append(
            f"\u2022 type {command('campaign <survey> closes <date>')} in a channel to ask everyone there "
            "in person, with reminders"
        )
    if state.paused:
        lines.append(f"\u2022 type {command('resume')} to carry on with a paused survey")
    words = ", ".join(command(w) for w in ("back", "skip", "stop", "restart"))
    lines.append(f"In a survey you can type {words} or {command('help')} at any time.")
    return [Text("\n".join(lines)), *survey_list(catalog, state, roles)]


def current_question(catalog: SurveyCatalog, state: DialogState) -> list[Reply]:
    """The question a person is on, asked again (after something that interrupted the survey), or nothing."""
    active = state.active
    survey = catalog.get(active.survey_id) if active is not None else None
    if active is None or survey is None or survey.question(active.question_id) is None:
        return []
    return [engine.ask(survey, active)]


def _survey_help(survey: SurveyDef) -> str:
    return (
        f"You're taking *{survey.title}*. Answer with the buttons or by typing. You can type:\n"
        f"\u2022 {command('back')} to change your last answer\n"
        f"\u2022 {command('skip')} to leave out an optional question\n"
        f"\u2022 {command('stop')} to pause and carry on later\n\u2022 {command('restart')} to begin again"
    )


def welcome(*, personal: bool) -> list[Reply]:
    """The one short message sent when the bot is added to a personal chat, a team or a group chat."""
    if personal:
        text = (
            "Hello, I'm *Guidebot*. I run short, anonymous surveys about your case management system "
            f"and answer questions about the DfE guidance.\nType {command('help')} at any time."
        )
    else:
        text = (
            f"Hello, I'm *Guidebot*. Mention me with {command('help')} to see what I can do. Surveys run in a "
            "private chat with me, so answers stay private."
        )
    return [Prompt(text, (Choice("Show surveys", CommandValue("surveys")),))]
