"""Where provider calls run: in this process (``local``, the default) or on a Ray cluster.

Only the provider call itself moves. The process that runs the command (the *driver*) keeps
everything that has to be decided in one place: the run kernel (resume, records, progress,
checkpoint), and each ``ModelCaller``'s cache lookups, cross-process claims, budget
reservations, per-model concurrency and rate limits. A call that passes all of them is sent
to a Ray worker, which holds one provider client per model and answers it; the driver
persists the answer before it counts, exactly as a local run does. So limits and budget hold
across the whole cluster by construction, a rerun after a kill repays only calls that were in
flight, and records are the local backend's (see ``runner.ray_backend`` for the workers).

A backend is entered as a scope (``with use_backend(spec): ...``); every ``ModelCaller``
created without an explicit client inside it sends through that backend. The CLI enters it
once per command (``--backend ray [--address ADDR]``), so eval, climb's rungs, synth and arena
share one pool of workers.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from dataclasses import dataclass
from typing import Any, Literal, Protocol

from ..errors import ConfigError
from ..models.config import ModelConfig
from ..models.providers import make_client

BACKENDS = ("local", "ray")
RAY_EXTRA_HINT = "--backend ray needs Ray: pip install 'taskladder[ray]'"


@dataclass(frozen=True)
class BackendSpec:
    """Which backend, and for Ray: the cluster's address (None: start a local instance) and how
    many call workers to start (None: one per alive node)."""

    name: Literal["local", "ray"] = "local"
    address: str | None = None
    workers: int | None = None

    @classmethod
    def parse(cls, name: str, address: str | None = None, workers: int | None = None) -> BackendSpec:
        """The spec of ``--backend NAME [--address ADDR]``; a bad combination is a one-line error."""
        if name not in BACKENDS:
            raise ConfigError(f"--backend: '{name}' is not one of {', '.join(BACKENDS)}")
        if name != "ray" and address:
            raise ConfigError("--address only applies with --backend ray (the address of a running Ray cluster)")
        return cls(name="ray" if name == "ray" else "local", address=address or None, workers=workers)


def require_backend(spec: BackendSpec) -> None:
    """Fail in one line, naming the extra to install, when ``spec``'s backend is not installed."""
    if spec.name == "ray":
        try:
            import ray  # noqa: F401
        except ImportError:
            raise ConfigError(RAY_EXTRA_HINT) from None


class Transport(Protocol):
    """Sends provider calls somewhere else; made by a backend while its scope is active."""

    def client(self, cfg: ModelConfig) -> Any: ...

    def close(self) -> None: ...


_ACTIVE: ContextVar[Transport | None] = ContextVar("taskladder_backend", default=None)


def active_transport() -> Transport | None:
    """The transport of the innermost active backend scope, or None (local)."""
    return _ACTIVE.get()


def client_for(cfg: ModelConfig) -> Any:
    """The provider client a ``ModelCaller`` sends ``cfg``'s calls through in this scope."""
    transport = _ACTIVE.get()
    return make_client(cfg) if transport is None else transport.client(cfg)


@contextmanager
def use_backend(spec: BackendSpec | None, *, calls: bool = True) -> Iterator[Transport | None]:
    """Send the provider calls of every ``ModelCaller`` made inside to ``spec``'s backend, and its
    heavy local work too: embedding cache misses (``runner.ray_embed``), ``local/...`` models
    (``runner.ray_local``) and whatever a command runs through ``runner.ray_tasks``.

    ``None`` or ``local`` changes nothing. Ray is started (or joined) on entry, so a missing
    extra or an unreachable cluster is a one-line error before any run is stored, and stopped
    (or left) on exit. ``calls=False`` starts no call workers (a command that makes no provider
    calls, such as ``mix``)."""
    if spec is None or spec.name == "local":
        yield None
        return
    from ..embeddings.remote import use_encoder
    from .ray_backend import RayTransport  # imports ray only when asked for
    from .ray_embed import RayEncoder

    transport = RayTransport.start(spec, calls=calls)
    token = _ACTIVE.set(transport)
    try:
        with use_encoder(RayEncoder()):
            yield transport
    finally:
        _ACTIVE.reset(token)
        transport.close()
