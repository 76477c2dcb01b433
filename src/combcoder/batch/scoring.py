"""Classify utterances fast: identical texts once, batches of similar length, threads set once.

``load_scorer`` picks the backend by name: ``torch`` runs the model as trained; ``onnx`` runs
its ONNX Runtime export (optionally int8-quantised, see :mod:`combcoder.batch.onnx`). Both give
the same :class:`~combcoder.records.Suggestion` records with the model's temperatures applied.
"""

from __future__ import annotations

import dataclasses
import os
from collections.abc import Callable, Sequence
from pathlib import Path

from ..errors import ConfigError
from ..records import Suggestion, Utterance

BACKENDS: tuple[str, ...] = ("torch", "onnx")


def available_cpus() -> int:
    """Return the CPUs this process may run on (its affinity, not the machine's count)."""
    try:
        return max(1, len(os.sched_getaffinity(0)))
    except AttributeError:  # not on Linux
        return max(1, os.cpu_count() or 1)


def default_threads() -> int:
    """Threads for one classifier: OMP_NUM_THREADS when set, else the CPUs available."""
    value = os.environ.get("OMP_NUM_THREADS", "")
    return int(value) if value.isdigit() and int(value) > 0 else available_cpus()


def set_torch_threads(threads: int) -> None:
    """Use ``threads`` intra-op threads; one inter-op thread (the job runs one model call at a time)."""
    import torch

    torch.set_num_threads(threads)
    try:
        torch.set_num_interop_threads(1)
    except RuntimeError:  # can only be set before torch's first parallel work; harmless then
        pass


class BucketedScorer:
    """Wrap a classifier: deduplicate texts and classify them in batches sorted by length.

    Padding is to the longest text of a batch, so sorting by length before batching keeps the
    encoder from spending most of its time on padding.
    """

    def __init__(self, classifier, batch_size: int = 64):
        if batch_size < 1:
            raise ConfigError(f"batch size must be >= 1, not {batch_size}")
        self.classifier = classifier
        self.batch_size = batch_size
        if hasattr(classifier, "batch_size"):
            classifier.batch_size = batch_size  # one suggest() call below is one encoder call
        self.texts_seen = 0
        self.texts_classified = 0

    @property
    def version(self) -> str:
        return self.classifier.version

    def __call__(
        self, utterances: Sequence[Utterance], known: dict[str, Suggestion] | None = None
    ) -> dict[str, Suggestion]:
        """Return a suggestion per utterance id; texts in ``known`` are not classified again.

        ``known`` (text -> suggestion) is updated with the texts classified here, so a caller
        can share it across calls (the batch job shares it within a shard).
        """
        known = {} if known is None else known
        todo = [t for t in dict.fromkeys(u.text for u in utterances) if t not in known]
        order = sorted(range(len(todo)), key=lambda i: len(todo[i]))
        for b in range(0, len(order), self.batch_size):
            texts = [todo[i] for i in order[b : b + self.batch_size]]
            for text, suggestion in zip(texts, self.classifier.suggest(texts, texts)):
                known[text] = suggestion
        self.texts_seen += len(utterances)
        self.texts_classified += len(todo)
        return {u.id: dataclasses.replace(known[u.text], id=u.id) for u in utterances}


def load_scorer(
    model: str | Path | None = None,
    *,
    backend: str = "torch",
    int8: bool = False,
    batch_size: int = 64,
    threads: int | None = None,
    log: Callable[[str], None] = lambda line: None,
) -> BucketedScorer:
    """Load the model (path, registry version, or the promoted one) behind ``backend``."""
    if backend not in BACKENDS:
        raise ConfigError(f"unknown backend {backend!r}; valid backends: {', '.join(BACKENDS)}")
    if int8 and backend != "onnx":
        raise ConfigError("int8 quantisation needs the onnx backend (--backend onnx --int8)")
    threads = threads or default_threads()
    from ..registry import resolve_model

    folder = resolve_model(model)
    if backend == "onnx":
        from .onnx import OnnxClassifier

        classifier = OnnxClassifier.load(folder, int8=int8, threads=threads, log=log)
    else:
        set_torch_threads(threads)
        from ..classify import load_classifier

        classifier = load_classifier(folder)  # on the GPU when there is one
    return BucketedScorer(classifier, batch_size)
