"""The ladder: rungs cheapest first, cost estimates, budget, and the `climb` that runs them."""

from .climb import ClimbResult, RungResult, climb
from .estimate import Estimate, estimate_rung
from .rungs import RUNG_ORDER, LadderOptions, build_rungs

__all__ = ["climb", "ClimbResult", "RungResult", "Estimate", "estimate_rung", "RUNG_ORDER", "LadderOptions",
           "build_rungs"]
