"""Fine-tuning datasets: build and export them (OpenAI chat, Hugging Face messages, DPO), and
validate any such JSONL file before a job is paid for."""

from .build import STYLES, build_chat, build_dpo
from .checks import check_record
from .export import ExportResult, export_chat, export_dpo
from .formats import FORMATS
from .jsonl import write_jsonl
from .report import LineTokens, Problem, TokenStats, ValidationReport
from .rows import ExportRow, PairwiseWin
from .split import split_train_validation
from .validate import DEFAULT_EPOCHS, validate_file

__all__ = [
    "DEFAULT_EPOCHS",
    "FORMATS",
    "STYLES",
    "ExportResult",
    "ExportRow",
    "LineTokens",
    "PairwiseWin",
    "Problem",
    "TokenStats",
    "ValidationReport",
    "build_chat",
    "build_dpo",
    "check_record",
    "export_chat",
    "export_dpo",
    "split_train_validation",
    "validate_file",
    "write_jsonl",
]
