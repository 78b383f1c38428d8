"""Heavy local work as Ray tasks (``--backend ray``): a merge, the points of a sweep, embedding shards.

``run_heavy(fn, ...)`` and ``map_heavy(fn, items)`` run ``fn`` in this process under the local
backend, and as Ray tasks of one CPU each while a Ray backend's scope is active (``use_backend``),
so a command calls them the same way for both and gets the same results. ``fn`` must be a
module-level function (Ray ships it by reference) with picklable arguments and result; a path
among them must name the same file on every node (one machine, or a shared filesystem).

Why tasks, not actors: heavy work is CPU-bound and stateless between items, so Ray may place each
item on any free CPU of the cluster; what is worth keeping between items (a loaded embedder) is
kept per worker process by the function itself (``embeddings.remote``).
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator
from typing import Any, TypeVar

from ..errors import TaskladderError
from .backend import active_transport

R = TypeVar("R")
# NO_CANCEL: why heavy tasks are never ``ray.cancel``-ed: a cancel that races the task's own completion reply
# aborts the driver process inside Ray's C++ core ("Check failed: it != submissible_tasks_.end()
# Tried to complete task that was not pending", seen with Ray 2.60 on a finished sweep point; Ray
# PR 54798 fixed one path of the same race). Heavy tasks are short and bounded by their inputs, so
# letting a few finish unwatched costs seconds; a crashed driver loses the whole command.
HEAVY_CPUS = 1  # what one heavy task reserves: the work uses one torch/BLAS thread


def on_ray() -> bool:
    """True inside a Ray backend's scope: heavy work then runs on the cluster."""
    from .ray_backend import RayTransport  # no Ray import: the module imports it inside functions

    return isinstance(active_transport(), RayTransport)


def run_heavy(fn: Callable[..., R], *args: Any, **kwargs: Any) -> R:
    """``fn(*args, **kwargs)``: here, or as one Ray task (waited for) inside a Ray scope."""
    if not on_ray():
        return fn(*args, **kwargs)
    ref = _remote(fn).remote(*args, **kwargs)
    return _get(ref)


def map_heavy(fn: Callable[[Any], R], items: Iterable[Any]) -> Iterator[R]:
    """``fn(item)`` for each item, in order. Inside a Ray scope every item is submitted at once
    (Ray runs as many as the cluster has CPUs) and results are yielded in order as they come.
    Items still running when the caller stops early run to the end and their results are dropped:
    the NO_CANCEL note above says why nothing is cancelled."""
    items = list(items)
    if not on_ray():
        yield from (fn(item) for item in items)
        return
    remote = _remote(fn)
    refs = [remote.remote(item) for item in items]
    for ref in refs:
        yield _get(ref)


def unordered(fn: Callable[..., R], calls: list[tuple[Any, ...]]) -> Iterator[tuple[int, R]]:
    """``(i, fn(*calls[i]))`` as Ray tasks, in the order they finish (the caller is in a Ray scope)."""
    import ray

    remote = _remote(fn)
    index = {remote.remote(*args): i for i, args in enumerate(calls)}
    pending = list(index)
    while pending:
        done, pending = ray.wait(pending, num_returns=1)
        yield index[done[0]], _get(done[0])


def _remote(fn: Callable[..., Any]) -> Any:
    """``fn`` as a Ray remote function (``.remote(*args)`` submits a task). Through ``_apply``, so
    ``fn`` may be any picklable callable (a ``functools.partial``), not only a plain function."""
    import ray

    task = ray.remote(num_cpus=HEAVY_CPUS, max_retries=1)(_apply)

    class _Bound:
        @staticmethod
        def remote(*args: Any, **kwargs: Any) -> Any:
            return task.remote(fn, *args, **kwargs)

    return _Bound


def _apply(fn: Callable[..., R], *args: Any, **kwargs: Any) -> R:
    return fn(*args, **kwargs)


def _get(ref: Any) -> Any:
    """A task's result; a taskladder error raised on the worker is raised here as itself (one line)."""
    import ray
    from ray.exceptions import RayTaskError

    try:
        return ray.get(ref)
    except RayTaskError as exc:
        if isinstance(exc.cause, TaskladderError):
            raise exc.cause from None
        raise
