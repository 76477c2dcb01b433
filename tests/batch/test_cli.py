"""`combcoder batch` on the command line: help, a run, errors at the boundary, the ray extra."""

from __future__ import annotations

import sys

import pytest
from typer.testing import CliRunner

from combcoder.cli import app


runner = CliRunner()


def test_help_describes_every_option():
    result = runner.invoke(app, ["batch", "--help"])
    assert result.exit_code == 0
    for option in ("--out", "--manifest", "--engine", "--backend", "--int8", "--batch-size", "--jsonl", "--model",
                   "--shard-mb", "--restart", "resume"):
        assert option in result.output


def test_batch_command_writes_shards_and_reports(demo_corpus, models_root, tmp_path, read_rows):
    out = tmp_path / "out"
    result = runner.invoke(app, ["batch", str(demo_corpus), "-o", str(out), "--jsonl", "--shard-mb", "0.015"])
    assert result.exit_code == 0, result.output
    assert "3 shards (0 from an earlier run)" in result.output
    assert len(read_rows(out)) > 300 and len(list((out / "jsonl").glob("*.jsonl"))) == 3
    again = runner.invoke(app, ["batch", str(demo_corpus), "-o", str(out), "--jsonl", "--shard-mb", "0.015"])
    assert "3 shards (3 from an earlier run)" in again.output


def test_errors_exit_with_code_2(demo_corpus, models_root, tmp_path, monkeypatch):
    from combcoder.cli import main

    monkeypatch.setattr(sys, "argv", ["combcoder", "batch", str(demo_corpus), "-o", str(tmp_path / "o"),
                                      "--backend", "tensorflow"])
    with pytest.raises(SystemExit) as exit_info:
        main()
    assert exit_info.value.code == 2


def test_ray_engine_without_ray_names_the_extra(demo_corpus, models_root, tmp_path, monkeypatch):
    from combcoder.batch import run_batch
    from combcoder.errors import MissingExtraError

    monkeypatch.setitem(sys.modules, "ray", None)  # as if ray were not installed
    with pytest.raises(MissingExtraError, match=r"combcoder\[ray\]"):
        run_batch([demo_corpus / "hospital_fg.csv"], tmp_path / "out", engine="ray")
    assert not (tmp_path / "out").exists()  # refused before anything is written


def test_missing_batch_extra_is_named(demo_corpus, models_root, tmp_path, monkeypatch):
    from combcoder.batch import run_batch
    from combcoder.errors import MissingExtraError

    monkeypatch.setitem(sys.modules, "onnxruntime", None)  # as if the batch extra were missing
    with pytest.raises(MissingExtraError, match=r"combcoder\[batch\]"):
        run_batch([demo_corpus / "hospital_fg.csv"], tmp_path / "out", backend="onnx")
    monkeypatch.setitem(sys.modules, "pyarrow", None)
    with pytest.raises(MissingExtraError, match=r"'pyarrow'.*combcoder\[batch\]"):
        run_batch([demo_corpus / "hospital_fg.csv"], tmp_path / "out")
