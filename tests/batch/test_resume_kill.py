"""`kill -9` in the middle of `combcoder batch`, then the same command again: same output as one run."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

SHARD_MB = 0.002  # each small transcript closes a shard of its own


def _command(corpus: Path, out: Path) -> list[str]:
    return [sys.executable, "-c", "from combcoder.cli import main; main()", "batch", str(corpus), "-o", str(out),
            "--shard-mb", str(SHARD_MB), "--jsonl", "--batch-size", "8"]


def _env() -> dict:
    return os.environ | {"TOKENIZERS_PARALLELISM": "false", "HF_HUB_OFFLINE": "1"}


def _run(corpus: Path, out: Path) -> subprocess.CompletedProcess:
    done = subprocess.run(_command(corpus, out), env=_env(), capture_output=True, text=True, timeout=600)
    assert done.returncode == 0, done.stderr[-2000:]
    return done


def _run_in_process(corpus: Path, out: Path) -> None:
    """The same command through the CLI app in this process (saves a second interpreter start)."""
    from typer.testing import CliRunner

    from combcoder.cli import app

    result = CliRunner().invoke(app, _command(corpus, out)[3:])
    assert result.exit_code == 0, result.output


def _kill_after(corpus: Path, out: Path, markers: int) -> int:
    """Start the job, SIGKILL it once ``markers`` shards are checkpointed; return how many were."""
    log = out.parent / f"{out.name}-stderr-{markers}.txt"
    with open(log, "wb") as stderr:
        process = subprocess.Popen(_command(corpus, out), env=_env(), stdout=subprocess.DEVNULL, stderr=stderr)
    deadline = time.monotonic() + 300
    try:
        while time.monotonic() < deadline and process.poll() is None:
            if len(list((out / "_checkpoint").glob("shard-*.json"))) >= markers:
                break
            time.sleep(0.01)
        assert process.poll() is None, "the job ended before it could be killed: " + log.read_text()[-2000:]
        os.kill(process.pid, signal.SIGKILL)
        process.wait(timeout=30)
    finally:
        if process.poll() is None:
            process.kill()
            process.wait(timeout=30)
    assert process.returncode == -signal.SIGKILL
    return len(list((out / "_checkpoint").glob("shard-*.json")))


@pytest.mark.slow
def test_kill_9_then_rerun_equals_an_uninterrupted_run(small_transcripts, models_root, tmp_path, read_rows):
    reference = tmp_path / "reference"
    _run_in_process(small_transcripts, reference)
    expected = read_rows(reference)
    n_shards = len(list((reference / "parquet").glob("part-*.parquet")))
    assert n_shards == 10

    out = tmp_path / "out"
    first = _kill_after(small_transcripts, out, markers=1)
    second = _kill_after(small_transcripts, out, markers=first + 2)  # killed again, later on
    assert 1 <= first < second < n_shards
    assert not (out / "summary.json").exists()
    done = _run(small_transcripts, out)
    assert f"({second} from an earlier run)" in done.stdout

    rows = read_rows(out)
    assert rows == expected
    assert (out / "summary.json").read_text() == (reference / "summary.json").read_text()
    ids = [r["id"] for r in rows]
    assert len(ids) == len(set(ids))
    for folder in ("parquet", "jsonl"):
        assert sorted(p.name for p in (out / folder).iterdir()) == sorted(p.name for p in (reference / folder).iterdir())
        for path in (out / folder).iterdir():
            if path.suffix == ".jsonl":
                assert path.read_bytes() == (reference / folder / path.name).read_bytes()
