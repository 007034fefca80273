"""Published national figures a council's answers can be set beside (from the content brief).

Each names the question and the answers it counts, so it is compared only where the survey asks
that question with those answers; a council that rewords a question keeps its comparison as long
as the ids stay.
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True, slots=True)
class PublishedFigure:
    """A national figure: the share of staff who gave one of ``values`` to ``question_id``."""

    question_id: str
    values: tuple[str, ...]
    share: float
    local_claim: str
    national_claim: str
    source: str


PUBLISHED_FIGURES = (
    PublishedFigure(
        question_id="disruption",
        values=("daily", "weekly"),
        share=0.60,
        local_claim="say the system disrupts their work at least weekly",
        national_claim="nationally almost 60% said so in 2019",
        source="Community Care research, June 2019",
    ),
    PublishedFigure(
        question_id="disruption",
        values=("daily", "weekly", "fortnightly"),
        share=0.80,
        local_claim="say it disrupts their work at least fortnightly",
        national_claim="80% of social workers polled said so for the Independent Review in 2022",
        source="Independent Review of Children's Social Care, final report (2022)",
    ),
    PublishedFigure(
        question_id="consulted",
        values=("no",),
        share=0.75,
        local_claim="were not asked for their views before the current system came in",
        national_claim="nationally three-quarters were not consulted (2022)",
        source="Independent Review of Children's Social Care, final report (2022)",
    ),
)
SUS_AVERAGE_SOURCE = "Bangor, Kortum & Miller (2008, 2009); Sauro (2011)"
ADMIN_TIME = (
    "social workers can spend as much as 80% of their time on administration",
    "DfE discovery on digital and technology in children's social care (FutureGov / TPXimpact)",
)
