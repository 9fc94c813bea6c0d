"""Starts the call-back delivery worker inside the action server. rasa-sdk imports every module of the
`actions` package when the action server starts; nothing else imports this one (the Rasa server and the
tests import actions modules without starting a thread). CALLBACK_WORKER=0 turns it off, e.g. when the
worker runs as its own process (`python -m actions.delivery`)."""

from __future__ import annotations

import logging
import os

from actions import delivery
from ops.settings import ConfigError

if os.environ.get("CALLBACK_WORKER", "1") != "0":
    try:
        delivery.start_in_background()
    except ConfigError as e:  # the assistant keeps working; requests wait in the outbox for staff
        logging.getLogger(__name__).error("call-back delivery NOT started: %s", e)
