"""Pipelines: the hashable spec of how an example is answered, and its LLM executor (stages + plan())."""

from .plan import PipelinePlan, PlannedCall
from .spec import DemoSpec, PipelineSpec, SamplingSpec, load_pipeline

__all__ = ["DemoSpec", "PipelinePlan", "PipelineSpec", "PlannedCall", "SamplingSpec", "load_pipeline"]
