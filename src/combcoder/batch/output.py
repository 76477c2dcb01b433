"""The batch job's output files: one Parquet shard (and optionally one JSONL file) per shard.

Rows are the lines of ``combcoder code``'s utterances.jsonl (see :func:`combcoder.pipeline.utterance_row`),
with one fixed Arrow schema so every shard reads back as one table. Files are written under a
temporary name starting with "." (which Parquet readers skip) and renamed into place, so a
reader, or a killed job, never sees half a shard.
"""

from __future__ import annotations

import io
import json
import os
from collections.abc import Sequence
from pathlib import Path

PARQUET_DIR = "parquet"
JSONL_DIR = "jsonl"


def require_pyarrow() -> None:
    """Raise MissingExtraError unless pyarrow (the batch extra) is installed."""
    try:
        import pyarrow  # noqa: F401
        import pyarrow.parquet  # noqa: F401
    except ImportError:
        from ..errors import MissingExtraError

        raise MissingExtraError("pyarrow", "batch") from None


def schema():
    """Return the Arrow schema of an output row."""
    import pyarrow as pa

    return pa.schema(
        [
            ("id", pa.string()),
            ("doc_id", pa.string()),
            ("turn_index", pa.int32()),
            ("start", pa.int64()),
            ("end", pa.int64()),
            ("text", pa.string()),
            ("speaker", pa.string()),
            ("role", pa.string()),
            ("group", pa.string()),
            ("source_type", pa.string()),
            ("codable", pa.bool_()),
            ("skip_reason", pa.string()),
            ("time_start", pa.float64()),
            ("time_end", pa.float64()),
            ("domain", pa.string()),
            ("domain_score", pa.float64()),
            ("polarity", pa.string()),
            ("polarity_score", pa.float64()),
            ("suggestions", pa.list_(pa.struct([("domain", pa.string()), ("score", pa.float64())]))),
            ("model", pa.string()),
        ]
    )


def shard_name(index: int, suffix: str) -> str:
    return f"part-{index:05d}.{suffix}"


class ShardWriter:
    """Collect one shard's rows chunk by chunk as Parquet (and JSONL) bytes in memory.

    A shard is a bounded slice of the corpus, so its compressed bytes are small; keeping them in
    memory lets the Ray engine ship a finished shard to the driver, which alone writes files.
    """

    def __init__(self, jsonl: bool = False):
        import pyarrow as pa
        import pyarrow.parquet as pq

        self._schema = schema()
        self._sink = pa.BufferOutputStream()
        self._writer = pq.ParquetWriter(self._sink, self._schema, compression="zstd")
        self._jsonl = io.BytesIO() if jsonl else None
        self.rows = 0

    def write(self, rows: Sequence[dict]) -> None:
        """Append rows (dicts with the schema's keys) as one row group."""
        import pyarrow as pa

        if not rows:
            return
        self._writer.write_table(pa.Table.from_pylist(list(rows), schema=self._schema))
        if self._jsonl is not None:
            for row in rows:
                self._jsonl.write((json.dumps(row, ensure_ascii=False) + "\n").encode("utf-8"))
        self.rows += len(rows)

    def finish(self) -> tuple[bytes, bytes | None]:
        """Close the shard; return its Parquet bytes and JSONL bytes (None when not asked for)."""
        if self.rows == 0:
            # An empty shard still gets a valid file with the schema, so every shard exists.
            import pyarrow as pa

            self._writer.write_table(pa.Table.from_pylist([], schema=self._schema))
        self._writer.close()
        parquet = self._sink.getvalue().to_pybytes()
        return parquet, self._jsonl.getvalue() if self._jsonl is not None else None


def write_atomic(path: Path, data: bytes) -> None:
    """Write ``data`` to ``path`` via a hidden temporary file, fsync and rename."""
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_name(f".{path.name}.tmp-{os.getpid()}")
    with open(tmp, "wb") as f:
        f.write(data)
        f.flush()
        os.fsync(f.fileno())
    os.replace(tmp, path)


def remove_temporaries(out_dir: Path) -> None:
    """Delete temporary files a killed run left behind."""
    for folder in (out_dir, out_dir / PARQUET_DIR, out_dir / JSONL_DIR, out_dir / "_checkpoint"):
        if folder.is_dir():
            for tmp in folder.glob(".*.tmp-*"):
                tmp.unlink(missing_ok=True)
