"""Tasks: the YAML spec, its data, and reproducible splits."""

from .example import Example
from .load import Task, load_task, load_yaml, split_examples, task_from_spec
from .packed import PackedExamples
from .spec import DataSpec, OutputField, SplitSpec, TaskSpec

__all__ = [
    "Example", "PackedExamples", "Task", "TaskSpec", "OutputField", "DataSpec", "SplitSpec",
    "load_task", "load_yaml", "split_examples", "task_from_spec",
]
