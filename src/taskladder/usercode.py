"""Load the user's own Python: ``module:function`` or ``path/to/file.py:function``.

Custom metrics, Python steps, verifier signals and scripted models all name user code the
same way; loading problems are one-line ``ConfigError``s that say what to fix.
"""

from __future__ import annotations

import hashlib
import importlib
import importlib.util
from pathlib import Path
from typing import Any, Callable

from .errors import ConfigError


def one_line(exc: BaseException) -> str:
    text = " ".join(str(exc).split())
    return f"{type(exc).__name__}: {text}" if text else type(exc).__name__


def looks_like_file(target: str) -> bool:
    return target.endswith(".py") or "/" in target or "\\" in target


def load_module(target: str, *, base_dir: str | Path | None, what: str, prefix: str) -> Any:
    """Import ``target`` (a module name, or a .py file resolved from ``base_dir``)."""

    if not looks_like_file(target):
        try:
            return importlib.import_module(target)
        except Exception as exc:
            raise ConfigError(f"{what}: cannot import '{target}' ({one_line(exc)}); put it on PYTHONPATH "
                              "or give a file path like path/to/file.py:function") from None
    path = Path(target).expanduser()
    if not path.is_absolute():
        path = Path(base_dir or Path.cwd()) / path
    if not path.is_file():
        raise ConfigError(f"{what}: file {path} not found")
    # A module name unique per file, so two user files called rules.py never collide.
    digest = hashlib.sha256(str(path.resolve()).encode()).hexdigest()[:12]
    module_spec = importlib.util.spec_from_file_location(f"taskladder_{prefix}_{digest}", path)
    if module_spec is None or module_spec.loader is None:
        raise ConfigError(f"{what}: {path} is not a Python file")
    module = importlib.util.module_from_spec(module_spec)
    try:
        module_spec.loader.exec_module(module)
    except Exception as exc:
        raise ConfigError(f"{what}: loading {path} failed: {one_line(exc)}") from None
    return module


def load_callable(spec: str, *, base_dir: str | Path | None, what: str, prefix: str) -> Callable[..., Any]:
    """The function ``spec`` names; ``what`` starts every error message (e.g. "custom metric 'm:f'")."""

    target, _, name = spec.rpartition(":")
    if not target or not name.isidentifier():
        raise ConfigError(f"{what}: expected 'module:function' or 'path/to/file.py:function'")
    module = load_module(target, base_dir=base_dir, what=what, prefix=prefix)
    fn = getattr(module, name, None)
    if fn is None:
        raise ConfigError(f"{what}: '{target}' has no function '{name}'")
    if not callable(fn):
        raise ConfigError(f"{what}: '{name}' in '{target}' is not a function")
    return fn
