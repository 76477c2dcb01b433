"""Fixtures for the ingest tests: sample files, the shipped speaker config, docx builders."""

from __future__ import annotations

from pathlib import Path

import pytest

from combcoder.ingest import load_speaker_config

DATA = Path(__file__).resolve().parents[1] / "data" / "ingest"


@pytest.fixture(scope="session")
def data() -> Path:
    return DATA


@pytest.fixture(scope="session")
def speakers():
    return load_speaker_config()


@pytest.fixture
def write(tmp_path):
    """Write text (UTF-8) or bytes to a file in tmp_path and return its path."""

    def _write(name: str, content: str | bytes) -> Path:
        path = tmp_path / name
        path.parent.mkdir(parents=True, exist_ok=True)
        if isinstance(content, str):
            path.write_bytes(content.encode("utf-8"))
        else:
            path.write_bytes(content)
        return path

    return _write
