"""The batch job on the fixture model: same rows as `combcoder code`, resuming, settings, failures."""

from __future__ import annotations

import json
import os
from pathlib import Path

import pytest

from combcoder.batch import run_batch
from combcoder.errors import ConfigError, InputError



def test_rows_match_the_code_command(demo_corpus, models_root, tmp_path, read_rows, small_shards):
    from combcoder.pipeline import code_corpus
    from combcoder.registry import load_model

    out = tmp_path / "out"
    summary = run_batch([demo_corpus], out, shard_mb=small_shards, jsonl=True)
    code_corpus([demo_corpus], tmp_path / "code", classifier=load_model())
    expected = [json.loads(line) for line in (tmp_path / "code" / "utterances.jsonl").read_text().splitlines()]

    rows = read_rows(out)
    assert [r["id"] for r in rows] == [e["id"] for e in expected]
    assert summary.shards == 3 and len(list((out / "parquet").glob("part-*.parquet"))) == 3
    for row, want in zip(rows, expected):
        assert row["text"] == want["text"] and row["codable"] == want["codable"]
        assert row["domain"] == want["domain"] and row["polarity"] == want["polarity"]
        if want["domain"] is not None:
            assert row["domain_score"] == pytest.approx(want["domain_score"], abs=2e-3)
            assert [s["domain"] for s in row["suggestions"]][:1] == [want["suggestions"][0]["domain"]]
    assert summary.utterances == len(rows) and summary.codable == sum(r["domain"] is not None for r in rows)
    # The JSONL files hold the same rows.
    jsonl = [json.loads(line) for p in sorted((out / "jsonl").glob("part-*.jsonl")) for line in p.read_text().splitlines()]
    assert jsonl == rows
    written = json.loads((out / "summary.json").read_text())
    assert written["utterances"] == len(rows) and written["job"]["backend"] == "torch"


def test_rerun_skips_finished_shards_and_redoes_changed_files(demo_corpus, models_root, tmp_path, read_rows,
                                                             small_shards):
    out = tmp_path / "out"
    first = run_batch([demo_corpus], out, shard_mb=small_shards)
    rows = read_rows(out)
    again = run_batch([demo_corpus], out, shard_mb=small_shards)
    assert again.shards_resumed == 3 and again.utterances_this_run == 0
    assert read_rows(out) == rows
    assert (again.utterances, again.codable, again.counts) == (first.utterances, first.codable, first.counts)

    # A changed file invalidates its shard only.
    vtt = demo_corpus / "primary_care_fg.vtt"
    vtt.write_text(vtt.read_text(encoding="utf-8") + "\n", encoding="utf-8")
    os.utime(vtt, ns=(vtt.stat().st_atime_ns, vtt.stat().st_mtime_ns + 10**9))
    third = run_batch([demo_corpus], out, shard_mb=small_shards)
    assert third.shards_resumed == 2 and third.utterances_this_run > 0
    assert read_rows(out) == rows


def test_a_different_job_in_the_same_folder_is_refused_unless_restarted(demo_corpus, models_root, tmp_path):
    out = tmp_path / "out"
    run_batch([demo_corpus / "hospital_fg.csv"], out)
    with pytest.raises(ConfigError, match="different batch job.*max_chars"):
        run_batch([demo_corpus / "hospital_fg.csv"], out, max_chars=200)
    summary = run_batch([demo_corpus / "hospital_fg.csv"], out, max_chars=200, restart=True)
    assert summary.shards_resumed == 0 and summary.utterances_this_run > 0


def test_fewer_inputs_on_rerun_drop_the_stale_shards(demo_corpus, models_root, tmp_path, read_rows, small_shards):
    out = tmp_path / "out"
    run_batch([demo_corpus], out, shard_mb=small_shards)
    (demo_corpus / "primary_care_fg.vtt").unlink()
    (demo_corpus / "patients_fg.txt").unlink()
    summary = run_batch([demo_corpus], out, shard_mb=small_shards)
    assert summary.shards == 1
    assert sorted(p.name for p in (out / "parquet").iterdir()) == ["part-00000.parquet"]
    assert {r["doc_id"] for r in read_rows(out)} == {"hospital_fg"}


def test_chunks_bound_what_is_held_and_progress_reaches_the_end(demo_corpus, models_root, tmp_path):
    import pyarrow.parquet as pq

    reports = []
    summary = run_batch([demo_corpus], tmp_path / "out", chunk_size=40, on_progress=reports.append)
    (part,) = (tmp_path / "out" / "parquet").glob("part-*.parquet")
    metadata = pq.ParquetFile(part).metadata
    assert metadata.num_rows == summary.utterances
    assert max(metadata.row_group(i).num_rows for i in range(metadata.num_row_groups)) <= 40
    assert metadata.num_row_groups >= summary.utterances // 40
    done = [r.utterances for r in reports]
    assert done == sorted(done) and done[-1] == summary.utterances
    assert reports[-1].fraction == 1.0 and reports[-1].eta_s == pytest.approx(0.0)
    assert any(r.eta_s and r.eta_s > 0 for r in reports[:-1]) and reports[-1].rate > 0


def test_manifest_input_carries_metadata_and_unreadable_files_are_reported(models_root, tmp_path, read_rows):
    folder = tmp_path / "corpus"
    folder.mkdir()
    (folder / "good.txt").write_bytes((Path(__file__).resolve().parents[2] / "data" / "demo" / "patients_fg.txt").read_bytes())
    (folder / "broken.txt").write_bytes(b"\x00\x01\x02binary\x00" * 50)
    (folder / "manifest.yaml").write_text(
        "documents:\n  - {path: good.txt, id: good, group: patients}\n  - {path: broken.txt, id: broken}\n"
    )
    summary = run_batch([folder / "manifest.yaml"], tmp_path / "out")
    assert [Path(p).name for p, _ in summary.failed] == ["broken.txt"]
    rows = read_rows(tmp_path / "out")
    assert rows and {r["group"] for r in rows} == {"patients"} and {r["doc_id"] for r in rows} == {"good"}


def test_inputs_and_settings_are_checked_first(tmp_path, models_root, demo_corpus):
    with pytest.raises(ConfigError, match="valid engines: local, ray"):
        run_batch([demo_corpus], tmp_path / "out", engine="spark")
    with pytest.raises(ConfigError, match="onnx backend"):
        run_batch([demo_corpus], tmp_path / "out", int8=True)
    with pytest.raises(InputError, match="no input"):
        run_batch([], tmp_path / "out")
    with pytest.raises(InputError, match="file not found"):
        run_batch([tmp_path / "missing.txt"], tmp_path / "out")
    assert not (tmp_path / "out").exists()
