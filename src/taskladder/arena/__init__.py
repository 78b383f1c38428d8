"""Arena runs: an LLM judge compares stored runs pairwise, as a stored, resumable run.

``judge_runs(runs, caller, prompt, store=...)`` judges every pair of runs on each shared
example (both orders) through the run kernel, one ``Record`` per example holding that
example's comparisons, and returns the Bradley–Terry leaderboard fitted on all of them.
The pure pieces (player names, the in-memory ``run_arena``, DPO pairs) live in ``rank``.
"""

from .run import ArenaJudge, ArenaResult, judge_runs

__all__ = ["ArenaJudge", "ArenaResult", "judge_runs"]
