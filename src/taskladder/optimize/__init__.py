"""Automatic prompt search under a hard budget: instructions × demo sets, scored on dev with
successive halving and a per-example Pareto set, improved by reflective mutation, confirmed on
test once, saved as a pipeline spec that reruns exactly."""

from .candidate import Candidate
from .options import OptimizeOptions
from .result import OptimizeResult
from .run import optimize

__all__ = ["Candidate", "OptimizeOptions", "OptimizeResult", "optimize"]
