"""The merge methods, each on one tensor: ``base`` plus a list of tuned versions of it.

All arithmetic is in float32 (float64 for float64 inputs) and the result is cast back to the
input dtype. Task vectors are ``tuned - base``; ``alpha`` scales what is added to ``base``.
- linear (WiSE-FT, Wortsman et al. 2022): ``lerp(base, tuned, alpha)``; exact at 0 and 1.
- task-arithmetic (Ilharco et al. 2023): ``base + alpha * sum(task vectors)``.
- ties (Yadav et al. 2023): keep each task vector's top ``density`` fraction by magnitude, elect
  a sign per parameter from the kept values' sum, average the kept values that agree with it.
- dare (Yu et al. 2024): drop each task-vector entry with probability ``1 - density``, scale the
  rest by ``1 / density``, add them up; the mask is seeded per (seed, tensor name, model).
- add-difference: ``tuned + alpha * (instruct - base)`` (e.g. put back the instruct tuning of
  a base model into a model fine-tuned from that base).
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from typing import Any

METHODS = ("linear", "task-arithmetic", "ties", "dare", "add-difference")
DEFAULT_DENSITY = {"ties": 0.2, "dare": 0.1}  # the papers' settings: keep top 20% / drop 90%


@dataclass(frozen=True)
class MixSpec:
    method: str = "linear"
    alpha: float = 0.5
    density: float | None = None  # ties/dare; None: DEFAULT_DENSITY
    seed: int = 0  # dare

    def kept_fraction(self) -> float:
        return self.density if self.density is not None else DEFAULT_DENSITY.get(self.method, 1.0)


def _work_dtype(t: Any) -> Any:
    import torch

    return torch.float64 if t.dtype == torch.float64 else torch.float32


def linear(base: Any, tuned: Any, alpha: float) -> Any:
    import torch

    work = _work_dtype(base)
    return torch.lerp(base.to(work), tuned.to(work), alpha).to(base.dtype)


def task_arithmetic(base: Any, tuned: list[Any], alpha: float) -> Any:
    work = _work_dtype(base)
    b = base.to(work)
    total = sum((t.to(work) - b for t in tuned), start=b * 0)
    return (b + alpha * total).to(base.dtype)


def magnitude_trim(delta: Any, density: float) -> Any:
    """``delta`` with all but its ``density`` fraction of largest-magnitude entries set to 0."""
    import torch

    k = int(density * delta.numel())
    kept = torch.zeros_like(delta)
    if k > 0:
        top = torch.topk(delta.abs().reshape(-1), k=k, largest=True).indices
        kept.view(-1)[top] = delta.reshape(-1)[top]
    return kept


def ties_delta(deltas: list[Any], density: float) -> Any:
    """The TIES merge of task vectors: trim, elect sign (ties go to +), disjoint mean."""
    import torch

    trimmed = torch.stack([magnitude_trim(d, density) for d in deltas])
    elected = torch.where(trimmed.sum(dim=0) >= 0, 1.0, -1.0).to(trimmed.dtype)
    agree = trimmed.sign() == elected
    kept = (trimmed * agree).sum(dim=0)
    return kept / agree.sum(dim=0).clamp(min=1)


def ties(base: Any, tuned: list[Any], alpha: float, density: float) -> Any:
    work = _work_dtype(base)
    b = base.to(work)
    return (b + alpha * ties_delta([t.to(work) - b for t in tuned], density)).to(base.dtype)


def dare_mask(shape: tuple[int, ...], density: float, seed: int, name: str, index: int) -> Any:
    """Which entries DARE keeps: the same for the same (seed, tensor name, model index) on any run."""
    import torch

    digest = hashlib.sha256(f"{seed}\0{name}\0{index}".encode()).digest()
    generator = torch.Generator().manual_seed(int.from_bytes(digest[:8], "little") & (2**63 - 1))
    return torch.rand(shape, generator=generator) < density


def dare(base: Any, tuned: list[Any], alpha: float, density: float, seed: int, name: str) -> Any:
    work = _work_dtype(base)
    b = base.to(work)
    total = b * 0
    for i, t in enumerate(tuned):
        keep = dare_mask(tuple(b.shape), density, seed, name, i)
        total += (t.to(work) - b) * keep / density
    return (b + alpha * total).to(base.dtype)


def add_difference(base: Any, tuned: Any, instruct: Any, alpha: float) -> Any:
    work = _work_dtype(base)
    return (tuned.to(work) + alpha * (instruct.to(work) - base.to(work))).to(base.dtype)


def merge_tensor(spec: MixSpec, name: str, base: Any, tuned: list[Any], instruct: Any | None = None) -> Any:
    """One merged tensor. Non-float tensors (ids, masks) must be equal in every input: kept as is."""
    if not base.is_floating_point():
        for t in [*tuned, *([instruct] if instruct is not None else [])]:
            if not bool((t == base).all()):
                raise ValueError(f"non-float tensor '{name}' differs between the models; it cannot be mixed")
        return base
    if spec.method == "linear":
        return linear(base, tuned[0], spec.alpha)
    if spec.method == "task-arithmetic":
        return task_arithmetic(base, tuned, spec.alpha)
    if spec.method == "ties":
        return ties(base, tuned, spec.alpha, spec.kept_fraction())
    if spec.method == "dare":
        return dare(base, tuned, spec.alpha, spec.kept_fraction(), spec.seed, name)
    if spec.method == "add-difference":
        assert instruct is not None
        return add_difference(base, tuned[0], instruct, spec.alpha)
    raise ValueError(f"unknown method {spec.method}")
