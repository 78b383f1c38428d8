"""Tiny model folders for the mix tests, built from a config in code (no download)."""

from __future__ import annotations

from pathlib import Path

VOCAB = ["[PAD]", "[UNK]", "[CLS]", "[SEP]", "[MASK]", "the", "a", "cat", "dog", "sat", "ran", "on", "mat",
         "fast", "slow", "big", "small", "red", "blue", "green"]


def tiny_llama(folder: Path, *, seed: int = 0, dtype: str = "float32", hidden: int = 16) -> Path:
    import torch
    from transformers import LlamaConfig, LlamaForCausalLM

    torch.manual_seed(seed)
    config = LlamaConfig(vocab_size=48, hidden_size=hidden, intermediate_size=32, num_hidden_layers=2,
                         num_attention_heads=2, num_key_value_heads=2, max_position_embeddings=32,
                         tie_word_embeddings=False)
    model = LlamaForCausalLM(config).to(getattr(torch, dtype))
    model.save_pretrained(str(folder), safe_serialization=True)
    return folder


def tiny_sentence_transformer(folder: Path, *, seed: int = 0) -> Path:
    """A sentence-transformers folder (BERT + mean pooling) with a word-level vocab."""
    import torch
    from sentence_transformers import SentenceTransformer, models
    from transformers import BertConfig, BertModel, BertTokenizerFast

    bert_dir = folder.parent / f"{folder.name}-bert"
    bert_dir.mkdir(parents=True, exist_ok=True)
    (bert_dir / "vocab.txt").write_text("\n".join(VOCAB) + "\n")
    BertTokenizerFast(vocab_file=str(bert_dir / "vocab.txt")).save_pretrained(str(bert_dir))
    torch.manual_seed(seed)
    BertModel(BertConfig(vocab_size=len(VOCAB), hidden_size=16, num_hidden_layers=2, num_attention_heads=2,
                         intermediate_size=32, max_position_embeddings=32)).save_pretrained(str(bert_dir))
    word = models.Transformer(str(bert_dir), max_seq_length=16)
    pooling = models.Pooling(word.get_word_embedding_dimension(), pooling_mode="mean")
    SentenceTransformer(modules=[word, pooling], device="cpu").save(str(folder))
    return folder


def perturbed_copy(source: Path, dest: Path, *, seed: int = 1, scale: float = 0.05) -> Path:
    """``source`` with every float tensor moved by seeded noise: a stand-in for a fine-tune."""
    import shutil

    import torch
    from safetensors.torch import load_file, save_file

    shutil.copytree(source, dest)
    generator = torch.Generator().manual_seed(seed)
    for file in dest.glob("*.safetensors"):
        tensors = load_file(str(file))
        moved = {k: (v + scale * torch.randn(v.shape, generator=generator).to(v.dtype)) if v.is_floating_point()
                 else v for k, v in tensors.items()}
        save_file(moved, str(file), metadata={"format": "pt"})
    return dest


def read_all(folder: Path) -> dict:
    from safetensors.torch import load_file

    out: dict = {}
    for file in sorted(folder.glob("*.safetensors")):
        out.update(load_file(str(file)))
    return out
