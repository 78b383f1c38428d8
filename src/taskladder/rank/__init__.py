"""Pairwise judging and ranking: Bradley–Terry/Elo ratings with item-bootstrap intervals,
position-bias measurement, and best-of-N selection schedules under a judge budget."""

from .best_of_n import BestOfNResult, arun_best_of_n, best_of_n, run_best_of_n, verdict_comparisons
from .bootstrap import BootstrapSummary, bootstrap_samples, summarise
from .bradley_terry import (
    BEST_OF_N_PRIOR,
    DEFAULT_PRIOR,
    ELO_MEAN,
    ELO_PER_LOGIT,
    BTFit,
    PairData,
    fit_bradley_terry,
    newton_fit,
    to_elo,
)
from .comparison import Comparison, Winner, load_judgments
from .elo import online_elo
from .judge import INCONSISTENCY_POLICY, Judge, PairVerdict, judge_both_orders, reconcile, swap
from .judge_prompt import DEFAULT_RUBRICS, LLMJudgePrompt, parse_verdict
from .leaderboard import Leaderboard, PlayerRating, rank_comparisons
from .p_best import fit_and_p_best, p_best_laplace
from .position_bias import PositionBias, measure_position_bias
from .schedules import Knockout, RoundRobin, SequentialHalving, circle_rounds

__all__ = [
    "BestOfNResult", "arun_best_of_n", "best_of_n", "run_best_of_n", "verdict_comparisons",
    "BootstrapSummary", "bootstrap_samples", "summarise",
    "BEST_OF_N_PRIOR", "DEFAULT_PRIOR", "ELO_MEAN", "ELO_PER_LOGIT", "BTFit", "PairData", "fit_bradley_terry", "newton_fit", "to_elo",
    "Comparison", "Winner", "load_judgments", "online_elo",
    "INCONSISTENCY_POLICY", "Judge", "PairVerdict", "judge_both_orders", "reconcile", "swap",
    "DEFAULT_RUBRICS", "LLMJudgePrompt", "parse_verdict",
    "Leaderboard", "PlayerRating", "rank_comparisons",
    "fit_and_p_best", "p_best_laplace", "PositionBias", "measure_position_bias",
    "Knockout", "RoundRobin", "SequentialHalving", "circle_rounds",
]
