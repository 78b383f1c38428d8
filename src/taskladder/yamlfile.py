"""Reading taskladder's YAML files (task, models, pipeline, steps, guard, synth recipe) one way.

Every loader reads through ``load_yaml``, so a bad file always gives the same one-line
``ConfigError`` naming the file and line; ``format_validation_error`` does the same for a
field that fails its pydantic model.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import yaml
from pydantic import ValidationError

from .errors import ConfigError


def load_yaml(path: str | Path) -> dict[str, Any]:
    """The top-level mapping of the YAML file at ``path``; ``ConfigError`` naming file and line if it is not one."""
    path = Path(path)
    if not path.exists():
        raise ConfigError(f"{path}: file not found")
    try:
        data = yaml.safe_load(path.read_text(encoding="utf-8"))
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        where = f" at line {mark.line + 1}" if mark else ""
        problem = " ".join(str(getattr(exc, "problem", None) or exc).split())  # one line, always
        raise ConfigError(f"{path}: invalid YAML{where}: {problem}") from None
    except UnicodeDecodeError:
        raise ConfigError(f"{path}: not UTF-8 text; re-save it as UTF-8") from None
    if not isinstance(data, dict):
        raise ConfigError(f"{path}: expected a mapping of keys at the top level")
    return data


def format_validation_error(path: Path | str, exc: ValidationError) -> str:
    """``<file>: field '<a.b>': <message>``: the first failing field, and how many more failed."""
    first = exc.errors()[0]
    loc = ".".join(str(p) for p in first["loc"]) or "(top level)"
    more = f" (and {len(exc.errors()) - 1} more)" if len(exc.errors()) > 1 else ""
    return f"{path}: field '{loc}': {first['msg']}{more}"
