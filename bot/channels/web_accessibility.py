"""``GET /accessibility``: the accessibility statement, in the form of GOV.UK's model statement.

Public sector bodies must publish one for each website (the Public Sector Bodies (Websites and
Mobile Applications) (No. 2) Accessibility Regulations 2018). What it says about testing comes from
the constants below, which the browser tests use as their list of what to check: a screen named
here that the tests stop checking fails them, so the statement cannot claim more than is tested.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date
from html import escape

from aiohttp import web

from bot.settings import Settings

PATH = "/accessibility"
# The axe-core rule tags the browser tests run: WCAG 2.0, 2.1 and 2.2, levels A and AA.
WCAG_TAGS = ("wcag2a", "wcag2aa", "wcag21a", "wcag21aa", "wcag22aa")
# Every screen the browser tests check with axe-core, by the id the tests record it under.
CHECKED_SCREENS = {
    "start": "the first screen, with the privacy notice and the list of surveys",
    "privacy_notice": "the privacy notice again, with its link, when you type privacy",
    "single_choice": "a question answered by choosing one option",
    "multiple_choice": "a question answered with checkboxes",
    "multiple_choice_limit": "checkboxes when the most you can choose are chosen",
    "agreement": "an agreement scale, from strongly disagree to strongly agree",
    "scale_0_10": "a scale from 0 to 10",
    "yes_no": "a yes or no question",
    "number": "a question answered with a number",
    "free_text": "a question answered in your own words, with its character counter",
    "errors": "error messages, and a message too long to send",
    "finished": "the end of a survey",
    "digest": "a manager's digest, with its charts",
    "chart_full_size": "a chart opened full size",
    "plan": "the improvement plan page",
    "statement": "this accessibility statement",
}
# What was checked by hand, once, on TESTED_ON.
MANUAL_CHECKS = (
    "using a keyboard alone, to take a survey, open a chart full size and read the plan",
    "at 400% zoom (a window 1280 pixels wide, which leaves 320 pixels for the page)",
    "the order and names a screen reader is given, read from the browser's accessibility tree",
)
TESTED_ON = date(2026, 12, 2)
PREPARED_ON = date(2026, 12, 2)
# Each WCAG 2.2 AA failure known and not yet fixed, as (what fails, the success criterion).
NON_COMPLIANT: tuple[tuple[str, str], ...] = ()
HEADERS = {
    "Cache-Control": "no-cache",
    "Content-Security-Policy": (
        "default-src 'none'; style-src 'self'; img-src 'self'; base-uri 'none'; form-action 'none'"
    ),
    "X-Content-Type-Options": "nosniff",
}
EMAIL = re.compile(r"^[^@\s]+@[^@\s]+\.[^@\s]+$")
EASS = "https://www.equalityadvisoryservice.com/"
ABILITYNET = "https://mcmw.abilitynet.org.uk/"
WCAG = "https://www.w3.org/TR/WCAG22/"


@dataclass(frozen=True, slots=True)
class AccessibilityStatement:
    """The statement for one council: its name, where to report problems, and how long plan links last."""

    org_name: str
    contact: str = ""
    link_hours: int = 24

    @classmethod
    def from_settings(cls, settings: Settings) -> AccessibilityStatement:
        """The statement for ``GUIDEBOT_ORG_NAME`` and ``GUIDEBOT_ACCESSIBILITY_CONTACT``."""
        return cls(settings.org_name, settings.accessibility_contact, settings.report_link_hours)

    def add_routes(self, app: web.Application) -> None:
        """Mount ``GET /accessibility`` (served whether or not the web chat is on)."""
        app.router.add_get(PATH, self.page)

    async def page(self, request: web.Request) -> web.Response:
        """The statement as an HTML page styled like the chat."""
        return web.Response(text=self.html(), content_type="text/html", charset="utf-8", headers=HEADERS)

    def html(self) -> str:
        """The whole page."""
        org = escape(self.org_name)
        sections = [
            self._intro(org),
            self._how_accessible(),
            self._feedback(org),
            _enforcement(),
            self._technical(org),
            _preparation(org),
        ]
        return PAGE.format(org=org, body="\n".join(sections))

    def contact_html(self) -> str:
        """The contact as a link where it is an email or web address, else as text."""
        contact = self.contact.strip()
        if EMAIL.match(contact):
            return f'<a href="mailto:{escape(contact)}">{escape(contact)}</a>'
        if contact.startswith("https://"):
            return f'<a href="{escape(contact)}">{escape(contact)}</a>'
        return escape(contact)

    def _intro(self, org: str) -> str:
        return f"""<p>This accessibility statement applies to the survey chat on this website and to the
improvement plan pages it links to. It does not cover Slack or Microsoft Teams, whose own apps show
the bot's messages there.</p>
<p>This website is run by {org}. We want as many people as possible to be able to use it. For
example, that means you should be able to:</p>
<ul>
<li>change colours, contrast levels and fonts using browser or device settings</li>
<li>zoom in up to 400% without the text spilling off the screen</li>
<li>use the whole chat with a keyboard alone</li>
<li>take a survey on a phone</li>
<li>read a description of every chart</li>
</ul>
<p>We have also made the text as simple as we can. <a href="{ABILITYNET}">AbilityNet</a> has advice
on making your device easier to use if you have a disability.</p>"""

    def _how_accessible(self) -> str:
        known = [
            "text inside a chart is small on a narrow screen: each chart has a written description, "
            "the digest gives the same figures in words, and you can open a chart full size and zoom in",
            f"a link to an improvement plan works for {self.link_hours} hours: after that, ask the bot "
            "for a new one by typing plan",
            "if you reload the page the conversation starts again on screen, though your answers are "
            "kept: type resume to carry on with a survey",
            "the chat has not yet been tested with a screen reader such as JAWS, NVDA or VoiceOver, "
            "or with speech recognition software, by people who use them",
        ]
        items = "".join(f"<li>{escape(item)}</li>" for item in known)
        return f"""<h2>How accessible this website is</h2>
<p>We know some parts of this website are not as easy to use as they could be:</p>
<ul>{items}</ul>"""

    def _feedback(self, org: str) -> str:
        if self.contact.strip():
            reach = f"<p>Contact: {self.contact_html()}</p>"
        else:
            reach = f"""<div class="notice"><p>{org} has not yet said where to report accessibility
problems with this website. Until it does, ask your manager or your council's digital team.</p>
<p>For the council: set <code>GUIDEBOT_ACCESSIBILITY_CONTACT</code> to an email address, phone
number or web page, and it will be shown here.</p></div>"""
        return f"""<h2>Feedback and contact information</h2>
<p>If you need information on this website in a different format, like large print, easy read,
audio recording or braille, tell {org}.</p>
{reach}
<h2>Reporting accessibility problems with this website</h2>
<p>We are always looking to improve the accessibility of this website. If you find any problems not
listed on this page or think we are not meeting accessibility requirements, contact {org}
{"as above" if self.contact.strip() else "through your manager or digital team"}.</p>"""

    def _technical(self, org: str) -> str:
        status = "fully" if not NON_COMPLIANT else "partially"
        reason = "" if not NON_COMPLIANT else ", due to the non-compliances listed below"
        if NON_COMPLIANT:
            failures = "".join(
                f"<li>{escape(what)} This fails WCAG 2.2 success criterion {escape(criterion)}.</li>"
                for what, criterion in NON_COMPLIANT
            )
            non_compliance = f"<ul>{failures}</ul>"
        else:
            non_compliance = "<p>We know of no content on this website that fails WCAG 2.2 AA.</p>"
        return f"""<h2>Technical information about this website's accessibility</h2>
<p>{org} is committed to making its website accessible, in accordance with the Public Sector
Bodies (Websites and Mobile Applications) (No. 2) Accessibility Regulations 2018.</p>
<h3>Compliance status</h3>
<p>This website is {status} compliant with the <a href="{WCAG}">Web Content Accessibility
Guidelines version 2.2</a> AA standard{reason}.</p>
<h2>Non-accessible content</h2>
<h3>Non-compliance with the accessibility regulations</h3>
{non_compliance}
<h3>Disproportionate burden</h3>
<p>We are not claiming that fixing any part of this website would be a disproportionate burden.</p>
<h3>Content that is not within the scope of the accessibility regulations</h3>
<p>The Slack and Microsoft Teams apps are run by Slack and Microsoft, not by {org}. In Teams every
answer box the bot shows has a label and every chart has alternative text, checked with Microsoft's
own Adaptive Cards renderer.</p>"""


def _enforcement() -> str:
    return f"""<h2>Enforcement procedure</h2>
<p>The Equality and Human Rights Commission (EHRC) is responsible for enforcing the Public Sector
Bodies (Websites and Mobile Applications) (No. 2) Accessibility Regulations 2018 (the
'accessibility regulations'). If you are not happy with how we respond to your complaint,
<a href="{EASS}">contact the Equality Advisory and Support Service (EASS)</a>.</p>"""


def _preparation(org: str) -> str:
    screens = "".join(f"<li>{escape(what)}</li>" for what in CHECKED_SCREENS.values())
    manual = "".join(f"<li>{escape(what)}</li>" for what in MANUAL_CHECKS)
    levels = "WCAG 2.0, 2.1 and 2.2, levels A and AA"
    return f"""<h2>How we tested this website</h2>
<p>Every time the bot is changed, its tests open these screens in the Chromium browser, at phone
and desktop widths, and check each with axe-core, an automated checker, against its rules for
{levels}. A change that brings a failure is not released. The screens are:</p>
<ul>{screens}</ul>
<p>We also checked by hand:</p>
<ul>{manual}</ul>
<h2>Preparation of this accessibility statement</h2>
<p>This statement was prepared on {_day(PREPARED_ON)}. The website was last tested on
{_day(TESTED_ON)} against the WCAG 2.2 AA standard, by the team that makes the bot. {org} should
review this statement before it publishes the website, and at least once a year.</p>"""


def _day(day: date) -> str:
    return f"{day.day} {day:%B %Y}"


PAGE = """<!DOCTYPE html>
<html lang="en-GB">
<head>
  <meta charset="utf-8">
  <meta name="viewport" content="width=device-width, initial-scale=1">
  <title>Accessibility statement: case management survey chat</title>
  <link rel="icon" href="/static/favicon.svg" type="image/svg+xml">
  <link rel="stylesheet" href="/static/chat.css">
</head>
<body>
  <a class="skip-link" href="#main">Skip to main content</a>
  <header class="header">
    <div class="width-container">
      <span class="header-title">Case management survey</span>
    </div>
  </header>
  <main id="main" class="width-container prose">
    <p class="back"><a href="/">Back to the chat</a></p>
    <h1>Accessibility statement for the case management survey chat</h1>
{body}
  </main>
  <footer class="footer">
    <div class="width-container">
      <p>Run by {org}.</p>
    </div>
  </footer>
</body>
</html>
"""
