"""``Guard``: run the enabled checks around a model call and decide what to do.

Usage::

    guard = Guard(GuardConfig.from_yaml("guard.yaml"))
    decision = guard.check_input(user_text)
    if decision.blocked: ...refuse...
    prompt = guard.wrap_user_content(decision.text)
    out = guard.check_output(model_text, expected_language="es", schema=task_schema)

Each check is timed separately (``decision.latency_us``) so a slow rule shows up by name.
"""

from __future__ import annotations

import time
from pathlib import Path
from typing import Any

from .checks import (
    Check,
    DominantTokenCheck,
    InvisibleCharsCheck,
    JsonSchemaCheck,
    LanguageCheck,
    LengthCheck,
    ManyShotCheck,
    RegurgitationCheck,
    RepeatedUnitCheck,
    RepeatRequestCheck,
    RepetitionLoopCheck,
    SeparatorRunCheck,
    count_turn_markers,
    identify,
)
from .config import GuardConfig
from .corpus import ProtectedCorpus
from .decision import Edit, Finding, GuardDecision, Stage, most_severe
from .edits import apply_edits
from .text import TextView


class Guard:
    """Input and output checks built once from a config; safe to share across requests."""

    def __init__(self, config: GuardConfig | None = None, *, corpus: ProtectedCorpus | None = None) -> None:
        self.config = config or GuardConfig()
        inp, out = self.config.input, self.config.output
        self.corpus = corpus if corpus is not None else ProtectedCorpus(n=int(out.regurgitation.threshold))
        base = Path(self.config.base_dir) if self.config.base_dir else Path.cwd()
        for name in out.regurgitation.corpus:
            path = Path(name).expanduser()
            self.corpus.add_file(path if path.is_absolute() else base / path)
        input_checks: list[Check[Any]] = [
            LengthCheck(inp.length),
            InvisibleCharsCheck(inp.invisible_chars),
            RepeatedUnitCheck(inp.repeated_unit),
            DominantTokenCheck(inp.dominant_token),
            SeparatorRunCheck(inp.separator_run),
            RepeatRequestCheck(inp.repeat_request),
            ManyShotCheck(inp.many_shot),
        ]
        output_checks: list[Check[Any]] = [
            RepetitionLoopCheck(out.repetition_loop),
            RegurgitationCheck(out.regurgitation, self.corpus),
            JsonSchemaCheck(out.json_schema),
            LanguageCheck(out.language),
        ]
        self.input_checks = [c for c in input_checks if c.config.enabled]
        self.output_checks = [c for c in output_checks if c.config.enabled]

    @classmethod
    def from_yaml(cls, path: str | Path) -> "Guard":
        return cls(GuardConfig.from_yaml(path))

    def warm_up(self) -> None:
        """Load what the first call would otherwise load (the language model, ~0.5 s) and
        surface a bad language code now rather than on a live request."""
        lang = self.config.output.language
        if lang.enabled and lang.expected:
            identify("warm up", [*lang.candidates, lang.expected])

    # ---- public API ----------------------------------------------------------------------

    def check_input(self, text: str) -> GuardDecision:
        """Check user content before it reaches the model."""
        return self._run("input", self.input_checks, TextView(text))

    def check_output(
        self, text: str, *, expected_language: str | None = None, schema: dict[str, Any] | None = None
    ) -> GuardDecision:
        """Check a model's answer; ``decision.text`` is the answer after any truncation/redaction.

        A broken ``schema`` raises ``ConfigError`` (the caller's mistake, not the model's).
        """
        view = TextView(text, expected_language=expected_language, schema=schema)
        return self._run("output", self.output_checks, view)

    def check_messages(self, messages: list[dict[str, Any]]) -> GuardDecision:
        """Check a chat request: every user message, plus the conversation as a whole.

        Over an API the many-shot attack can arrive as real ``user``/``assistant`` messages
        instead of text markers, so the many-shot score here counts both.
        """
        t0 = time.perf_counter_ns()
        findings: list[Finding] = []
        latency: dict[str, float] = {}
        new_messages: list[dict[str, Any]] = []
        last_user = ""
        for i, message in enumerate(messages):
            content = message.get("content")
            if message.get("role") != "user" or not isinstance(content, str):
                new_messages.append(dict(message))
                continue
            d = self.check_input(content)
            findings += [f.model_copy(update={"message_index": i}) for f in d.findings]
            for name, us in d.latency_us.items():
                latency[name] = latency.get(name, 0.0) + us
            new_messages.append({**message, "content": d.text})
            last_user = d.text
        many = self.config.input.many_shot
        if many.enabled and not any(f.check == "many_shot" for f in findings):
            s = time.perf_counter_ns()
            turns = sum(1 for m in messages if m.get("role") in ("user", "assistant"))
            embedded = sum(
                count_turn_markers(m["content"].encode("utf-8", "surrogatepass").lower())[0]
                for m in messages
                if m.get("role") == "user" and isinstance(m.get("content"), str)
            )
            if turns + embedded >= many.threshold:
                findings.append(Finding(
                    check="many_shot", action=many.action, score=float(turns + embedded), threshold=many.threshold,
                    message=f"{turns} dialogue turns in the request plus {embedded} embedded markers"))
            latency["many_shot"] = latency.get("many_shot", 0.0) + (time.perf_counter_ns() - s) / 1000
        return GuardDecision(
            stage="input",
            decision=most_severe([f.action for f in findings]),
            findings=findings,
            text=last_user,
            latency_us={k: round(v, 1) for k, v in latency.items()},
            total_us=round((time.perf_counter_ns() - t0) / 1000, 1),
            messages=new_messages,
        )

    def wrap_user_content(self, text: str) -> str:
        """Place the cautionary reminder before and after user content (when enabled)."""
        r = self.config.reminder
        if not r.enabled:
            return text
        return f"{r.before}\n\n{text}\n\n{r.after}"

    # ---- internals -----------------------------------------------------------------------

    @staticmethod
    def _run(stage: Stage, checks: list[Check[Any]], view: TextView) -> GuardDecision:
        t0 = time.perf_counter_ns()
        findings: list[Finding] = []
        edits: list[Edit] = []
        latency: dict[str, float] = {}
        for check in checks:
            s = time.perf_counter_ns()
            found = check.find(view)
            if found and check.config.action == "redact":
                edits += check.edits(view, found)
            latency[check.name] = round((time.perf_counter_ns() - s) / 1000, 1)
            findings += found
        return GuardDecision(
            stage=stage,
            decision=most_severe([f.action for f in findings]),
            findings=findings,
            text=apply_edits(view.text, edits),
            latency_us=latency,
            total_us=round((time.perf_counter_ns() - t0) / 1000, 1),
        )
