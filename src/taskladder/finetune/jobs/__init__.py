"""Provider fine-tuning jobs through the OpenAI-compatible files + fine-tuning jobs API
(OpenAI, Together, Fireworks and other servers of the same shapes): estimate, upload, create
(supervised or DPO), poll with resume after a kill, cancel, and add the tuned model to models.yaml."""

from .api import TERMINAL, FineTuningAPI, FineTuningAPIError
from .endpoint import Endpoint, endpoint_for
from .estimate import Estimate, estimate
from .prices import BUILTIN_TRAINING_PRICES, price_per_mtok, training_prices
from .register import add_model, model_entry
from .spec import JobSpec, submission_key
from .submit import JobFailedError, JobOutcome, failure_message, finish, poll, start_job

__all__ = [
    "BUILTIN_TRAINING_PRICES",
    "TERMINAL",
    "Endpoint",
    "Estimate",
    "FineTuningAPI",
    "FineTuningAPIError",
    "JobFailedError",
    "JobOutcome",
    "JobSpec",
    "add_model",
    "endpoint_for",
    "estimate",
    "failure_message",
    "finish",
    "model_entry",
    "poll",
    "price_per_mtok",
    "start_job",
    "submission_key",
    "training_prices",
]
