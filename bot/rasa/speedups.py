"""One measured speed-up of Rasa 3.6, applied when the Rasa server loads our tracker store.

Rasa checks every action server answer with `jsonschema.validate(answer, schema)`, which
first checks the (fixed) schema itself against the JSON Schema meta-schema: 13 % of a Rasa
process's CPU under load (py-spy, `make bench-load`). The same check with the schema
checked once gives the same result and the same errors."""

from __future__ import annotations

import logging
from typing import Any, Dict, Optional, Text

log = logging.getLogger(__name__)
_validator: Optional[Any] = None


def _validate_action_result(self: Any, result: Dict[Text, Any]) -> bool:
    global _validator
    from jsonschema import ValidationError, validators

    if _validator is None:
        schema = self.action_response_format_spec()
        cls = validators.validator_for(schema)
        cls.check_schema(schema)
        _validator = cls(schema)
    try:
        _validator.validate(result)
        return True
    except ValidationError as e:
        e.message += (
            ". Failed to validate Action server response from API, make sure your response from the Action endpoint is valid."
        )
        raise e


def apply() -> None:
    from rasa.core.actions.action import RemoteAction

    if getattr(RemoteAction._validate_action_result, "__module__", "") != __name__:
        RemoteAction._validate_action_result = _validate_action_result
        log.debug("rasa speed-ups applied")
