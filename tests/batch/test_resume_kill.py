"""`kill -9` in the middle of `combcoder batch`, then the same command again: same output as one run."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from .conftest import SMALL_SHARDS, read_rows


def _command(corpus: Path, out: Path) -> list[str]:
    return [sys.executable, "-c", "from combcoder.cli import main; main()", "batch", str(corpus), "-o", str(out),
            "--shard-mb", str(SMALL_SHARDS), "--jsonl", "--batch-size", "16"]


def _env() -> dict:
    return os.environ | {"TOKENIZERS_PARALLELISM": "false", "HF_HUB_OFFLINE": "1"}


def _run(corpus: Path, out: Path) -> subprocess.CompletedProcess:
    done = subprocess.run(_command(corpus, out), env=_env(), capture_output=True, text=True, timeout=600)
    assert done.returncode == 0, done.stderr[-2000:]
    return done


def _kill_after(corpus: Path, out: Path, markers: int) -> int:
    """Start the job, SIGKILL it once ``markers`` shards are checkpointed; return how many were."""
    process = subprocess.Popen(_command(corpus, out), env=_env(), stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    deadline = time.monotonic() + 300
    try:
        while time.monotonic() < deadline and process.poll() is None:
            if len(list((out / "_checkpoint").glob("shard-*.json"))) >= markers:
                break
            time.sleep(0.01)
        assert process.poll() is None, "the job ended before it could be killed: " + process.stderr.read().decode()[-2000:]
        os.kill(process.pid, signal.SIGKILL)
        process.wait(timeout=30)
    finally:
        if process.poll() is None:
            process.kill()
        process.stderr.close()
    assert process.returncode == -signal.SIGKILL
    return len(list((out / "_checkpoint").glob("shard-*.json")))


@pytest.mark.slow
def test_kill_9_then_rerun_equals_an_uninterrupted_run(copies_corpus, models_root, tmp_path):
    reference = tmp_path / "reference"
    _run(copies_corpus, reference)
    expected = read_rows(reference)
    n_shards = len(list((reference / "parquet").glob("part-*.parquet")))
    assert n_shards >= 8

    out = tmp_path / "out"
    first = _kill_after(copies_corpus, out, markers=1)
    second = _kill_after(copies_corpus, out, markers=first + 2)  # killed again, later on
    assert 1 <= first < second < n_shards
    assert not (out / "summary.json").exists()
    done = _run(copies_corpus, out)
    assert f"({second} from an earlier run)" in done.stdout

    rows = read_rows(out)
    assert rows == expected
    ids = [r["id"] for r in rows]
    assert len(ids) == len(set(ids))
    for folder in ("parquet", "jsonl"):
        assert sorted(p.name for p in (out / folder).iterdir()) == sorted(p.name for p in (reference / folder).iterdir())
        for path in (out / folder).iterdir():
            if path.suffix == ".jsonl":
                assert path.read_bytes() == (reference / folder / path.name).read_bytes()
