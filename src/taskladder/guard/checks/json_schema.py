"""Output: the text must be JSON that satisfies the caller's schema.

A whole-output Markdown fence (```json ... ```) is tolerated, since models add one even
when asked not to; anything else around the JSON counts as invalid.
"""

from __future__ import annotations

import json
import re
from typing import Any

from ...errors import ConfigError
from ..config import JsonSchemaConfig
from ..decision import Finding
from ..text import TextView
from .base import Check

_FENCE = re.compile(r"^```(?:json)?\s*\n(.*)\n```$", re.DOTALL)


def schema_validator(schema: dict[str, Any]) -> Any:
    """A jsonschema validator for ``schema``; a broken schema is the caller's error."""
    import jsonschema

    cls = jsonschema.validators.validator_for(schema)
    try:
        cls.check_schema(schema)
    except jsonschema.SchemaError as exc:
        raise ConfigError(f"the JSON schema is invalid: {exc.message}") from None
    return cls(schema)


class JsonSchemaCheck(Check[JsonSchemaConfig]):
    name = "json_schema"

    def find(self, view: TextView) -> list[Finding]:
        if view.schema is None:
            return []
        validator = schema_validator(view.schema)
        body = view.text.strip()
        fenced = _FENCE.match(body)
        if fenced:
            body = fenced.group(1)
        try:
            value = json.loads(body)
        except json.JSONDecodeError as exc:
            return [self.finding(span=(0, len(view.text)), score=1.0,
                                 message=f"not valid JSON: {exc.msg} at line {exc.lineno} column {exc.colno}")]
        errors = sorted(validator.iter_errors(value), key=lambda e: list(e.absolute_path))
        if len(errors) < self.config.threshold or not errors:
            return []
        first = errors[0]
        where = "/".join(str(p) for p in first.absolute_path) or "(root)"
        more = f" (and {len(errors) - 1} more)" if len(errors) > 1 else ""
        return [self.finding(span=(0, len(view.text)), score=float(len(errors)),
                             message=f"schema violation at {where}: {first.message}{more}")]
