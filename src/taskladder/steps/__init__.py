"""Multi-step pipelines: a graph of LLM, Python and retrieval steps, run, cached and scored
step by step.

``load_steps(path)`` reads a steps spec; ``run_steps(task, spec, split=, models=, store=,
limit=)`` runs it as one stored run whose summary carries each step's quality (against the
intermediate gold columns the data has), cost and latency, and an attribution of the final
errors to the step where they started.
"""

from .execute import StepsResult, run_steps
from .graph import StepGraph, build_graph
from .outcome import StepOutcome
from .report import attribute_errors, step_report
from .spec import StepSpec, StepsSpec, load_steps

__all__ = [
    "StepSpec", "StepsSpec", "load_steps", "StepGraph", "build_graph", "StepOutcome",
    "StepsResult", "run_steps", "step_report", "attribute_errors",
]
