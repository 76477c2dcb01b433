"""Process one shard: read its documents, segment them, classify in chunks, collect the rows.

A shard's output depends only on the shard's files and the job's settings (identical texts are
classified once within a shard, never shared across shards), so redoing a shard after a crash
gives the same rows, whichever engine or worker does it.
"""

from __future__ import annotations

import time
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, field

from ..errors import InputError
from ..pipeline import utterance_row
from ..records import Utterance
from ..segment import Segmenter
from .output import ShardWriter
from .plan import Shard

DEFAULT_CHUNK = 2048  # utterances classified together: bounds memory, feeds length bucketing


@dataclass
class ShardResult:
    """What one shard produced: its files' bytes and its counts."""

    index: int
    fingerprint: str
    documents: int = 0
    utterances: int = 0
    codable: int = 0
    classified: int = 0  # distinct texts sent to the model
    size: int = 0
    seconds: float = 0.0
    failed: list[tuple[str, str]] = field(default_factory=list)
    warnings: list[tuple[str, str]] = field(default_factory=list)
    counts: Counter = field(default_factory=Counter)  # (domain, polarity, group) -> n
    parquet: bytes = b""
    jsonl: bytes | None = None

    def marker(self) -> dict:
        """The checkpoint record of a finished shard (everything but the file bytes)."""
        return {
            "index": self.index, "fingerprint": self.fingerprint, "documents": self.documents,
            "utterances": self.utterances, "codable": self.codable, "classified": self.classified,
            "size": self.size, "seconds": round(self.seconds, 3),
            "failed": [list(f) for f in self.failed], "warnings": [list(w) for w in self.warnings],
            "counts": [[d, p, g, n] for (d, p, g), n in sorted(self.counts.items())],
        }


def process_shard(
    shard: Shard,
    scorer,
    segmenter: Segmenter,
    *,
    jsonl: bool = False,
    chunk_size: int = DEFAULT_CHUNK,
    on_progress: Callable[[int, int], None] | None = None,
) -> ShardResult:
    """Classify every codable utterance of ``shard``; ``on_progress(utterances, bytes)`` after each chunk.

    A file that cannot be read is recorded in ``result.failed`` and the others still run.
    """
    from ..ingest import read_source

    started = time.perf_counter()
    result = ShardResult(shard.index, shard.fingerprint, size=shard.size)
    writer = ShardWriter(jsonl=jsonl)
    known: dict = {}  # text -> suggestion: identical texts in a shard are classified once

    def flush(utterances: list[Utterance], size: int) -> None:
        coded = [u for u in utterances if u.codable]
        before = len(known)
        suggestions = scorer(coded, known) if coded else {}
        rows = []
        for utterance in utterances:
            suggestion = suggestions.get(utterance.id)
            rows.append(utterance_row(utterance, suggestion))
            if suggestion:
                result.counts[(suggestion.domain, suggestion.polarity, utterance.group or "")] += 1
        writer.write(rows)
        result.utterances += len(utterances)
        result.codable += len(coded)
        result.classified += len(known) - before
        if on_progress:
            on_progress(len(utterances), size)

    pending: list[Utterance] = []
    pending_bytes = 0  # source bytes read but not yet reported as done
    for ref in shard.sources:
        pending_bytes += ref.size
        try:
            document = read_source(ref.to_source())
        except InputError as error:
            result.failed.append((ref.path, str(error)))
            continue
        result.documents += 1
        result.warnings += [(ref.path, w) for w in document.metadata.get("warnings", [])]
        pending.extend(segmenter.segment(document))
        del document
        while len(pending) >= chunk_size:
            flush(pending[:chunk_size], pending_bytes)
            del pending[:chunk_size]
            pending_bytes = 0
    if pending or pending_bytes:
        flush(pending, pending_bytes)
    result.parquet, result.jsonl = writer.finish()
    result.seconds = time.perf_counter() - started
    return result
