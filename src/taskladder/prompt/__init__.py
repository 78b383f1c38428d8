"""Prompts: chat messages for an example, parsing of model replies, and packing demos.

``render_messages`` and ``parse_output`` share one view of the answer format (see
``fields``), so a demo's answer is shown exactly as the model is asked to write it.
"""

from .fields import REASONING_KEY, answer_mode, label_set
from .instructions import system_text
from .pack import pack_demos
from .parse import ParseResult, parse_output
from .render import render_demo, render_input, render_messages, render_output, render_query
from .tokens import context_window, count_message_tokens, count_text_tokens

__all__ = [
    "render_messages",
    "render_demo",
    "render_input",
    "render_output",
    "render_query",
    "parse_output",
    "ParseResult",
    "pack_demos",
    "context_window",
    "count_message_tokens",
    "count_text_tokens",
    "answer_mode",
    "label_set",
    "REASONING_KEY",
    "system_text",
]
