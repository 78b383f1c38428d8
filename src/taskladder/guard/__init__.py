"""Guards: cheap, deterministic checks around every model call.

Input checks stop attacks that are cheaper to refuse at the door than to train away
(repeated-token divergence prompts, many-shot dialogues, "repeat forever" requests,
invisible characters, oversize prompts). Output checks catch loops, verbatim copies of a
protected corpus, JSON that breaks the schema, and paragraphs in the wrong language.
Each call yields a ``GuardDecision`` (``allow | warn | redact | block``) with findings and
per-check latency, ready to store with the call record (``decision.to_record()``).
"""

from .config import (
    CheckConfig,
    GuardConfig,
    InputChecks,
    OutputChecks,
    ReminderConfig,
    load_guard_config,
)
from .corpus import CorpusMatch, ProtectedCorpus
from .decision import Action, Finding, GuardDecision, most_severe
from .guard import Guard

__all__ = [
    "Action", "CheckConfig", "CorpusMatch", "Finding", "Guard", "GuardConfig", "GuardDecision",
    "InputChecks", "OutputChecks", "ProtectedCorpus", "ReminderConfig", "load_guard_config",
    "most_severe",
]
