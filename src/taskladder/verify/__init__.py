"""Verifiers: domain quality signals used to filter candidates before (or instead of) a judge.

- ``run_python``: generated code against unit tests in a sandboxed child process;
- ``chrf`` / ``back_translation_score``: translation checked by translating back;
- ``check_json``: structured output against a JSON schema;
- ``select`` / ``aselect``: filter by verifiers, then rank the survivors pairwise.
"""

from .back_translation import BackTranslationVerifier, back_translation_score
from .chrf import chrf
from .humaneval import humaneval_program, load_humaneval
from .json_schema import JsonSchemaVerifier, check_json, parse_json_output
from .result import Verifier, VerifyResult
from .sandbox import PythonTestsVerifier, SandboxResult, run_many, run_python
from .select import Selection, aselect, pairwise_ranker, select

__all__ = [
    "BackTranslationVerifier", "back_translation_score", "chrf", "humaneval_program", "load_humaneval",
    "JsonSchemaVerifier", "check_json", "parse_json_output", "Verifier", "VerifyResult",
    "PythonTestsVerifier", "SandboxResult", "run_many", "run_python",
    "Selection", "aselect", "pairwise_ranker", "select",
]
