"""Transforms that multiply a task's rows, each stamping ``Lineage`` on every row it makes:
field flip (no model), paraphrase, edge cases and document recast (through ``ModelCaller``)."""

from .common import json_items, parse_rows, task_brief
from .edge_cases import edge_case_rows
from .flip import flip_rows, inverse_spec
from .paraphrase import paraphrase_rows
from .recast import recast_rows

__all__ = [
    "edge_case_rows", "flip_rows", "inverse_spec", "json_items", "paraphrase_rows", "parse_rows",
    "recast_rows", "task_brief",
]
