"""Phone numbers: finding them in a message (so they are held apart from the transcript) and
validating/normalising them with `phonenumbers`."""

from __future__ import annotations

import re
from typing import Optional

import phonenumbers

# A run of digits with the usual separators, at least MIN_DIGITS digits: anything shorter is no
# callable number (and "911", a time or a dose stays readable in the transcript).
MIN_DIGITS = 7
CANDIDATE = re.compile(r"\+?\(?\d[\d\s().\-/]*\d")


def digit_count(text: str) -> int:
    return sum(ch.isdigit() for ch in text)


def candidates(text: str) -> list:
    """Spans of `text` that may be phone numbers (start, end)."""
    return [m.span() for m in CANDIDATE.finditer(text) if digit_count(m.group()) >= MIN_DIGITS]


def normalise(text: str, region: str) -> Optional[str]:
    """The number in E.164 form (+12015550123) if `text` is a valid phone number, else None. A number
    without a country code is read as one of `region` (CALLBACK_DEFAULT_REGION)."""
    text = text.strip()
    if not text or digit_count(text) < MIN_DIGITS or len(text) > 40:
        return None
    try:
        number = phonenumbers.parse(text, region)
    except phonenumbers.NumberParseException:
        return None
    if not phonenumbers.is_valid_number(number):
        return None
    return phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.E164)
