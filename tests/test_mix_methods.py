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


def test_magnitude_cut_keeps_exactly_k_and_splits_ties_in_row_order():
    from taskladder.mix.methods import magnitude_cut, magnitude_trim

    delta = torch.tensor([1.0, 2.0, 2.0, 2.0, 3.0, -2.0, 0.5, 0.0])
    assert magnitude_trim(delta, 0.375).tolist() == [0.0, 2.0, 2.0, 0.0, 3.0, 0.0, 0.0, 0.0]  # k = 3
    blocks = [delta[:2], delta[2:3], delta[3:]]  # the same cut found and applied over row blocks
    cut = magnitude_cut(lambda: blocks, 8, 0.375, torch.float32)
    assert torch.cat([cut.apply(b) for b in blocks]).tolist() == [0.0, 2.0, 2.0, 0.0, 3.0, 0.0, 0.0, 0.0]
    generator = torch.Generator().manual_seed(0)
    for dtype in (torch.float32, torch.float64):
        d = torch.randn(300, 70, generator=generator, dtype=dtype)
        for density in (0.001, 0.2, 0.9):
            k = max(1, int(density * d.numel()))
            top = torch.topk(d.abs().reshape(-1), k).indices
            expect = torch.zeros_like(d)
            expect.view(-1)[top] = d.view(-1)[top]
            rows = [d[i : i + 70] for i in range(0, 300, 70)]  # 5 blocks, the last short
            cut = magnitude_cut(lambda rows=rows: rows, d.numel(), density, dtype)
            assert torch.equal(torch.cat([cut.apply(r) for r in rows]), expect), (dtype, density)


def test_dare_masks_do_not_depend_on_the_block_size(monkeypatch):
    from taskladder.mix import methods
    from taskladder.mix.methods import dare_keep

    monkeypatch.setattr(methods, "DARE_CHUNK", 64)  # many chunks in a small tensor
    whole = dare_keep(0, 1000, 1000, 0.4, 9, "w", 1)
    parts = torch.cat([dare_keep(s, min(77, 1000 - s), 1000, 0.4, 9, "w", 1) for s in range(0, 1000, 77)])
    assert torch.equal(whole, parts)
    assert not torch.equal(whole, dare_keep(0, 1000, 1000, 0.4, 10, "w", 1))  # the seed matters
    assert not torch.equal(whole[:64], whole[64:128])  # each chunk draws its own mask


@pytest.mark.parametrize("method", ["ties", "dare"])
def test_ties_and_dare_stream_row_blocks_bit_for_bit(tmp_path, monkeypatch, method):
    from taskladder.mix import methods, stream

    base = tiny_llama(tmp_path / "base")
    a, b = perturbed_copy(base, tmp_path / "a", seed=1), perturbed_copy(base, tmp_path / "b", seed=2)
    spec = MixSpec(method, 0.7, density=0.3, seed=4)
    whole = mix_folders(base, [a, b], tmp_path / "whole", spec)
    monkeypatch.setattr(stream, "BLOCK_ELEMENTS", 100)  # a few rows per block
    monkeypatch.setattr(methods, "DARE_CHUNK", 150)  # masks drawn in chunks the blocks straddle
    blocks = mix_folders(base, [a, b], tmp_path / "blocks", spec)
    chunked = read_all(tmp_path / "blocks")
    monkeypatch.setattr(stream, "BLOCK_ELEMENTS", 1024**2)
    mix_folders(base, [a, b], tmp_path / "whole-chunked", spec)
    assert blocks.peak_tensor_bytes_held < blocks.largest_tensor_bytes < whole.peak_tensor_bytes_held
    expect = read_all(tmp_path / "whole-chunked" if method == "dare" else tmp_path / "whole")
    assert all(torch.equal(chunked[k], expect[k]) for k in expect)
    if method == "dare":  # another seed, another mix
        mix_folders(base, [a, b], tmp_path / "seed5", MixSpec(method, 0.7, density=0.3, seed=5))
        other = read_all(tmp_path / "seed5")
        assert any(not torch.equal(other[k], expect[k]) for k in expect)
