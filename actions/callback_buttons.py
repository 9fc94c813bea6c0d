"""The payloads of the call-back buttons. A leaf module (no imports) so actions/messages.py can add them
to the accepted button payloads without importing the form."""

from __future__ import annotations

from typing import Dict, Tuple

REQUEST = "/request_callback"
SKIP = "/callback_skip"
CANCEL = "/callback_cancel"

# key -> button title. The key is what the outbox stores and the webhook sends.
BEST_TIMES: Dict[str, str] = {
    "morning": "Morning (9am-12pm)",
    "afternoon": "Afternoon (12-5pm)",
    "any": "Any time in opening hours",
}
REASONS: Dict[str, str] = {
    "booking": "Booking an appointment",
    "treatment_question": "A question about treatment",
    "cost": "Cost or insurance",
    "other": "Something else",
}
CONSENT: Dict[str, str] = {
    "yes": "Yes, please call me",
    "no": "No, don't keep my number",
}


def choice(key: str) -> str:
    return '/callback_choice{"choice": "%s"}' % key


def choice_payloads() -> Tuple[str, ...]:
    return tuple(choice(k) for group in (BEST_TIMES, REASONS, CONSENT) for k in group)


PAYLOADS = frozenset((REQUEST, SKIP, CANCEL) + choice_payloads())
