"""The topic table: the one list of the topics the assistant's logic refers to, which button asks for
each, which the menu shows, and how follow-up questions are resolved.

Pure data, no imports of the project or Rasa: the content loader (actions/content.py: every topic here
must have an answer), the actions (actions/messages.py, actions/answers.py) and the staff check
(staff/check.py) all import it. Staff may add more topics to content/answers.yml; a topic added here needs
its answer there.
"""

from __future__ import annotations

from typing import Dict, Optional, Tuple

# The topics offered as buttons, and the request each button sends (an intent with entities, which
# Rasa parses without the NLU model). Every topic in content/answers.yml that a patient can reach.
TOPIC_REQUESTS: Dict[str, str] = {
    "prodrome": "/ask_prodrome",
    "prodrome_timing": '/ask_onset{"subject": "prodrome"}',
    "aura": "/ask_aura",
    "aura_duration": '/ask_duration{"subject": "aura"}',
    "attack_duration": '/ask_duration{"subject": "migraine"}',
    "attack_frequency": "/ask_attack_frequency",
    "attack_symptoms": "/ask_attack_symptoms",
    "postdrome": "/ask_postdrome",
    "ketamine_what": "/ask_ketamine_what",
    "ketamine_how_it_helps": "/ask_ketamine_how_it_helps",
    "ketamine_speed": "/ask_ketamine_speed",
    "ketamine_vs_antidepressants": "/ask_ketamine_vs_antidepressants",
    "ketamine_side_effects": "/ask_ketamine_side_effects",
    "ketamine_session": "/ask_ketamine_session",
    "ketamine_relief_duration": '/ask_duration{"subject": "ketamine"}',
    "ketamine_addiction": "/ask_ketamine_addiction",
    "ketamine_bladder": "/ask_ketamine_bladder",
    "session_practical": "/ask_session_practical",
}

# Topics the assistant's logic refers to (intents, follow-ups, menu): content/answers.yml must answer each.
REQUIRED_TOPICS: Tuple[str, ...] = tuple(TOPIC_REQUESTS)

# The menu: the main topics, in the order patients see them.
MENU: Tuple[str, ...] = (
    "prodrome",
    "aura",
    "attack_symptoms",
    "attack_duration",
    "postdrome",
    "ketamine_what",
    "ketamine_how_it_helps",
    "ketamine_speed",
    "ketamine_side_effects",
    "ketamine_session",
    "ketamine_vs_antidepressants",
)

# Follow-up intent -> subject -> topic. A topic starting with "escalate:" goes to a clinician with
# that reason: the page does not answer it.
FOLLOW_UPS: Dict[str, Dict[Optional[str], str]] = {
    "ask_duration": {
        "aura": "aura_duration",
        "prodrome": "prodrome_timing",
        "migraine": "attack_duration",
        "postdrome": "postdrome",
        "ketamine": "ketamine_relief_duration",
        None: "attack_duration",
    },
    "ask_onset": {
        "aura": "aura_duration",
        "prodrome": "prodrome_timing",
        "migraine": "prodrome_timing",
        "postdrome": "postdrome",
        "ketamine": "ketamine_speed",
        None: "prodrome_timing",
    },
}
# The subjects a topic id starts with (aura_duration -> aura); attack_* topics are about "migraine".
SUBJECTS: Tuple[str, ...] = ("aura", "prodrome", "postdrome", "ketamine")
