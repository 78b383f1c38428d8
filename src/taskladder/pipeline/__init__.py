"""Pipelines: the hashable spec of how an example is answered, and its LLM executor (stages + plan())."""

from .label import pipeline_label, run_label
from .plan import PipelinePlan, PlannedCall
from .spec import DemoSpec, PipelineSpec, SamplingSpec, load_pipeline

__all__ = ["DemoSpec", "PipelinePlan", "PipelineSpec", "PlannedCall", "SamplingSpec", "load_pipeline", "pipeline_label",
           "run_label"]
