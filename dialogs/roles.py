"""The roles the bot serves, named once for every layer."""

from __future__ import annotations

PRACTITIONER = "practitioner"
MANAGER = "manager"
DIGITAL_LEAD = "digital_lead"
ROLES = (PRACTITIONER, MANAGER, DIGITAL_LEAD)
# Managers and digital leads: digests, the plan, invitations and the guided walkthrough.
LEADS = frozenset({MANAGER, DIGITAL_LEAD})
