"""The ladder: rungs cheapest first, cost estimates, budget, and the `climb` that runs them."""

from .climb import climb
from .estimate import Estimate, estimate_rung
from .options import LadderOptions
from .results import ClimbResult, RungResult
from .rungs import (
    LADDER,
    RUNG_ORDER,
    ClimbRung,
    ClimbState,
    LadderContext,
    ModelRung,
    ModelState,
    Rung,
    build_rungs,
    ladder_rungs,
    rung_names,
)

__all__ = ["climb", "ClimbResult", "RungResult", "Estimate", "estimate_rung", "RUNG_ORDER", "LadderOptions",
           "build_rungs", "LADDER", "ladder_rungs", "rung_names", "Rung", "ModelRung", "ClimbRung", "ClimbState",
           "LadderContext", "ModelState"]
