"""``optimize()``: the library entry point behind ``taskladder optimize`` and the optimize rung."""

from __future__ import annotations

from typing import Any

from ..models.config import ModelConfig, resolve_model
from ..store import Store
from ..task import Task
from .options import OptimizeOptions
from .result import OptimizeResult, spent_of
from .search import Search


def optimize(task: Task, model: str, *, budget_usd: float, models: dict[str, ModelConfig] | None = None,
             proposer: str | None = None, store: Store | None = None, options: OptimizeOptions | None = None,
             progress: bool = False, client: Any = None, proposer_client: Any = None) -> OptimizeResult:
    """Search instructions × demo sets for ``model`` on ``task`` within ``budget_usd`` (hard cap,
    confirmation on test included), and confirm the chosen prompt on test once.

    ``proposer`` (default: ``model``) writes the candidate instructions. Rerunning the same call
    after a kill replays the finished steps from the cache, pays for none of them again, and
    goes on where it stopped.
    """
    models = models or {}
    store = store or Store.default()
    options = options or OptimizeOptions()
    cfg = resolve_model(model, models)
    proposer_cfg = resolve_model(proposer or model, models)
    search = Search(task, cfg, proposer_cfg, models=models, store=store, budget_usd=budget_usd, options=options,
                    progress=progress, client=client, proposer_client=proposer_client)
    state = search.run()
    zero = next((s for s in state.scored.values() if s.candidate.origin == "zero-shot"), None)
    charged_total = search.guard.charged_usd
    charged = {"search": state.charged_search.usd, "confirmation": charged_total - state.charged_search.usd,
               "total": charged_total, "calls": search.guard.charged_calls}
    return OptimizeResult(task=task, model=cfg.name, proposer=proposer_cfg.name, budget_usd=budget_usd,
                          best=search.best(), baseline=zero, state=state, spent=spent_of(store, state),
                          charged=charged)
