"""The ray engine on a small local Ray instance: same rows as the local engine."""

from __future__ import annotations

import pytest

pytest.importorskip("ray")



@pytest.mark.slow
def test_ray_engine_matches_local_engine(demo_corpus, models_root, tmp_path, read_rows, small_shards):
    import ray

    from combcoder.batch import run_batch

    ray.init(num_cpus=2, include_dashboard=False, log_to_driver=False)
    try:
        reports = []
        summary = run_batch([demo_corpus], tmp_path / "ray", engine="ray", shard_mb=small_shards,
                            threads=1, on_progress=reports.append)
    finally:
        ray.shutdown()
    local = run_batch([demo_corpus], tmp_path / "local", shard_mb=small_shards, threads=1)
    assert summary.shards == 3 and summary.shards_resumed == 0
    a, b = read_rows(tmp_path / "ray"), read_rows(tmp_path / "local")
    assert [r["id"] for r in a] == [r["id"] for r in b]
    assert [(r["domain"], r["polarity"]) for r in a] == [(r["domain"], r["polarity"]) for r in b]
    assert summary.counts == local.counts
    assert reports[-1].shards_done == 3
