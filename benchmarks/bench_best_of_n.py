"""Best-of-N under a judge budget: P(select the true best) and regret against judge calls.

A simulated Bradley–Terry judge: candidate i has a true logit s_i ~ N(0, SPREAD); when x is
shown before y the judge says "tie" with probability P_TIE, else "x" with probability
sigmoid(s_x - s_y + BIAS), where BIAS > 0 is a first-position bias. The script prints the
resulting position-bias figures (it is a noisier judge than GPT-4 in MT-Bench, whose verdict
changed on an order swap ~35% of the time).

Schedules, side by side on the same candidate sets and judge seeds (paired trials):
round robin (both orders, N(N-1) calls), knockout (both orders per match, one replay on a
split), sequential halving with Bradley–Terry refits at 1/8, 1/4 and 1/2 of round robin's
calls, and round robin and halving at 1/2 with early stopping (stop once P(leader is best)
>= 0.95 by the Laplace approximation, checked after every round).

Target (DESIGN.md): sequential halving reaches round robin's P(best) with <= half its calls.
Run: python benchmarks/bench_best_of_n.py [--trials 300] [--quick]
"""

from __future__ import annotations

import argparse
import math
import sys
import time

import numpy as np

from taskladder.rank import ELO_PER_LOGIT, Knockout, RoundRobin, SequentialHalving, run_best_of_n

SPREAD = 1.0  # sd of true logits across candidates
BIAS = 0.5  # first-position advantage of the simulated judge, in logits
P_TIE = 0.05


def make_judge(strength: np.ndarray, rng: np.random.Generator):
    def compare(pairs):
        p = np.asarray(pairs, dtype=int)
        logit = strength[p[:, 0]] - strength[p[:, 1]] + BIAS
        first_wins = rng.random(len(p)) < 1.0 / (1.0 + np.exp(-logit))
        tie = rng.random(len(p)) < P_TIE
        return ["tie" if t else ("a" if w else "b") for t, w in zip(tie, first_wins)]

    return compare


def judge_bias(strength: np.ndarray, rng: np.random.Generator, n_pairs: int = 20000) -> tuple[float, float]:
    """(share of pairs whose verdict changes when the order is swapped, share of decisive
    verdicts won by the first slot) for this judge, measured like ``measure_position_bias``."""
    judge = make_judge(strength, rng)
    x = rng.integers(0, len(strength), n_pairs)
    y = (x + 1 + rng.integers(0, len(strength) - 1, n_pairs)) % len(strength)
    v1 = judge(list(zip(x, y)))
    v2 = judge(list(zip(y, x)))
    swap = {"a": "b", "b": "a", "tie": "tie"}
    flips = float(np.mean([a != swap[b] for a, b in zip(v1, v2)]))
    decisive = [v for v in v1 + v2 if v != "tie"]
    return flips, decisive.count("a") / len(decisive)


def schedules_for(n: int):
    rr = n * (n - 1)
    return [
        ("round robin", RoundRobin(), None),
        ("round robin + stop .95", RoundRobin(), 0.95),
        ("knockout", Knockout(replays=1), None),
        ("halving @1/8", SequentialHalving(budget=max(n, rr // 8)), None),
        ("halving @1/4", SequentialHalving(budget=rr // 4), None),
        ("halving @1/2", SequentialHalving(budget=rr // 2), None),
        ("halving @1/2 + stop .95", SequentialHalving(budget=rr // 2), 0.95),
    ]


def run(n: int, trials: int, seed: int) -> dict[str, dict[str, np.ndarray]]:
    plan = schedules_for(n)
    out = {name: {"hit": np.zeros(trials), "regret": np.zeros(trials), "calls": np.zeros(trials)} for name, _, _ in plan}
    for t in range(trials):
        world = np.random.default_rng([seed, n, t])
        strength = world.normal(0.0, SPREAD, n)
        best = int(np.argmax(strength))
        for name, schedule, stop_at in plan:
            # the same judge seed for every schedule: identical schedules see identical verdicts
            judge_rng = np.random.default_rng([seed, n, t, 7])
            res = run_best_of_n(n, make_judge(strength, judge_rng), schedule, stop_at=stop_at, seed=t)
            out[name]["hit"][t] = res.best == best
            out[name]["regret"][t] = ELO_PER_LOGIT * (strength[best] - strength[res.best])
            out[name]["calls"][t] = res.calls
    return out


def main() -> int:
    ap = argparse.ArgumentParser()
    ap.add_argument("--trials", type=int, default=300)
    ap.add_argument("--seed", type=int, default=0)
    ap.add_argument("--quick", action="store_true", help="60 trials, for a smoke run")
    args = ap.parse_args()
    trials = 60 if args.quick else args.trials

    probe = np.random.default_rng(args.seed).normal(0.0, SPREAD, 16)
    flips, first_share = judge_bias(probe, np.random.default_rng(1))
    print(f"simulated judge: true logits ~ N(0, {SPREAD}), first-position bias {BIAS} logit "
          f"({BIAS * ELO_PER_LOGIT:.0f} Elo), ties {P_TIE:.0%}; verdict changes on order swap in "
          f"{flips:.0%} of pairs, first slot wins {first_share:.0%} of decisive verdicts")
    print(f"{trials} paired trials per N; P(best) with 95% normal interval; regret = true best minus selected, Elo\n")
    verdicts = []
    for n in (8, 16, 32):
        start = time.perf_counter()
        res = run(n, trials, args.seed)
        took = time.perf_counter() - start
        print(f"N = {n}  (round robin = {n * (n - 1)} calls; {took:.1f} s)")
        print(f"  {'schedule':<26}{'calls':>8}{'P(best)':>10}{'±95%':>8}{'regret':>9}{'p90 regret':>12}")
        for name, r in res.items():
            p = r["hit"].mean()
            half = 1.96 * math.sqrt(max(p * (1 - p), 1e-12) / trials)
            print(f"  {name:<26}{r['calls'].mean():>8.0f}{p:>10.3f}{half:>8.3f}"
                  f"{r['regret'].mean():>9.1f}{np.percentile(r['regret'], 90):>12.1f}")
        # Target: halving at <= half of round robin's calls vs round robin, paired difference.
        rr, sh = res["round robin"], res["halving @1/2"]
        diff = sh["hit"] - rr["hit"]
        d, se = diff.mean(), diff.std(ddof=1) / math.sqrt(trials)
        ratio = sh["calls"].mean() / rr["calls"].mean()
        if d >= 0:
            verdict = "MET"
        elif d + 1.96 * se >= 0:
            verdict = "MET within noise (lower point estimate, difference not significant)"
        else:
            verdict = "MISSED"
        verdicts.append((n, verdict))
        print(f"  target: halving P(best) {sh['hit'].mean():.3f} at {ratio:.2f}x the calls vs round robin "
              f"{rr['hit'].mean():.3f}; paired difference {d:+.3f} ± {1.96 * se:.3f} -> {verdict}\n")
    print("summary: " + "; ".join(f"N={n}: {v.split(' ')[0]}" for n, v in verdicts))
    return 0


if __name__ == "__main__":
    sys.exit(main())
