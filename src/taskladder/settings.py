"""Where taskladder keeps its state and how it treats the machine: one typed object.

``Settings.from_env()`` is the only place that reads taskladder's environment variables. The
CLI builds it once per command invocation (never at import, so a changed ``TASKLADDER_HOME``
is seen) and passes it down; a library function called without ``settings=``/``store=`` falls
back to ``Settings.from_env()`` through ``Store.default(settings)`` or
:func:`taskladder.embeddings.embedding_cache`, nowhere else.

Environment variables:

- ``TASKLADDER_HOME``: the home folder (default ``./.taskladder``); the store, the embeddings
  cache and downloaded data live under it.
- ``TASKLADDER_ALLOW_HUB``: ``1`` lets local models contact model hubs (default: offline; the
  bundled embedding model is on disk, and a hub client left online retries and stalls).
- ``TASKLADDER_TORCH_THREADS``: torch threads for local models (default: 1 on machines with at
  most 2 cores, where two torch threads contend with other work; torch's own default above).
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from pydantic import BaseModel, ConfigDict, Field, model_validator

from .errors import ConfigError

HOME_ENV = "TASKLADDER_HOME"
ALLOW_HUB_ENV = "TASKLADDER_ALLOW_HUB"
TORCH_THREADS_ENV = "TASKLADDER_TORCH_THREADS"
MAX_ERROR_RATE_ENV = "TASKLADDER_MAX_ERROR_RATE"

_UNDER_HOME = {"store_path": "taskladder.sqlite", "embeddings_path": "embeddings.sqlite",
               "downloads_dir": "downloads"}
_TRUE = {"1", "true", "yes", "on"}
_FALSE = {"0", "false", "no", "off", ""}


def default_torch_threads(cpu_count: int | None = None) -> int | None:
    """1 on a machine with at most 2 cores (one thread was as fast or faster there, see
    DESIGN.md); None elsewhere, meaning torch's own default."""
    cores = cpu_count if cpu_count is not None else (os.cpu_count() or 1)
    return 1 if cores <= 2 else None


class Settings(BaseModel):
    """Paths and machine policy for one taskladder invocation. Immutable; build another to change."""

    model_config = ConfigDict(frozen=True)

    home: Path = Path(".taskladder")
    # Each defaults to a file or folder under `home`: `_under_home` fills in any not given, so
    # the `Path()` placeholders are never seen.
    store_path: Path = Path()  # <home>/taskladder.sqlite
    embeddings_path: Path = Path()  # <home>/embeddings.sqlite
    downloads_dir: Path = Path()  # <home>/downloads
    allow_hub: bool = False
    torch_threads: int | None = Field(default_factory=default_torch_threads, ge=1)
    # Above this share of errored examples a run is failed, not a score (runner.health).
    max_error_rate: float = Field(default=0.10, ge=0.0, le=1.0)

    @model_validator(mode="before")
    @classmethod
    def _under_home(cls, data: Any) -> Any:
        if not isinstance(data, dict):
            return data
        home = Path(data.get("home") or ".taskladder").expanduser()
        out = {**data, "home": home}
        for name, default in _UNDER_HOME.items():
            value = out.get(name)
            out[name] = Path(value).expanduser() if value is not None else home / default
        return out

    @classmethod
    def from_env(cls, environ: Mapping[str, str] | None = None) -> "Settings":
        """Settings from ``environ`` (default ``os.environ``); read each time it is called."""
        env = os.environ if environ is None else environ
        threads = env.get(TORCH_THREADS_ENV, "").strip()
        home = Path(env.get(HOME_ENV) or ".taskladder").expanduser()
        if home.exists() and not home.is_dir():
            raise ConfigError(f"{HOME_ENV}={str(home)!r} is a file, not a folder; point {HOME_ENV} at a folder "
                              "(taskladder keeps its store and caches inside it)")
        return cls(
            home=home,
            allow_hub=_flag(env.get(ALLOW_HUB_ENV, ""), ALLOW_HUB_ENV),
            torch_threads=_threads(threads) if threads else default_torch_threads(),
            max_error_rate=_rate(env.get(MAX_ERROR_RATE_ENV, "").strip()),
        )

    def home_dir(self) -> Path:
        """The home folder, created on first use."""
        self.home.mkdir(parents=True, exist_ok=True)
        return self.home


def _flag(value: str, name: str) -> bool:
    v = value.strip().lower()
    if v in _TRUE:
        return True
    if v in _FALSE:
        return False
    raise ConfigError(f"{name}={value!r} is not a yes/no value; set it to 1 or 0")


def _threads(value: str) -> int:
    try:
        n = int(value)
    except ValueError:
        n = 0
    if n < 1:
        raise ConfigError(f"{TORCH_THREADS_ENV}={value!r} is not a thread count; set it to a whole number >= 1 "
                          "or unset it")
    return n



def _rate(value: str) -> float:
    if not value:
        return 0.10
    try:
        rate = float(value)
    except ValueError:
        rate = -1.0
    if not 0.0 <= rate <= 1.0:
        raise ConfigError(f"{MAX_ERROR_RATE_ENV}={value!r} is not a share between 0 and 1; set it to e.g. 0.1 "
                          "or unset it")
    return rate
