"""The individual checks; ``Guard`` assembles the enabled ones from a ``GuardConfig``."""

from .base import Check
from .dominant_token import DominantTokenCheck
from .invisible_chars import InvisibleCharsCheck
from .json_schema import JsonSchemaCheck, schema_validator
from .language import LanguageCheck, identify
from .length import LengthCheck
from .many_shot import ManyShotCheck, count_turn_markers
from .regurgitation import RegurgitationCheck
from .repeat_request import RepeatRequestCheck
from .repeated_unit import RepeatedUnitCheck
from .repetition_loop import RepetitionLoopCheck
from .separator_run import SeparatorRunCheck

__all__ = [
    "Check", "DominantTokenCheck", "InvisibleCharsCheck", "JsonSchemaCheck", "LanguageCheck",
    "LengthCheck", "ManyShotCheck", "RegurgitationCheck", "RepeatRequestCheck",
    "RepeatedUnitCheck", "RepetitionLoopCheck", "SeparatorRunCheck", "count_turn_markers",
    "identify", "schema_validator",
]
