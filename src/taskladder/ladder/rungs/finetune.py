"""finetune: LoRA-tune each local model of the climb on the train split, then climb it like a model.

Runs once, after the prompt rungs (when prompting has plateaued, the data becomes weights)
and before the cascade (so a tuned model can be its strong tier). It applies when the
train split has at least ``options.finetune_min_train`` rows and the climb has a tunable
model: a ``local/...`` one. For each, ``tune`` trains on train (its dev loss picks the
epoch), the tuned model answers the climb's split with the zero-shot prompt it was trained
on, and the recommended row is confirmed on test like any other.

The training is a real, one-off cost: measured compute time × the base model's
``price_per_machine_hour`` (models.yaml; $0 without one). The row shows it apart
(``training_s``, ``training_cost_usd``) and spreads it over ``finetune_amortise_months``
of the task's volume into ``cost_per_1k_calls`` and ``projected_monthly_usd``, which is
what the recommendation compares, so training is weighed like any other cost.

The tuned model's name follows from the task's data, the base and the settings, so
climbing again reuses it (its recorded training cost still counts) instead of training anew.
"""

from __future__ import annotations

import sys
import time
from typing import Any

from ...errors import TaskladderError
from ...models.config import ModelConfig, resolve_model
from ...money import usd
from ...settings import Settings
from ...tune import TuneConfig
from ...tune import tune as run_tune
from ...tune.data import check_enough, pair_for
from ...tune.record import store_tune_run, stored_lineage, training_cost_usd, tuned_name
from ...tune.replay_file import effective_replay_ratio
from ...tune.train import dataset_hash, truncated_note
from ..results import RungResult, dropped_reason, row_from_run
from .base import ClimbRung, ClimbState, LadderContext, ModelState
from .zero_shot import ZeroShot

DAYS_PER_MONTH = 30


class FineTune(ClimbRung):
    name = "finetune"
    selectable = True  # `climb --rungs ...,finetune` picks it like a per-model rung

    def applies(self, ctx: LadderContext) -> bool:
        if not ctx.options.wants(self.name) or len(ctx.task.train) < ctx.options.finetune_min_train:
            return False
        # A plain context (no climb yet) knows no models: the train split decides alone.
        return not isinstance(ctx, ClimbState) or bool(tunable_models(ctx))

    def run(self, state: ClimbState) -> None:
        for name in tunable_models(state):
            self._climb_one(state, name)

    def _climb_one(self, state: ClimbState, name: str) -> None:
        base_cfg = resolve_model(name, state.models)
        opts = state.options
        # models.yaml climb.tune (a demo's subsample and short schedule) over the climb's options
        own = base_cfg.climb.tune if base_cfg.climb and base_cfg.climb.tune else None
        max_train = (own.rows if own and own.rows else None) or opts.finetune_max_train
        train_rows = state.task.train[:max_train] if max_train else state.task.train
        try:
            train = [pair_for(state.task, e) for e in train_rows]
            check_enough(train, f"task {state.task.name} train split")
            dev = [pair_for(state.task, e) for e in state.task.dev[: state.limit_for(name)]]
        except TaskladderError as exc:
            state.add(RungResult(model=name, rung=self.name, pipeline={}, status="unavailable", reason=str(exc)))
            return
        settings = own.overrides() if own else {}
        if settings.get("replay_files"):  # a file without a ratio replays as tune --replay-file alone
            settings["replay_ratio"] = effective_replay_ratio(settings.get("replay_ratio"), True)
        cfg = TuneConfig(base=base_cfg.model, seed=opts.seed, **settings)
        cfg.name = tuned_name(state.task.name, base_cfg.model, dataset_hash(train, dev), cfg.hyper())
        home = Settings.from_env().home
        lineage = stored_lineage(home, cfg.name)
        reused = lineage is not None
        if lineage is None:
            try:
                result = run_tune(train, dev, cfg, home, progress=_progress_printer() if state.progress else None)
            except TaskladderError as exc:
                state.add(
                    RungResult(
                        model=name, rung=self.name, pipeline={}, status="unavailable", reason=f"training failed: {exc}"
                    )
                )
                return
            lineage = result.lineage()
            lineage["cost_usd"] = training_cost_usd(result.wall_s, base_cfg.price_per_machine_hour)
            store_tune_run(state.store, state.task, lineage)
            if state.budget is not None:  # a priced training run is paid from the climb's budget
                state.budget.settle(0.0, lineage["cost_usd"])
        tuned = f"local/{cfg.name}"
        # The tuned model answers as its base is configured (batching, label scoring, price).
        state.models = {**state.models, tuned: base_cfg.model_copy(update={"name": tuned, "model": tuned})}
        spec = ZeroShot().spec(state, ModelState(tuned)).model_copy(update={"rung": self.name})
        ev = state.evaluate(spec)
        row = row_from_run(tuned, spec, ev, 0.0, 0.0)
        dropped = dropped_reason(ev, opts.max_error_rate)
        seconds = float(lineage.get("wall_s") or 0.0)
        one_off = training_cost_usd(seconds, base_cfg.price_per_machine_hour)
        calls_per_day = state.task.spec.volume.calls_per_day
        per_1k, monthly = amortised(
            row.cost_per_1k_calls, row.projected_monthly_usd, one_off, calls_per_day, opts.finetune_amortise_months
        )
        how = (
            f"{'reused ' if reused else ''}LoRA on {lineage.get('train_rows')} train rows from {name}: "
            f"{seconds:.0f}s of training, one-off {usd(one_off)} = +{usd(one_off / opts.finetune_amortise_months)}"
            f"/month over {opts.finetune_amortise_months} months at {calls_per_day:g} calls/day"
        )
        row = row.model_copy(
            update={
                "cost_per_1k_calls": per_1k,
                "projected_monthly_usd": monthly,
                "reason": how,
                "training_s": seconds,
                "training_cost_usd": one_off,
            }
        )
        if dropped:
            state.add(
                row.model_copy(update={"status": "failed", "reason": f"{dropped}; {how}", "skip_reason": dropped}), ev
            )
            return
        state.add(row, ev)


def tunable_models(state: ClimbState) -> list[str]:
    """The climb's models this rung can tune: local ones (weights on this machine)."""
    out = []
    for name in state.model_names:
        try:
            cfg: ModelConfig = resolve_model(name, state.models)
        except TaskladderError:
            continue
        if cfg.is_local and state.wants(name, FineTune.name):
            out.append(name)
    return out


def amortised(
    per_1k: float | None, monthly: float | None, one_off: float, calls_per_day: float, months: int
) -> tuple[float | None, float | None]:
    """Inference cost plus the one-off training spread over ``months`` of the task's volume."""
    calls = calls_per_day * DAYS_PER_MONTH * months
    extra_per_1k = one_off / calls * 1000 if calls else 0.0
    return ((per_1k or 0.0) + extra_per_1k, (monthly or 0.0) + one_off / months)


def _progress_printer() -> Any:
    """Training progress on stderr, at most once a second (the climb's own bars stay readable)."""
    last = [0.0]

    def show(event: dict[str, Any]) -> None:
        now = time.monotonic()
        if "truncated" in event:
            sys.stderr.write(f"\rfinetune warning: {truncated_note(event)}; raise climb.tune.max_length\n")
        elif "epoch_done" in event:
            sys.stderr.write(f"\rfinetune epoch {event['epoch_done']}: dev loss {event['dev_loss']:.4f}\n")
        elif now - last[0] >= 1.0 or event["step"] == event["total"]:
            last[0] = now
            sys.stderr.write(
                f"\rfinetune step {event['step']}/{event['total']} loss {event['loss']:.3f} ETA {event['eta_s']:.0f}s "
            )
        sys.stderr.flush()

    return show
