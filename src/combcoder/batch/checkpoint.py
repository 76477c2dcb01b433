"""The job's checkpoint: what job wrote this folder, and which shards are finished.

``_checkpoint/job.json`` holds the settings that decide the output (model, backend, segmentation,
shard size, formats); ``_checkpoint/shard-NNNNN.json`` is written after a shard's files are in
place, so a shard with a marker is complete. A marker counts only while its fingerprint matches
the shard planned now and its files exist; otherwise the shard is simply done again.
"""

from __future__ import annotations

import json
from pathlib import Path

from ..errors import ConfigError
from .output import JSONL_DIR, PARQUET_DIR, shard_name, write_atomic
from .plan import Shard

FOLDER = "_checkpoint"


class Checkpoint:
    """Finished-shard markers of one output folder."""

    def __init__(self, out_dir: Path, job: dict, *, restart: bool = False):
        self.out_dir = out_dir
        self.folder = out_dir / FOLDER
        self.job = job
        if restart:
            clear_output(out_dir)
        job_file = self.folder / "job.json"
        if job_file.is_file():
            previous = json.loads(job_file.read_text(encoding="utf-8"))
            if previous != job:
                changed = ", ".join(
                    f"{k}: {previous.get(k)!r} then, {job.get(k)!r} now"
                    for k in sorted(set(previous) | set(job)) if previous.get(k) != job.get(k)
                )
                raise ConfigError(
                    f"{out_dir} holds the output of a different batch job ({changed}); "
                    "rerun with the same settings to resume it, choose another output folder, "
                    "or pass --restart to discard it"
                )
        elif _has_output(out_dir):
            raise ConfigError(
                f"{out_dir} already holds shard files but no checkpoint; choose another output "
                "folder or pass --restart to discard them"
            )
        else:
            write_atomic(job_file, (json.dumps(job, indent=2, sort_keys=True) + "\n").encode("utf-8"))

    def _marker_path(self, index: int) -> Path:
        return self.folder / f"shard-{index:05d}.json"

    def files(self, index: int) -> list[Path]:
        files = [self.out_dir / PARQUET_DIR / shard_name(index, "parquet")]
        if self.job.get("jsonl"):
            files.append(self.out_dir / JSONL_DIR / shard_name(index, "jsonl"))
        return files

    def finished(self, shard: Shard) -> dict | None:
        """Return the shard's marker if its output is complete and still matches its files."""
        path = self._marker_path(shard.index)
        if not path.is_file():
            return None
        try:
            marker = json.loads(path.read_text(encoding="utf-8"))
        except (OSError, json.JSONDecodeError):
            return None
        if marker.get("fingerprint") != shard.fingerprint:
            return None
        if not all(f.is_file() for f in self.files(shard.index)):
            return None
        return marker

    def commit(self, result) -> dict:
        """Write a finished shard's files, then its marker (each atomically, in that order)."""
        parquet, *jsonl = self.files(result.index)
        write_atomic(parquet, result.parquet)
        if jsonl:
            write_atomic(jsonl[0], result.jsonl or b"")
        marker = result.marker()
        write_atomic(self._marker_path(result.index), (json.dumps(marker) + "\n").encode("utf-8"))
        return marker

    def drop_beyond(self, n_shards: int) -> None:
        """Remove shards numbered ``n_shards`` and above (left from an earlier, larger plan)."""
        for folder, pattern in ((self.out_dir / PARQUET_DIR, "part-*.parquet"),
                                (self.out_dir / JSONL_DIR, "part-*.jsonl"), (self.folder, "shard-*.json")):
            for path in folder.glob(pattern) if folder.is_dir() else []:
                index = int(path.stem.split("-")[1])
                if index >= n_shards:
                    path.unlink()


def _has_output(out_dir: Path) -> bool:
    return any((out_dir / PARQUET_DIR).glob("part-*.parquet")) if (out_dir / PARQUET_DIR).is_dir() else False


def clear_output(out_dir: Path) -> None:
    """Delete the files a batch job writes in ``out_dir`` (and nothing else)."""
    for name, pattern in ((PARQUET_DIR, "part-*.parquet"), (JSONL_DIR, "part-*.jsonl"),
                          (FOLDER, "*.json")):
        folder = out_dir / name
        if folder.is_dir():
            for path in list(folder.glob(pattern)) + list(folder.glob(".*.tmp-*")):
                path.unlink()
            if not any(folder.iterdir()):
                folder.rmdir()
    (out_dir / "summary.json").unlink(missing_ok=True)
