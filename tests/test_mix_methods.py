"""TIES and DARE, tensor by tensor, against reference computations done another way."""

from __future__ import annotations

import pytest

torch = pytest.importorskip("torch")

from mix_models import perturbed_copy, read_all, tiny_llama  # noqa: E402

from taskladder.mix import MixSpec, mix_folders  # noqa: E402
from taskladder.mix.methods import dare, dare_mask, ties, ties_delta  # noqa: E402


def test_ties_by_hand():
    # three task vectors over four parameters; density 0.5 keeps the two largest of each
    d1 = torch.tensor([0.9, -0.1, 0.4, -0.05])  # keeps 0.9, 0.4
    d2 = torch.tensor([-0.2, -0.8, 0.05, 0.7])  # keeps -0.8, 0.7
    d3 = torch.tensor([-0.3, 0.02, -0.6, 0.01])  # keeps -0.3, -0.6
    # sums of kept: [0.6, -0.8, -0.2, 0.7] -> signs + - - +
    # agreeing kept values: p0 {0.9} ; p1 {-0.8} ; p2 {-0.6} ; p3 {0.7}
    expect = torch.tensor([0.9, -0.8, -0.6, 0.7])
    assert torch.allclose(ties_delta([d1, d2, d3], 0.5), expect)
    base = torch.tensor([1.0, 1.0, 1.0, 1.0])
    got = ties(base, [base + d1, base + d2, base + d3], alpha=0.5, density=0.5)
    assert torch.allclose(got, base + 0.5 * expect)


def test_ties_equals_peft_merge_utils():
    merge_utils = pytest.importorskip("peft.utils.merge_utils")
    generator = torch.Generator().manual_seed(0)
    deltas = [torch.randn(64, 32, generator=generator) for _ in range(3)]
    for density in (0.2, 0.5, 1.0):
        reference = merge_utils.ties(deltas, torch.ones(3), density)
        assert torch.allclose(ties_delta(deltas, density), reference, atol=1e-6)


def test_dare_keeps_a_seeded_fraction_rescaled():
    generator = torch.Generator().manual_seed(0)
    base = torch.randn(200, 100, generator=generator)
    tuned = [base + torch.randn(200, 100, generator=generator) for _ in range(2)]
    got = dare(base, tuned, alpha=1.0, density=0.3, seed=5, name="w")
    # reference: each model's kept entries (uniform draw < density, per seeded generator) scaled by 1/density
    reference = base.clone()
    for i, t in enumerate(tuned):
        keep = dare_mask(tuple(base.shape), 0.3, 5, "w", i)
        reference += torch.where(keep, (t - base) / 0.3, torch.zeros_like(base))
    assert torch.allclose(got, reference, atol=1e-5)
    kept = dare_mask((200, 100), 0.3, 5, "w", 0).float().mean().item()
    assert 0.28 < kept < 0.32
    assert torch.equal(got, dare(base, tuned, alpha=1.0, density=0.3, seed=5, name="w"))  # same seed, same mix
    assert not torch.equal(got, dare(base, tuned, alpha=1.0, density=0.3, seed=6, name="w"))
    assert not torch.equal(dare_mask((50,), 0.5, 5, "w", 0), dare_mask((50,), 0.5, 5, "v", 0))  # per tensor
    # one model, density 1: DARE is plain task arithmetic
    assert torch.allclose(dare(base, tuned[:1], 0.5, 1.0, 0, "w"), base + 0.5 * (tuned[0] - base), atol=1e-6)


def test_ties_and_dare_folders_are_reproducible(tmp_path):
    base = tiny_llama(tmp_path / "base")
    a, b = perturbed_copy(base, tmp_path / "a", seed=1), perturbed_copy(base, tmp_path / "b", seed=2)
    for method in ("ties", "dare"):
        spec = MixSpec(method, 1.0, density=0.5, seed=3)
        mix_folders(base, [a, b], tmp_path / f"{method}1", spec)
        mix_folders(base, [a, b], tmp_path / f"{method}2", spec)
        first, second = read_all(tmp_path / f"{method}1"), read_all(tmp_path / f"{method}2")
        assert all(torch.equal(first[k], second[k]) for k in first)
    base_t, a_t, b_t, ties_t = read_all(base), read_all(a), read_all(b), read_all(tmp_path / "ties1")
    for k in base_t:
        expect = base_t[k] + ties_delta([a_t[k] - base_t[k], b_t[k] - base_t[k]], 0.5)
        assert torch.allclose(ties_t[k], expect, atol=1e-6), k
