"""Synthetic data: lineage on every produced row, and the quality filters applied to it.

Each filter takes rows (dicts, task ``Example``s, chat records or strings) and returns
``(kept_rows, FilterReport)``; the report says how many rows went and why.
"""

from .decontam import decontaminate
from .exact import dedup_exact
from .lineage import Lineage, prompt_hash
from .near import dedup_near, jaccard, shingles
from .report import FilterReport
from .schema import filter_format, filter_schema
from .text import normalize, row_text, row_texts, words

__all__ = [
    "FilterReport",
    "Lineage",
    "decontaminate",
    "dedup_exact",
    "dedup_near",
    "filter_format",
    "filter_schema",
    "jaccard",
    "normalize",
    "prompt_hash",
    "row_text",
    "row_texts",
    "shingles",
    "words",
]
