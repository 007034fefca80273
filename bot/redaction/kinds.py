"""The kinds of identifier redaction removes; each is also the word in its placeholder, ``[name]``."""

from __future__ import annotations

NAME = "name"
DATE_OF_BIRTH = "date of birth"
NHS_NUMBER = "NHS number"
NI_NUMBER = "NI number"
POSTCODE = "postcode"
PHONE_NUMBER = "phone number"
EMAIL = "email"

# The order the removal notice lists kinds in: people first, then numbers, then contact details.
KINDS = (NAME, DATE_OF_BIRTH, NHS_NUMBER, NI_NUMBER, POSTCODE, PHONE_NUMBER, EMAIL)


def placeholder(kind: str) -> str:
    """The text that replaces an identifier of ``kind``, e.g. ``[postcode]``."""
    return f"[{kind}]"
