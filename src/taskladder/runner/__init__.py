"""The runner: the one run kernel, concurrency, retries, rate limits, the call cache, and
evaluation runs."""

from .calls import CallOutcome, ModelCaller, RunStats, call_key
from .compare import compare_records, compare_runs
from .evaluate import EvalResult, evaluate
from .kernel import RunPlan, RunResult, aexecute, execute, record_of
from .predictors import PipelinePredictor

__all__ = ["CallOutcome", "ModelCaller", "RunStats", "call_key", "EvalResult", "evaluate", "RunPlan", "RunResult",
           "execute", "aexecute", "record_of", "PipelinePredictor", "compare_runs", "compare_records"]
