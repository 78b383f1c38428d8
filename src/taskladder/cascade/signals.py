"""Confidence signals: how sure the tier that just answered is, in [0, 1].

A cascade escalates an example to the next tier when its signal is below the threshold
(and always when there is no signal, e.g. a failed call). Which signals exist:

- ``probability``: a baseline's probability for the class it chose (``Prediction.confidence``);
- ``vote_margin``: (top votes - runner-up votes) / n over n sampled LLM answers
  (``PipelineTier(samples=n)`` puts it in ``Prediction.confidence``);
- ``verifier``: a function that checks the answer (a schema, unit tests, a rule): pass = 1;
- ``logprob``: the model's own confidence, exp(mean token log-probability), for an LLM tier
  whose params ask the provider for ``logprobs`` (``Prediction.trace["logprob_mean"]``).
"""

from __future__ import annotations

import inspect
import logging
import math
from abc import ABC, abstractmethod
from pathlib import Path
from typing import TYPE_CHECKING, Any, Callable

from ..errors import ConfigError
from ..models.base import Prediction
from ..steps.python_step import load_function
from ..usercode import one_line

if TYPE_CHECKING:
    from ..task import Example

log = logging.getLogger(__name__)


class Signal(ABC):
    name = "signal"

    @abstractmethod
    def confidence(self, example: "Example", prediction: Prediction) -> float | None: ...


class ProbabilitySignal(Signal):
    """The tier's own confidence: a class probability for baselines."""

    name = "probability"

    def confidence(self, example: "Example", prediction: Prediction) -> float | None:
        if prediction.output is None or prediction.error:
            return None
        return prediction.confidence


class VoteMarginSignal(ProbabilitySignal):
    """The vote margin a sampled LLM tier reports as its confidence."""

    name = "vote_margin"


class VerifierSignal(Signal):
    """``check(example, output) -> bool | float``: a failed check (False / 0) escalates."""

    name = "verifier"

    def __init__(self, check: Callable[["Example", dict[str, Any]], Any], name: str | None = None):
        if not callable(check) or len(inspect.signature(check).parameters) < 2:
            raise ConfigError("a verifier signal needs a function check(example, output) -> bool or float")
        self.check = check
        self._warned = False
        if name:
            self.name = name

    def confidence(self, example: "Example", prediction: Prediction) -> float | None:
        if prediction.output is None or prediction.error:
            return None
        try:
            value = self.check(example, prediction.output)
        except Exception as exc:  # the user's check failing: it cannot vouch for the answer, so 0
            if not self._warned:  # once per signal: a broken check would otherwise flood the log
                log.warning("verifier '%s' raised on example %s: %s; treating it as confidence 0",
                            self.name, example.id, one_line(exc))
                self._warned = True
            return 0.0
        return float(value)


class LogprobSignal(Signal):
    """The model's own confidence: the geometric-mean token probability of its answer, from
    the log-probabilities the provider returns when the tier's params ask for ``logprobs``."""

    name = "logprob"

    def confidence(self, example: "Example", prediction: Prediction) -> float | None:
        mean = prediction.trace.get("logprob_mean")
        return None if mean is None else math.exp(mean)


def make_signal(name: str) -> Signal:
    """A signal by name: probability, vote-margin, logprob, or verifier:module:function."""
    key = name.strip().lower().replace("-", "_")
    if key == "probability":
        return ProbabilitySignal()
    if key == "vote_margin":
        return VoteMarginSignal()
    if key == "logprob":
        return LogprobSignal()
    if key.startswith("verifier:"):
        spec = name.split(":", 1)[1]
        return VerifierSignal(load_function(spec, Path.cwd(), "verifier signal"),
                              name=f"verifier:{spec}")
    raise ConfigError(f"unknown cascade signal '{name}'; use probability, vote-margin, logprob or "
                      "verifier:module:function")
