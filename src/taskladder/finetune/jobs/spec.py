"""What one fine-tuning submission asks for, and the key that identifies it across restarts."""

from __future__ import annotations

import hashlib
import json
from pathlib import Path
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict

from ...errors import ConfigError
from .endpoint import Endpoint

Method = Literal["supervised", "dpo"]


class JobSpec(BaseModel):
    model_config = ConfigDict(frozen=True)

    training_file: Path
    method: Method = "supervised"
    validation_file: Path | None = None
    n_epochs: int | None = None  # None: the provider's "auto"
    batch_size: int | None = None
    learning_rate_multiplier: float | None = None
    beta: float | None = None  # DPO only
    suffix: str | None = None
    seed: int | None = None

    def hyperparameters(self) -> dict[str, Any]:
        if self.beta is not None and self.method != "dpo":
            raise ConfigError("--beta applies to DPO only; add --method dpo or drop --beta")
        given = {"n_epochs": self.n_epochs, "batch_size": self.batch_size,
                 "learning_rate_multiplier": self.learning_rate_multiplier, "beta": self.beta}
        return {k: v for k, v in given.items() if v is not None}

    def job_body(self, base_model: str, training_file_id: str, validation_file_id: str | None) -> dict[str, Any]:
        """The ``POST /fine_tuning/jobs`` body: the ``method`` object names supervised or DPO."""
        body: dict[str, Any] = {"model": base_model, "training_file": training_file_id,
                                "method": {"type": self.method, self.method: {"hyperparameters": self.hyperparameters()}}}
        if validation_file_id:
            body["validation_file"] = validation_file_id
        if self.suffix:
            body["suffix"] = self.suffix
        if self.seed is not None:
            body["seed"] = self.seed
        return body


def _file_digest(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def submission_key(spec: JobSpec, endpoint: Endpoint) -> str:
    """Same files, server, base model and settings: the same submission (rerunning resumes it)."""
    ident = {"training": _file_digest(spec.training_file),
             "validation": _file_digest(spec.validation_file) if spec.validation_file else None,
             "base_url": endpoint.base_url, "base_model": endpoint.base_model,
             **spec.model_dump(exclude={"training_file", "validation_file"})}
    return "ft-" + hashlib.sha256(json.dumps(ident, sort_keys=True).encode()).hexdigest()[:24]
