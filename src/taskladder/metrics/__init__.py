"""Metrics, confidence intervals and paired comparisons.

``get_metric(name, spec)`` picks a scorer for a task; ``bootstrap_ci`` puts an interval on
its score; ``paired_compare`` / ``compare_auto`` say whether one system beats another on
the same examples; ``per_label_breakdown`` feeds the report's per-class table.
"""

from ._base import Metric
from ._bootstrap import bootstrap_ci, bootstrap_mean_ci
from ._breakdown import breakdown_rows, per_label_breakdown
from ._builtin import Accuracy, ExactMatch, JsonFields, Numeric, TokenF1
from ._compare import CompareResult, compare_auto, mcnemar_scores, paired_bootstrap_scores, paired_compare
from ._custom import CustomMetric, load_custom_metric
from ._labels import NO_ANSWER
from ._macro_f1 import MacroF1
from ._normalize import as_text, normalize_text, numbers_match, parse_numbers, token_f1
from ._registry import BUILTIN_METRICS, get_metric, metric_names

__all__ = [
    "Metric", "get_metric", "BUILTIN_METRICS", "metric_names",
    "ExactMatch", "Accuracy", "MacroF1", "TokenF1", "Numeric", "JsonFields",
    "CustomMetric", "load_custom_metric",
    "bootstrap_ci", "bootstrap_mean_ci",
    "CompareResult", "paired_compare", "compare_auto", "paired_bootstrap_scores", "mcnemar_scores",
    "per_label_breakdown", "breakdown_rows", "NO_ANSWER",
    "as_text", "normalize_text", "token_f1", "parse_numbers", "numbers_match",
]
