"""Moved to ``taskladder.pareto`` (layer 0), so ladder/ can use it without importing report/."""

from ..pareto import pareto_frontier

__all__ = ["pareto_frontier"]
