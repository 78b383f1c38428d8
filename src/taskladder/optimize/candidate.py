"""A candidate prompt: an instruction and a demo set, and the pipeline spec that runs it."""

from __future__ import annotations

import json
from dataclasses import dataclass

from ..pipeline import DemoSpec, PipelineSpec
from ..prompt import count_text_tokens
from ..task import Task

RUNG = "optimize"
REASONING_TOKENS = 512  # room for a rationale on top of the answer (as the cot rung allows)
MAX_INSTRUCTION_CHARS = 1500  # a longer proposal is cut here, so the confirmation reserve bounds it


@dataclass(frozen=True)
class Candidate:
    instructions: str | None  # None: the task's own instructions
    demos: DemoSpec | None
    origin: str  # how it came about: "zero-shot", "proposed r0#1", "reflected r2#0", "combined", ...

    @property
    def reasoning(self) -> bool:
        """Rationale demos teach the model to reason first, so their prompts ask for reasoning."""
        return bool(self.demos and self.demos.rationales)

    def spec(self, model: str, answer_tokens: int) -> PipelineSpec:
        tokens = answer_tokens + (REASONING_TOKENS if self.reasoning else 0)
        return PipelineSpec(model=model, rung=RUNG, instructions=self.instructions, demos=self.demos,
                            reasoning=self.reasoning, params={"max_tokens": tokens})

    def describe(self) -> dict:
        return {"origin": self.origin, "instructions": self.instructions,
                "demos": self.demos.model_dump() if self.demos else None}


def answer_tokens(task: Task) -> int:
    """A max_tokens that fits the longest expected answer with room to spare (as the ladder's rungs use)."""
    outputs = [json.dumps(e.outputs, ensure_ascii=False) for e in task.train[:2000]] or ["x" * 40]
    longest = max(count_text_tokens(outputs, "gpt-4o"))
    return int(min(max(2 * longest + 16, 32), 2048))


def clip_instruction(text: str) -> str:
    return text.strip()[:MAX_INSTRUCTION_CHARS].strip()
