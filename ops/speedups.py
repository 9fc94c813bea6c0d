"""A measured fix for the largest single cost of a message (bench/profile.py, docs/production.md "Speed").

Rasa 3.6.21 validates every action server response with `jsonschema.validate(result, schema)`.
`validate` first checks the *schema itself* against the JSON-Schema meta-schema, on every call; for
Rasa's events schema that meta-check is ~40 ms of CPU on this machine (jsonschema 4.17.3), i.e. about
half of the time of a message that runs a custom action. The schema is a constant.

`install()` replaces RemoteAction._validate_action_result with the same validation through a
validator built once (the schema is checked once, at install): the same schema, the same
jsonschema.ValidationError (jsonschema's best_match, as `validate` picks it) with the same extra message
on an invalid response (tests/production/test_0_speedups.py). Nothing else changes.

It is not active unless something calls `install()` in the Rasa process: the proposal is one line in
channels/rest.py (loaded by Rasa through credentials.yml): `import ops.speedups; ops.speedups.install()`.
"""
from __future__ import annotations

import logging
from typing import Any, Dict, Text

logger = logging.getLogger(__name__)
_installed = False


def install() -> bool:
    """Idempotent. Returns True if the patch is (now) active."""
    global _installed
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
            error = best_match(validator.iter_errors(result))  # what jsonschema.validate raises, too
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

    rasa_action.RemoteAction._validate_action_result = _validate_action_result
    _installed = True
    logger.debug("ops.speedups: action server responses validated with a prebuilt validator")
    return True
