"""Batch classification at corpus scale: streaming, resumable, distributed, fast.

The job (``combcoder batch`` / :func:`run_batch`)::

    sources --plan--> shards --engine--> [read -> segment -> classify in chunks] --> part-NNNNN.parquet
                                                                                   + checkpoint marker

- **plan** (:mod:`.plan`): the input files, in order, cut into shards of about ``shard_mb`` MB,
  from file sizes alone.
- **work** (:mod:`.work`): one shard at a time, one document at a time, classified in chunks of
  utterances, so memory is bounded by a shard, never by the corpus.
- **scoring** (:mod:`.scoring`): identical texts classified once, batches sorted by length,
  threads set once; backend ``torch`` or ``onnx`` (:mod:`.onnx`, optional int8).
- **engines** (:mod:`.engines`): ``local`` (this process) or ``ray`` (Ray Data actor pool, one
  GPU per actor when there are GPUs).
- **output/checkpoint** (:mod:`.output`, :mod:`.checkpoint`): each shard's files are written
  under a temporary name and renamed, then its marker; a rerun skips marked shards, so a
  killed job resumes and ends with the same rows as an uninterrupted one.
"""

from .engines import ENGINES
from .job import BatchSummary, Progress, run_batch
from .scoring import BACKENDS

__all__ = ["BACKENDS", "ENGINES", "BatchSummary", "Progress", "run_batch"]
