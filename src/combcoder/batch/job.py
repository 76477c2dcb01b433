"""``run_batch``: the corpus-scale job (plan shards, skip finished ones, run an engine, summarise)."""

from __future__ import annotations

import json
import time
from collections import Counter
from collections.abc import Callable, Iterable
from dataclasses import asdict, dataclass, field
from pathlib import Path

from ..errors import ConfigError, InputError
from ..segment import MODES
from .checkpoint import Checkpoint
from .engines import ENGINES, JobSettings, require_ray, run_local, run_ray
from .output import JSONL_DIR, PARQUET_DIR, remove_temporaries, require_pyarrow, write_atomic
from .plan import Shard, plan_shards
from .scoring import BACKENDS
from .work import DEFAULT_CHUNK, ShardResult

FORMAT_VERSION = 1
MANIFEST_SUFFIXES = (".yaml", ".yml")


@dataclass
class Progress:
    """Where a running job stands; ``rate`` and ``eta_s`` cover this run only (not resumed shards)."""

    shards_done: int
    shards_total: int
    bytes_done: int
    bytes_total: int
    utterances: int
    elapsed_s: float
    rate: float  # utterances per second in this run
    eta_s: float | None  # from bytes still to read at this run's bytes-per-second

    @property
    def fraction(self) -> float:
        return self.bytes_done / self.bytes_total if self.bytes_total else 1.0


@dataclass
class BatchSummary:
    """What a batch job wrote; counts cover the whole output, resumed shards included."""

    out_dir: str
    shards: int = 0
    shards_resumed: int = 0  # finished by an earlier run and kept
    documents: int = 0
    utterances: int = 0
    codable: int = 0
    classified_this_run: int = 0  # distinct texts the model saw in this run
    utterances_this_run: int = 0
    seconds: float = 0.0  # this run, after the model was loaded
    load_seconds: float | None = None
    failed: list[tuple[str, str]] = field(default_factory=list)
    warnings: list[tuple[str, str]] = field(default_factory=list)
    counts: Counter = field(default_factory=Counter)  # (domain, polarity, group) -> n

    @property
    def rate(self) -> float:
        """Utterances per second in this run (model loading excluded)."""
        return self.utterances_this_run / self.seconds if self.seconds else 0.0

    def to_dict(self) -> dict:
        data = asdict(self)
        data["counts"] = [
            {"domain": d, "polarity": p, "group": g, "n": n} for (d, p, g), n in sorted(self.counts.items())
        ]
        data["rate"] = round(self.rate, 2)
        return data


def run_batch(
    inputs: Iterable[str | Path],
    out_dir: str | Path,
    *,
    manifest: str | Path | None = None,
    model: str | Path | None = None,
    engine: str = "local",
    backend: str = "torch",
    int8: bool = False,
    batch_size: int = 64,
    jsonl: bool = False,
    shard_mb: float = 1.0,
    mode: str = "turn",
    max_chars: int = 400,
    threads: int | None = None,
    actors: int | None = None,
    restart: bool = False,
    chunk_size: int = DEFAULT_CHUNK,
    on_progress: Callable[[Progress], None] | None = None,
    log: Callable[[str], None] = lambda line: None,
) -> BatchSummary:
    """Code a corpus of any size into Parquet shards under ``out_dir``, resuming an interrupted run.

    ``inputs`` are files, folders, globs or a YAML manifest. The corpus is cut into shards of
    about ``shard_mb`` MB of source files; each finished shard is written atomically and
    checkpointed, so rerunning the same call after a crash finishes the job with the same rows.
    """
    paths, manifest = _split_inputs(list(inputs), manifest)
    checks = [
        (engine in ENGINES, f"unknown engine {engine!r}; valid engines: {', '.join(ENGINES)}"),
        (backend in BACKENDS, f"unknown backend {backend!r}; valid backends: {', '.join(BACKENDS)}"),
        (not int8 or backend == "onnx", "int8 quantisation needs the onnx backend (--backend onnx --int8)"),
        (batch_size >= 1, f"batch size must be >= 1, not {batch_size}"),
        (chunk_size >= 1, f"chunk size must be >= 1, not {chunk_size}"),
        (shard_mb > 0, f"shard size must be > 0 MB, not {shard_mb}"),
        (mode in MODES, f"segment mode must be one of {', '.join(MODES)}, not {mode!r}"),
        (max_chars >= 1, f"max chars must be >= 1, not {max_chars}"),
        (threads is None or threads >= 1, f"threads must be >= 1, not {threads}"),
        (actors is None or actors >= 1, f"actors must be >= 1, not {actors}"),
    ]
    for ok, message in checks:
        if not ok:
            raise ConfigError(message)
    require_pyarrow()
    if backend == "onnx":
        from .onnx import require_onnxruntime

        require_onnxruntime()
    if engine == "ray":
        require_ray()
    if not paths and manifest is None:
        raise InputError(".", "no input given", hint="pass transcript files, folders, globs or a manifest")
    out = Path(out_dir)
    if out.exists() and not out.is_dir():
        raise InputError(out, "the output must be a folder, and this is a file")
    return _run(paths, manifest, out, model=model, engine=engine, backend=backend, int8=int8,
                batch_size=batch_size, jsonl=jsonl, shard_bytes=max(1, int(shard_mb * 1_000_000)),
                mode=mode, max_chars=max_chars, threads=threads, actors=actors, restart=restart,
                chunk_size=chunk_size, on_progress=on_progress, log=log)


def _split_inputs(inputs: list, manifest):
    """Treat a YAML input, or one named manifest.csv, as the manifest (at most one)."""
    paths = []
    for given in inputs:
        path = Path(given)
        if path.is_file() and (path.suffix.lower() in MANIFEST_SUFFIXES or path.name.lower() == "manifest.csv"):
            if manifest is not None and Path(manifest).resolve() != path.resolve():
                raise InputError(path, f"a second manifest (already using {manifest})", hint="merge them into one")
            manifest = path
        else:
            paths.append(given)
    return paths, manifest


def _run(paths, manifest, out: Path, *, model, engine, backend, int8, batch_size, jsonl, shard_bytes,
         mode, max_chars, threads, actors, restart, chunk_size, on_progress, log) -> BatchSummary:
    from ..classify.base import read_model_json
    from ..ingest import iter_sources
    from ..registry import resolve_model

    sources = list(iter_sources(paths, manifest))
    shards = list(plan_shards(sources, shard_bytes))
    folder = resolve_model(model).resolve()
    version = read_model_json(folder)["version"]
    job = {
        "format": FORMAT_VERSION, "model": version, "backend": backend, "int8": int8,
        "segment": {"mode": mode, "max_chars": max_chars}, "shard_bytes": shard_bytes, "jsonl": jsonl,
    }
    out.mkdir(parents=True, exist_ok=True)
    remove_temporaries(out)
    checkpoint = Checkpoint(out, job, restart=restart)
    markers: dict[int, dict] = {}
    todo: list[Shard] = []
    for shard in shards:
        marker = checkpoint.finished(shard)
        if marker is None:
            todo.append(shard)
        else:
            markers[shard.index] = marker
    summary = BatchSummary(str(out), shards=len(shards), shards_resumed=len(markers))
    tracker = _Tracker(shards, markers, on_progress)
    log(f"{len(sources)} files in {len(shards)} shards; {len(markers)} already done, {len(todo)} to run")

    def commit(result: ShardResult) -> None:
        markers[result.index] = checkpoint.commit(result)
        summary.classified_this_run += result.classified
        summary.utterances_this_run += result.utterances
        tracker.shard_done(result)

    if todo:
        settings = JobSettings(str(folder), backend, int8, batch_size, threads, jsonl, mode, max_chars, chunk_size)
        if backend == "onnx":
            from .onnx import ensure_onnx

            ensure_onnx(folder, int8=int8, log=log)  # export once, before any worker starts
        if engine == "ray":
            tracker.start()
            run_ray(todo, settings, commit, actors=actors, log=log)
        else:
            def loaded(seconds: float) -> None:
                summary.load_seconds = round(seconds, 3)
                tracker.start()

            run_local(todo, settings, commit, loaded, tracker.chunk_done)
        summary.seconds = round(tracker.elapsed(), 3)
    checkpoint.drop_beyond(len(shards))
    _add_markers(summary, [markers[i] for i in sorted(markers)])
    # summary.json describes the output, so it leaves out what varies from run to run.
    per_run = ("out_dir", "shards_resumed", "classified_this_run", "utterances_this_run", "seconds",
               "load_seconds", "rate")
    report = {k: v for k, v in summary.to_dict().items() if k not in per_run}
    report |= {"job": job, "parquet": PARQUET_DIR, "jsonl": JSONL_DIR if jsonl else None}
    write_atomic(out / "summary.json", (json.dumps(report, indent=2) + "\n").encode("utf-8"))
    return summary


def _add_markers(summary: BatchSummary, markers: list[dict]) -> None:
    """Total the finished shards' counts into ``summary``."""
    for marker in markers:
        summary.documents += marker["documents"]
        summary.utterances += marker["utterances"]
        summary.codable += marker["codable"]
        summary.failed += [tuple(f) for f in marker["failed"]]
        summary.warnings += [tuple(w) for w in marker["warnings"]]
        for d, p, g, n in marker["counts"]:
            summary.counts[(d, p, g)] += n


class _Tracker:
    """Turn chunk and shard completions into :class:`Progress` reports."""

    def __init__(self, shards: list[Shard], markers: dict[int, dict], callback):
        self.callback = callback
        self.total = sum(s.size for s in shards)
        self.shards_total = len(shards)
        self.sizes = {s.index: s.size for s in shards}
        self.shards_done = len(markers)
        self.bytes_done = sum(self.sizes[i] for i in markers)
        self.utterances = sum(m["utterances"] for m in markers.values())
        self.bytes_at_start = self.bytes_done
        self.utterances_at_start = self.utterances
        self.started = time.perf_counter()
        self._shard_bytes = 0  # of the running shard, reported by chunks so far
        self._shard_utterances = 0
        self.report()

    def start(self) -> None:
        """Restart the clock (after the model is loaded) and report."""
        self.started = time.perf_counter()
        self.report()

    def elapsed(self) -> float:
        return time.perf_counter() - self.started

    def chunk_done(self, utterances: int, size: int) -> None:
        self._shard_utterances += utterances
        self._shard_bytes += size
        self.report()

    def shard_done(self, result: ShardResult) -> None:
        self.shards_done += 1
        self.bytes_done += self.sizes[result.index]
        self.utterances += result.utterances
        self._shard_bytes = self._shard_utterances = 0
        self.report()

    def report(self) -> None:
        if not self.callback:
            return
        elapsed = self.elapsed()
        done_bytes = self.bytes_done + self._shard_bytes
        utterances = self.utterances + self._shard_utterances
        run_bytes = done_bytes - self.bytes_at_start
        run_utterances = utterances - self.utterances_at_start
        eta = (self.total - done_bytes) * elapsed / run_bytes if run_bytes > 0 and elapsed > 0 else None
        self.callback(Progress(
            shards_done=self.shards_done, shards_total=self.shards_total, bytes_done=done_bytes,
            bytes_total=self.total, utterances=utterances, elapsed_s=elapsed,
            rate=run_utterances / elapsed if elapsed > 0 else 0.0, eta_s=eta,
        ))
