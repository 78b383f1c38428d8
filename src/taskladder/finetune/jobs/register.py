"""Add a tuned model to models.yaml, so ``-m NAME`` evaluates it like any other model.

The entry is appended as text when that keeps the file valid (the user's comments and layout
stay as they are); otherwise the file is rewritten from its parsed content. The key is written
as the *name* of its variable, never its value.
"""

from __future__ import annotations

import os
import re
from pathlib import Path
from typing import Any

import yaml

from ...errors import ConfigError
from ...yamlfile import load_yaml
from .endpoint import Endpoint


def model_entry(name: str, fine_tuned_model: str, endpoint: Endpoint) -> dict[str, Any]:
    entry: dict[str, Any] = {"name": name, "model": f"{endpoint.prefix}/{fine_tuned_model}"}
    if endpoint.api_base_configured:
        entry["api_base"] = endpoint.base_url
    if endpoint.api_key_env:
        entry["api_key_env"] = endpoint.api_key_env
    return entry


def default_name(fine_tuned_model: str) -> str:
    """A short models.yaml name for a provider id such as ``ft:gpt-4o-mini:org:suffix:abc123``."""
    return re.sub(r"[^A-Za-z0-9._-]+", "-", fine_tuned_model).strip("-") or "tuned"


def add_model(models_path: Path, entry: dict[str, Any]) -> bool:
    """Add ``entry`` to models.yaml (creating the file); False when a model of that name with the
    same model string is already there (a resumed job), a ``ConfigError`` when the name is taken."""
    data = load_yaml(models_path) if models_path.exists() else {}
    models = data.get("models") or []
    if not isinstance(models, list):
        raise ConfigError(f"{models_path}: field 'models' must be a list")
    for existing in models:
        if isinstance(existing, dict) and existing.get("name") == entry["name"]:
            if existing.get("model") == entry["model"]:
                return False
            raise ConfigError(f"{models_path}: a model named '{entry['name']}' already exists; pass another --name")
    text = models_path.read_text(encoding="utf-8") if models_path.exists() else ""
    block = yaml.safe_dump([entry], sort_keys=False, allow_unicode=True)
    appended = (text if text.endswith("\n") or not text else text + "\n") + \
        ("" if "models" in data else "models:\n") + "".join("  " + ln + "\n" for ln in block.splitlines())
    if _parses_to(appended, [*models, entry]):
        new_text = appended
    else:  # `models:` is not the file's last key: rewrite it (comments are lost, the content is not)
        new_text = yaml.safe_dump({**data, "models": [*models, entry]}, sort_keys=False, allow_unicode=True)
    tmp = models_path.with_name(models_path.name + ".tmp")
    tmp.write_text(new_text, encoding="utf-8")
    os.replace(tmp, models_path)
    return True


def _parses_to(text: str, models: list[Any]) -> bool:
    try:
        parsed = yaml.safe_load(text)
    except yaml.YAMLError:
        return False
    return isinstance(parsed, dict) and parsed.get("models") == models
