"""Pipelines: the hashable spec of how an example is answered, and its LLM executor."""

from .spec import DemoSpec, PipelineSpec, SamplingSpec, load_pipeline

__all__ = ["DemoSpec", "PipelineSpec", "SamplingSpec", "load_pipeline"]
