"""The runner: concurrency, retries, rate limits, the call cache, and evaluation runs."""

from .calls import CallOutcome, ModelCaller, RunStats, call_key
from .evaluate import EvalResult, evaluate

__all__ = ["CallOutcome", "ModelCaller", "RunStats", "call_key", "EvalResult", "evaluate"]
