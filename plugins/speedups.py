"""A measured fix for the largest single cost of a message (bench/profile.py, docs/production.md "Speed").

Rasa 3.6.21 validates every action server response with `jsonschema.validate(result, schema)`.
`validate` first checks the *schema itself* against the JSON-Schema meta-schema, on every call; for
Rasa's events schema that meta-check is ~40 ms of CPU on this machine (jsonschema 4.17.3), i.e. about
half of the time of a message that runs a custom action. The schema is a constant.

`install()` replaces RemoteAction._validate_action_result with the same validation through a
validator built once (the schema is checked once, at install): the same schema, the same
jsonschema.ValidationError (jsonschema's best_match, as `validate` picks it) with the same extra message
on an invalid response (tests/production/test_speedups.py). Nothing else changes.

plugins/__init__.py calls `install()` once, the first time Rasa imports any plugin (the channel, the
synonym extractor, the stores), and only on the Rasa version it was measured for. `uninstall()` puts
Rasa's own method back (the A/B benchmark, the equivalence tests).
"""

from __future__ import annotations

import logging
from typing import Any, Dict, Text

logger = logging.getLogger(__name__)
_installed = False
# Rasa's own method, kept by install() for uninstall().
rasa_validate_action_result: Any = None


def install() -> bool:
    """Idempotent. Returns True if the patch is (now) active."""
    global _installed, rasa_validate_action_result
    if _installed:
        return True
    from jsonschema import ValidationError
    from jsonschema.exceptions import best_match
    from jsonschema.validators import validator_for
    from rasa.core.actions import action as rasa_action
    from rasa.shared.constants import DOCS_BASE_URL

    schema = rasa_action.RemoteAction.action_response_format_spec()
    cls = validator_for(schema)
    cls.check_schema(schema)  # once
    validator = cls(schema)

    def _validate_action_result(self: Any, result: Dict[Text, Any]) -> bool:
        try:
            error = best_match(
                validator.iter_errors(result)
            )  # what jsonschema.validate raises, too
            if error is not None:
                raise error
            return True
        except ValidationError as e:
            e.message += (
                f". Failed to validate Action server response from API, "
                f"make sure your response from the Action endpoint is valid. "
                f"For more information about the format visit "
                f"{DOCS_BASE_URL}/custom-actions"
            )
            raise e

    rasa_validate_action_result = rasa_action.RemoteAction._validate_action_result
    rasa_action.RemoteAction._validate_action_result = _validate_action_result
    _installed = True
    logger.debug("plugins.speedups: action server responses validated with a prebuilt validator")
    return True


def uninstall() -> None:
    """Puts Rasa's own validation back (no-op when not installed)."""
    global _installed
    if not _installed:
        return
    from rasa.core.actions import action as rasa_action

    rasa_action.RemoteAction._validate_action_result = rasa_validate_action_result
    _installed = False
