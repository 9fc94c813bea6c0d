"""The two safety intents and the reply level of each: the one table that the NLU component
(safety/component.py), the call-back form (actions/callback_form.py) and the staff tools
(staff/check.py, staff/review.py, staff/add_examples.py) import. No Rasa import, so staff commands
stay fast."""

from __future__ import annotations

from typing import Dict

# detector level -> the intent the NLU component forces when the red-flag rules fire
LEVEL_INTENT: Dict[str, str] = {"emergency": "emergency", "crisis": "self_harm"}
# intent -> the level of reply it gets
INTENT_LEVEL: Dict[str, str] = {intent: level for level, intent in LEVEL_INTENT.items()}
SAFETY_INTENTS = frozenset(INTENT_LEVEL)
