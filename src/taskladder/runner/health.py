"""Is a run's score a result? Error and parse-failure rates, and the verdict ``failed``.

A run where most calls errored (a bad key, a misspelled model, a server that answers
garbage) still produces records and a score, 0.0 or close; reading it as a measurement is
the worst thing taskladder could let happen. So a run whose share of errored examples is
above ``max_error_rate`` ends with status ``failed`` and says why, with the first error's
text (status code and the provider's message, secrets already scrubbed). Parse failures are
counted apart: they are the model's answer, not the provider's failure, but above
``PARSE_FAILURE_WARN_RATE`` they are flagged wherever the score is shown.
"""

from __future__ import annotations

from collections.abc import Sequence

from pydantic import BaseModel

from ..errors import ConfigError
from ..store import Record

DEFAULT_MAX_ERROR_RATE = 0.10
PARSE_FAILURE_WARN_RATE = 0.05


class RunHealth(BaseModel):
    """The figures that say whether a run's score can be trusted (merged into its summary)."""

    error_rate: float | None = None
    parse_failure_rate: float | None = None
    parse_failures_high: bool = False  # parse failures above PARSE_FAILURE_WARN_RATE
    first_error: str | None = None
    failure: str | None = None  # why the run failed; None when it did not


def assess(records: Sequence[Record], max_error_rate: float = DEFAULT_MAX_ERROR_RATE) -> RunHealth:
    errored = [r for r in records if is_failure(r)]
    return verdict(len(records), len(errored), sum(r.parse_status == "failed" for r in records),
                   errored[0].error if errored else None, max_error_rate)


def verdict(n: int, errored: int, parse_failed: int, first_error: str | None, max_error_rate: float) -> RunHealth:
    """The health of ``n`` examples, ``errored`` of them failed (the first in example order with
    ``first_error``) and ``parse_failed`` unparsed: from records (``assess``) or a tally."""
    if n == 0:
        return RunHealth()
    error_rate, parse_rate = errored / n, parse_failed / n
    first = " ".join(first_error.split()) if first_error else None
    failure = None
    if error_rate > max_error_rate:
        failure = (f"{errored} of {n} examples failed ({error_rate:.0%}, more than the "
                   f"{max_error_rate:.0%} allowed); first error: {first}")
    return RunHealth(error_rate=error_rate, parse_failure_rate=parse_rate,
                     parse_failures_high=parse_rate > PARSE_FAILURE_WARN_RATE, first_error=first, failure=failure)


def is_failure(record: Record) -> bool:
    """An example the predictor could not answer; a guard's deliberate block is a result, not a failure."""
    return bool(record.error) and "blocked by guard:" not in (record.error or "")


def check_rate(value: float) -> float:
    """A threshold given by a user: a share between 0 and 1."""

    if not 0.0 <= value <= 1.0:
        raise ConfigError(f"max error rate {value} is not a share between 0 and 1 (e.g. 0.1 for 10%)")
    return value
