"""The merge methods, on one tensor or one block of its rows: ``base`` plus a list of tuned versions.

All arithmetic is in float32 (float64 for float64 inputs) and the result is cast back to the
input dtype. Task vectors are ``tuned - base``; ``alpha`` scales what is added to ``base``.
- linear (WiSE-FT, Wortsman et al. 2022): ``lerp(base, tuned, alpha)``; exact at 0 and 1.
- task-arithmetic (Ilharco et al. 2023): ``base + alpha * sum(task vectors)``.
- ties (Yadav et al. 2023): keep each task vector's top ``density`` fraction by magnitude, elect
  a sign per parameter from the kept values' sum, average the kept values that agree with it.
- dare (Yu et al. 2024): drop each task-vector entry with probability ``1 - density``, scale the
  rest by ``1 / density``, add them up.
- add-difference: ``tuned + alpha * (instruct - base)`` (e.g. put back the instruct tuning of
  a base model into a model fine-tuned from that base).

Every method works on a block of rows at a time, so a merge holds a block, not a tensor:
- TIES's per-tensor top-k becomes a magnitude cut found first, by a radix select over the
  blocks (``magnitude_cut``: two 65536-bin histograms of the float bits for float32), then
  applied block by block; entries equal to the cut are kept first-come in row-major order,
  so exactly k entries are kept, the same ones for any block size.
- DARE's masks are drawn in fixed chunks of ``DARE_CHUNK`` entries of the flattened tensor,
  each from a generator seeded by (seed, tensor name, model, chunk): the mask of a block is
  the slice of the chunks it overlaps, so the merge depends on the seed and on nothing else.
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from typing import Any

METHODS = ("linear", "task-arithmetic", "ties", "dare", "add-difference")
DEFAULT_DENSITY = {"ties": 0.2, "dare": 0.1}  # the papers' settings: keep top 20% / drop 90%
DARE_CHUNK = 2**20  # entries per seeded mask chunk; part of the output's definition, do not change
DIGIT_BITS = 16  # radix of the magnitude select: 65536 bins per pass


@dataclass(frozen=True)
class MixSpec:
    method: str = "linear"
    alpha: float = 0.5
    density: float | None = None  # ties/dare; None: DEFAULT_DENSITY
    seed: int = 0  # dare

    def kept_fraction(self) -> float:
        return self.density if self.density is not None else DEFAULT_DENSITY.get(self.method, 1.0)


def work_dtype(t: Any) -> Any:
    import torch

    return torch.float64 if t.dtype == torch.float64 else torch.float32


def linear(base: Any, tuned: Any, alpha: float) -> Any:
    import torch

    work = work_dtype(base)
    return torch.lerp(base.to(work), tuned.to(work), alpha).to(base.dtype)


def task_arithmetic(base: Any, tuned: list[Any], alpha: float) -> Any:
    work = work_dtype(base)
    b = base.to(work)
    total = sum((t.to(work) - b for t in tuned), start=b * 0)
    return (b + alpha * total).to(base.dtype)


def kept_count(numel: int, density: float) -> int:
    """How many entries TIES keeps: at least one of a non-empty tensor (as mergekit does)."""
    if density >= 1.0 or numel == 0:
        return numel
    return max(1, int(density * numel))


@dataclass
class MagnitudeCut:
    """Which entries of one task vector TIES keeps: every ``|d| > threshold``, and the first
    ``equal_left`` entries (row-major, counted across blocks) with ``|d| == threshold``."""

    threshold: Any  # 0-d tensor of the work dtype; None keeps everything
    equal_left: int

    def apply(self, delta: Any) -> Any:
        """``delta`` (the next block, in row order) with the entries not kept set to 0."""
        import torch

        if self.threshold is None:
            return delta
        magnitude = delta.abs()
        keep = magnitude > self.threshold
        if self.equal_left > 0:
            equal = magnitude == self.threshold
            n_equal = int(equal.sum())
            if n_equal:
                if n_equal > self.equal_left:
                    rank = equal.reshape(-1).cumsum(0).reshape(equal.shape)
                    equal &= rank <= self.equal_left
                keep |= equal
                self.equal_left -= min(n_equal, self.equal_left)
        return torch.where(keep, delta, torch.zeros((), dtype=delta.dtype))


def magnitude_cut(blocks: Callable[[], Iterable[Any]], numel: int, density: float, dtype: Any) -> MagnitudeCut:
    """The cut that keeps the ``kept_count`` largest-magnitude entries of a task vector of float
    ``dtype`` given as row blocks (``blocks()`` yields them again for each pass). Non-negative
    floats order as their bit patterns, so the k-th largest magnitude is found digit by digit from
    the top: each pass histograms the next 16 bits of the entries whose higher bits match the
    digits found so far (2 passes for float32, 4 for float64)."""
    import torch

    k = kept_count(numel, density)
    if k >= numel:
        return MagnitudeCut(None, 0)
    int_dtype, width = (torch.int64, 64) if dtype == torch.float64 else (torch.int32, 32)
    prefix, need = 0, k
    for shift in range(width - DIGIT_BITS, -1, -DIGIT_BITS):
        counts = torch.zeros(2**DIGIT_BITS, dtype=torch.int64)
        for delta in blocks():
            bits = delta.abs().reshape(-1).view(int_dtype)
            if shift + DIGIT_BITS < width:
                bits = bits[(bits >> (shift + DIGIT_BITS)) == prefix]
            counts += torch.bincount((bits >> shift) & (2**DIGIT_BITS - 1), minlength=2**DIGIT_BITS)
        at_least = counts.flip(0).cumsum(0)  # at_least[j]: entries whose digit >= 65535 - j
        j = int(torch.searchsorted(at_least, torch.tensor([need]))[0])
        digit = 2**DIGIT_BITS - 1 - j
        need -= int(at_least[j]) - int(counts[digit])  # entries with a larger digit are all kept
        prefix = (prefix << DIGIT_BITS) | digit
    threshold = torch.tensor([prefix], dtype=torch.int64).to(int_dtype).view(dtype)[0]
    return MagnitudeCut(threshold, need)


def whole_magnitude_cut(delta: Any, density: float) -> MagnitudeCut:
    """``magnitude_cut`` of a task vector held whole: one ``kthvalue`` instead of the histogram
    passes (which cost more than the select on a small tensor); the same cut."""
    import torch

    k = kept_count(delta.numel(), density)
    if k >= delta.numel():
        return MagnitudeCut(None, 0)
    magnitude = delta.abs().reshape(-1)
    threshold = torch.kthvalue(magnitude, delta.numel() - k + 1).values
    return MagnitudeCut(threshold, k - int((magnitude > threshold).sum()))


def magnitude_trim(delta: Any, density: float) -> Any:
    """``delta`` with all but its ``kept_count`` largest-magnitude entries set to 0."""
    return whole_magnitude_cut(delta, density).apply(delta)


def ties_merge(trimmed: list[Any]) -> Any:
    """Elect a sign per entry from the trimmed task vectors' sum (ties go to +), then the mean of
    the kept values that agree with it (the disjoint mean)."""
    import torch

    total = trimmed[0].clone()
    for t in trimmed[1:]:
        total += t
    elected = torch.where(total >= 0, 1.0, -1.0).to(total.dtype)
    kept, agreeing = torch.zeros_like(total), torch.zeros_like(total)
    for t in trimmed:
        agree = t.sign() == elected
        kept += t * agree
        agreeing += agree
    return kept / agreeing.clamp(min=1)


def ties_delta(deltas: list[Any], density: float) -> Any:
    """The TIES merge of whole task vectors: trim, elect sign, disjoint mean."""
    return ties_merge([magnitude_trim(d, density) for d in deltas])


def ties(base: Any, tuned: list[Any], alpha: float, density: float, cuts: list[MagnitudeCut] | None = None) -> Any:
    """TIES on ``base``'s rows; ``cuts`` (one per tuned model, from ``magnitude_cut`` over the whole
    tensor) make a block merge like its tensor; without them ``base`` is the whole tensor."""
    work = work_dtype(base)
    b = base.to(work)
    deltas = [t.to(work) - b for t in tuned]
    if cuts is None:
        cuts = [whole_magnitude_cut(d, density) for d in deltas]
    return (b + alpha * ties_merge([cut.apply(d) for cut, d in zip(cuts, deltas)])).to(base.dtype)


def _chunk_generator(seed: int, name: str, index: int, chunk: int) -> Any:
    import torch

    digest = hashlib.sha256(f"{seed}\0{name}\0{index}\0{chunk}".encode()).digest()
    return torch.Generator().manual_seed(int.from_bytes(digest[:8], "little") & (2**63 - 1))


def dare_keep(start: int, count: int, numel: int, density: float, seed: int, name: str, index: int) -> Any:
    """Which of the flattened entries ``[start, start + count)`` of a ``numel``-entry tensor DARE
    keeps for model ``index``: the same on any run and for any block size."""
    import torch

    parts = []
    stop = start + count
    for chunk in range(start // DARE_CHUNK, (stop - 1) // DARE_CHUNK + 1 if count else start // DARE_CHUNK):
        first = chunk * DARE_CHUNK
        draws = torch.rand(min(DARE_CHUNK, numel - first), generator=_chunk_generator(seed, name, index, chunk))
        parts.append(draws[max(start, first) - first : min(stop, first + DARE_CHUNK) - first])
    return (torch.cat(parts) if parts else torch.empty(0)) < density


def dare_mask(shape: tuple[int, ...], density: float, seed: int, name: str, index: int) -> Any:
    """DARE's mask of a whole tensor of ``shape``."""
    import math

    numel = math.prod(shape)
    return dare_keep(0, numel, numel, density, seed, name, index).reshape(shape)


def dare(
    base: Any,
    tuned: list[Any],
    alpha: float,
    density: float,
    seed: int,
    name: str,
    *,
    start: int = 0,
    numel: int | None = None,
) -> Any:
    """DARE on ``base``, the block of a ``numel``-entry tensor starting at flat entry ``start``
    (the whole tensor by default)."""
    work = work_dtype(base)
    b = base.to(work)
    numel = b.numel() if numel is None else numel
    total = b * 0
    for i, t in enumerate(tuned):
        keep = dare_keep(start, b.numel(), numel, density, seed, name, i).reshape(b.shape)
        total += (t.to(work) - b) * keep / density
    return (b + alpha * total).to(base.dtype)


def add_difference(base: Any, tuned: Any, instruct: Any, alpha: float) -> Any:
    work = work_dtype(base)
    return (tuned.to(work) + alpha * (instruct.to(work) - base.to(work))).to(base.dtype)


def merge_tensor(
    spec: MixSpec,
    name: str,
    base: Any,
    tuned: list[Any],
    instruct: Any | None = None,
    *,
    start: int = 0,
    numel: int | None = None,
    cuts: list[MagnitudeCut] | None = None,
) -> Any:
    """One merged tensor, or the block of it at flat entry ``start`` of ``numel`` (``cuts``: TIES's,
    for a block). Non-float tensors (ids, masks) must be equal in every input: kept as is."""
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
        return ties(base, tuned, spec.alpha, spec.kept_fraction(), cuts)
    if spec.method == "dare":
        return dare(base, tuned, spec.alpha, spec.kept_fraction(), spec.seed, name, start=start, numel=numel)
    if spec.method == "add-difference":
        assert instruct is not None
        return add_difference(base, tuned[0], instruct, spec.alpha)
    raise ValueError(f"unknown method {spec.method}")
