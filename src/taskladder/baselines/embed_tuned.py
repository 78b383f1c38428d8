"""``baseline/embed-tuned``: the embedding model tuned on the task's train split SetFit-style,
then the same logistic-regression head as ``baseline/embed-lr``.

The tuned encoder is saved under ``<home>/encoders/embed-tuned-<key>`` (key: the training
data and settings), so a refit on the same data reuses it and ``taskladder mix`` can mix it
with the original model.
"""

from __future__ import annotations

import json
import logging
from collections.abc import Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any

from ..embeddings import embed_texts
from ..embeddings.cache import EmbeddingCache
from ..embeddings.embed import embedding_cache
from ..errors import TaskladderError
from ..settings import Settings
from .builtin import EMBED_C
from .classifier import LinearClassifierBaseline
from .contrastive import TUNE_INFO, ContrastiveConfig, run_key, tune_encoder
from .neighbours import EmbedNeighbours

if TYPE_CHECKING:
    from ..task import Example

log = logging.getLogger(__name__)


class TunedEmbedFeatures:
    """Embeddings from the tuned encoder folder; cached by folder path, which names its training."""

    kind = "all-MiniLM-L6-v2 tuned contrastively on train, embeddings"

    def __init__(self, cache: EmbeddingCache | None = None):
        self.cache = cache
        self.folder: Path | None = None

    def fit_transform(self, texts: list[str]) -> Any:
        return self.transform(texts)

    def transform(self, texts: list[str]) -> Any:
        assert self.folder is not None, "tune the encoder before embedding"
        return embed_texts(texts, model=str(self.folder), cache=self.cache)


class EmbedTunedBaseline(LinearClassifierBaseline):
    def __init__(self, name: str, config: ContrastiveConfig | None = None, *, encoders_dir: Path | None = None,
                 embedding_cache: EmbeddingCache | None = None, settings: Settings | None = None):
        self.settings = settings or Settings.from_env()
        self.tuned_features = TunedEmbedFeatures(embedding_cache or _cache(self.settings))
        super().__init__(name, self.tuned_features, lambda: EmbedNeighbours(cache=embedding_cache), C=EMBED_C)
        self.config = config or ContrastiveConfig()
        self.encoders_dir = encoders_dir or self.settings.home / "encoders"
        self.tune_info: dict[str, Any] = {}
        self.method = (f"all-MiniLM-L6-v2 tuned on contrastive pairs of train (SetFit-style), then logistic "
                       f"regression (C={EMBED_C}) on its embeddings")

    @property
    def encoder_dir(self) -> Path | None:
        """The tuned sentence-transformers folder (after ``fit``): give it to ``taskladder mix``."""
        return self.tuned_features.folder

    def describe(self) -> dict[str, Any]:
        out = super().describe()
        if self.encoder_dir is not None:
            out["encoder"] = str(self.encoder_dir)
        return out

    def _fit(self, train: list[Example]) -> None:
        if not self.label_fields:
            raise TaskladderError(f"{self.name} needs a label output field to pair examples by; "
                                  "use baseline/embed-lr or knn-embed for this task")
        texts, labels = training_pairs(train, self.label_fields[0])
        folder = tuned_folder(self.encoders_dir, texts, labels, self.config)
        if (folder / TUNE_INFO).is_file():
            self.tune_info = json.loads((folder / TUNE_INFO).read_text())
        else:
            log.info("tuning the embedding model on %d training examples into %s", len(texts), folder)
            folder.parent.mkdir(parents=True, exist_ok=True)
            self.tune_info = tune_encoder(texts, labels, self.config, folder, self.settings)
        self.tuned_features.folder = folder
        super()._fit(train)


def training_pairs(train: Sequence[Example], field: str) -> tuple[list[str], list[str]]:
    """(input texts, labels of ``field``): what the encoder is tuned on."""
    return [e.input_text() for e in train], [str(e.outputs[field]) for e in train]


def tuned_folder(encoders_dir: Path, texts: list[str], labels: list[str], config: ContrastiveConfig) -> Path:
    """Where the encoder tuned on (texts, labels) with ``config`` is (or will be) saved."""
    return encoders_dir / f"embed-tuned-{run_key(texts, labels, config)}"


def contrastive_config(params: dict[str, Any]) -> ContrastiveConfig:
    """A pipeline spec's params as tuning settings; an unknown key is a one-line error."""
    known = set(ContrastiveConfig.__dataclass_fields__)
    unknown = sorted(set(params) - known)
    if unknown:
        raise TaskladderError(f"baseline/embed-tuned: unknown setting(s) {', '.join(unknown)}; "
                              f"known: {', '.join(sorted(known))}")
    return ContrastiveConfig(**params)


def _cache(settings: Settings) -> EmbeddingCache:
    return embedding_cache(settings)


def embed_tuned(name: str, *, embedding_cache: EmbeddingCache | None = None, **params: Any) -> EmbedTunedBaseline:
    """``params`` (a pipeline spec's): ContrastiveConfig fields, e.g. ``lr``, ``max_pairs``."""
    return EmbedTunedBaseline(name, contrastive_config(params), embedding_cache=embedding_cache)
