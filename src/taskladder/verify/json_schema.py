"""JSON-schema check for structured outputs, via ``jsonschema``.

The candidate text is parsed as JSON (a surrounding Markdown code fence is tolerated, since
models add one unasked) and validated against the schema with the validator class the
schema's ``$schema`` names (Draft 2020-12 by default).
"""

from __future__ import annotations

import json
import re
from typing import Any

from ..errors import ConfigError
from .result import VerifyResult

_FENCE = re.compile(r"^\s*```(?:json)?\s*\n(.*?)\n\s*```\s*$", re.DOTALL | re.IGNORECASE)


def parse_json_output(text: str) -> Any:
    """Parse a model's JSON output; raises ``json.JSONDecodeError`` when it is not JSON."""
    m = _FENCE.match(text or "")
    return json.loads(m.group(1) if m else text)


def check_json(text: str, schema: dict[str, Any]) -> VerifyResult:
    """Valid JSON that satisfies ``schema``? ``detail`` names the first violation's path."""
    import jsonschema

    cls = jsonschema.validators.validator_for(schema)
    try:
        cls.check_schema(schema)
    except jsonschema.SchemaError as exc:
        raise ConfigError(f"invalid JSON schema: {exc.message}; fix the task's output schema") from None
    try:
        value = parse_json_output(text)
    except json.JSONDecodeError as exc:
        return VerifyResult(passed=False, detail=f"not valid JSON: {exc.msg} at line {exc.lineno} column {exc.colno}")
    errors = sorted(cls(schema).iter_errors(value), key=lambda e: list(e.absolute_path))
    if not errors:
        return VerifyResult(passed=True, score=1.0)
    first = errors[0]
    where = "/".join(str(p) for p in first.absolute_path) or "(root)"
    return VerifyResult(
        passed=False, score=0.0, detail=f"{where}: {first.message}", info={"n_errors": len(errors)},
    )


class JsonSchemaVerifier:
    """A ``Verifier`` bound to one schema."""

    def __init__(self, schema: dict[str, Any]):
        self.schema = schema

    def __call__(self, candidate: str) -> VerifyResult:
        return check_json(candidate, self.schema)
