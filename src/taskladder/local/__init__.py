"""Local language models: run on this machine's CPU (or GPU) behind the same client call as
hosted models, so ``-m local/...`` works wherever a model string does.

torch and transformers are imported inside the functions that need them (the ``local``
extra); importing this package costs nothing.
"""

from .source import LocalSource, resolve_local

__all__ = ["LocalSource", "resolve_local"]
