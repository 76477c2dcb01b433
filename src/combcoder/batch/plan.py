"""Cut the corpus into shards: runs of consecutive source files of about ``shard_bytes`` bytes.

Shards are planned from file sizes alone, before anything is read, so the plan is cheap and the
same on every run over the same inputs; a shard's fingerprint (paths, sizes, modification times
and manifest metadata of its files) tells a rerun whether its finished output is still valid.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from pathlib import Path

from ..ingest import Source


@dataclass(frozen=True)
class SourceRef:
    """A source file as a plain, picklable record (what a shard worker needs to read it)."""

    path: str
    doc_id: str
    group: str | None
    source_type: str
    metadata_json: str
    size: int
    mtime_ns: int

    @classmethod
    def from_source(cls, source: Source) -> "SourceRef":
        stat = Path(source.path).stat()
        return cls(
            path=str(Path(source.path).resolve()),
            doc_id=source.doc_id,
            group=source.group,
            source_type=source.source_type,
            metadata_json=json.dumps(source.metadata, sort_keys=True, ensure_ascii=False, default=str),
            size=stat.st_size,
            mtime_ns=stat.st_mtime_ns,
        )

    def to_source(self) -> Source:
        return Source(Path(self.path), self.doc_id, self.group, self.source_type, json.loads(self.metadata_json))


@dataclass(frozen=True)
class Shard:
    """One unit of work and of output: consecutive sources, written as part-<index>."""

    index: int
    sources: tuple[SourceRef, ...]

    @property
    def size(self) -> int:
        return sum(s.size for s in self.sources)

    @property
    def fingerprint(self) -> str:
        payload = json.dumps([list(vars(s).values()) for s in self.sources], ensure_ascii=False)
        return hashlib.sha256(payload.encode("utf-8")).hexdigest()


def plan_shards(sources: Iterable[Source], shard_bytes: int) -> Iterator[Shard]:
    """Yield shards of consecutive sources; a shard closes once it holds ``shard_bytes`` bytes."""
    index, batch, size = 0, [], 0
    for source in sources:
        ref = SourceRef.from_source(source)
        batch.append(ref)
        size += ref.size
        if size >= shard_bytes:
            yield Shard(index, tuple(batch))
            index, batch, size = index + 1, [], 0
    if batch:
        yield Shard(index, tuple(batch))
