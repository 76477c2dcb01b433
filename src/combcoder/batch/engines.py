"""Engines that run the planned shards: ``local`` (this process) and ``ray`` (Ray Data actors).

Both call :func:`~combcoder.batch.work.process_shard` and hand each finished shard to
``commit``, which writes it and its checkpoint marker on the machine running the job, so the
output folder need not be shared with a cluster. The ``ray`` engine needs the input files and
the model folder at the same paths on every node.
"""

from __future__ import annotations

import os
import pickle
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass

from ..errors import MissingExtraError
from ..segment import Segmenter
from .plan import Shard
from .work import ShardResult, process_shard

ENGINES: tuple[str, ...] = ("local", "ray")


@dataclass(frozen=True)
class JobSettings:
    """Everything a worker needs to turn a shard into rows (plain values: it travels to actors)."""

    model_folder: str
    backend: str = "torch"
    int8: bool = False
    batch_size: int = 64
    threads: int | None = None
    jsonl: bool = False
    mode: str = "turn"
    max_chars: int = 400
    chunk_size: int = 2048

    def segmenter(self) -> Segmenter:
        return Segmenter(mode=self.mode, max_chars=self.max_chars)

    def scorer(self, threads: int | None = None):
        from .scoring import load_scorer

        return load_scorer(self.model_folder, backend=self.backend, int8=self.int8,
                           batch_size=self.batch_size, threads=threads or self.threads)


Commit = Callable[[ShardResult], None]


def run_local(shards: Sequence[Shard], settings: JobSettings, commit: Commit,
              on_loaded: Callable[[float], None], on_chunk: Callable[[int, int], None]) -> None:
    """Run the shards one after another in this process, the model loaded once."""
    started = time.perf_counter()
    scorer = settings.scorer()
    segmenter = settings.segmenter()
    on_loaded(time.perf_counter() - started)
    for shard in shards:
        commit(process_shard(shard, scorer, segmenter, jsonl=settings.jsonl,
                             chunk_size=settings.chunk_size, on_progress=on_chunk))


class _ShardWorker:
    """A Ray Data actor: loads the classifier once, then turns shards into results."""

    def __init__(self, settings: JobSettings, threads: int):
        os.environ.setdefault("TOKENIZERS_PARALLELISM", "false")
        self.settings = settings
        self.scorer = settings.scorer(threads)
        self.segmenter = settings.segmenter()

    def __call__(self, batch: dict) -> dict:
        results = []
        for payload in batch["shard"]:
            shard = pickle.loads(payload)
            result = process_shard(shard, self.scorer, self.segmenter, jsonl=self.settings.jsonl,
                                   chunk_size=self.settings.chunk_size)
            results.append(pickle.dumps(result))
        return {"result": results}


def ray_resources(actors: int | None, threads: int | None) -> tuple[int, int, int]:
    """Return (actors, CPUs per actor, GPUs per actor) for the connected Ray cluster."""
    import ray

    resources = ray.cluster_resources()
    cpus, gpus = int(resources.get("CPU", 1)), int(resources.get("GPU", 0))
    if gpus:
        # One GPU per actor; its CPUs only tokenise and segment.
        n = min(actors or gpus, gpus)
        return n, max(1, min(threads or 2, cpus // n)), 1
    per_actor = max(1, min(threads or min(4, cpus), cpus))
    return max(1, actors or cpus // per_actor), per_actor, 0


def require_ray():
    """Return the ray module (with Ray Data); MissingExtraError when the ray extra is not installed."""
    try:
        import ray
        import ray.data  # noqa: F401
    except ImportError:
        raise MissingExtraError("ray", "ray") from None
    return ray


def run_ray(shards: Sequence[Shard], settings: JobSettings, commit: Commit, *, actors: int | None = None,
            log: Callable[[str], None] = lambda line: None) -> None:
    """Run the shards on Ray Data: an actor pool of classifiers, one GPU per actor when there are GPUs.

    Connects to the cluster in ``RAY_ADDRESS`` when set, else starts a local Ray instance (and
    stops it afterwards). Finished shards stream back to this process in completion order.
    """
    ray = require_ray()
    started_here = not ray.is_initialized()
    if started_here:
        address = os.environ.get("RAY_ADDRESS") or None
        ray.init(address=address, include_dashboard=False, log_to_driver=False,
                 configure_logging=False, ignore_reinit_error=True)
    try:
        n_actors, cpus, gpus = ray_resources(actors, settings.threads)
        log(f"ray: {n_actors} classifier actor(s), {cpus} CPU(s)" + (f" and {gpus} GPU" if gpus else "") + " each")
        context = ray.data.DataContext.get_current()
        context.enable_progress_bars = False
        dataset = ray.data.from_items(
            [{"shard": pickle.dumps(shard)} for shard in shards], override_num_blocks=len(shards)
        ).map_batches(
            _ShardWorker,
            fn_constructor_kwargs={"settings": settings, "threads": cpus},
            batch_size=1,
            concurrency=n_actors,
            num_cpus=cpus,
            num_gpus=gpus,
            batch_format="numpy",
        )
        for row in dataset.iter_rows():
            commit(pickle.loads(row["result"]))
    finally:
        if started_here:
            ray.shutdown()
