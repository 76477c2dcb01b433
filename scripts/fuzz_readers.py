"""Fuzz the readers with atheris: any exception but InputError is a bug.

    python scripts/fuzz_readers.py -max_total_time=120 tests/data/hostile     # or: make fuzz
    python scripts/fuzz_readers.py crash-...                                  # replay a crash

The first input byte picks the reader (.txt .md .docx .vtt .srt .csv .jsonl .qdpx); the rest
is the file. A folder argument holding EXPECTED.json (the hostile corpus) is turned into
seeds with that byte added. A crash is written to ``crash-*`` in the current folder.
"""

from __future__ import annotations

import sys
import tempfile
from pathlib import Path

import atheris

with atheris.instrument_imports():
    from combcoder.errors import InputError
    from combcoder.export import read_qdpx
    from combcoder.ingest import read_document

SUFFIXES = (".txt", ".md", ".docx", ".vtt", ".srt", ".csv", ".jsonl", ".qdpx")
FOLDER = Path(tempfile.mkdtemp(prefix="combcoder-fuzz-"))


def test_one_input(data: bytes) -> None:
    if not data:
        return
    suffix = SUFFIXES[data[0] % len(SUFFIXES)]
    path = FOLDER / f"input{suffix}"
    path.write_bytes(data[1:])
    try:
        if suffix == ".qdpx":
            project, summary = read_qdpx(path)
            assert sum(summary.codings.values()) == summary.codings_read
        else:
            document = read_document(path)
            for turn in document.turns:
                assert 0 <= turn.start < turn.end <= len(document.text)
    except InputError:
        pass


def seeds(folder: Path) -> Path:
    """Return a folder of seeds: each corpus file prefixed with the byte that picks its reader."""
    out = Path(tempfile.mkdtemp(prefix="combcoder-seeds-"))
    for path in folder.iterdir():
        if path.suffix in SUFFIXES and path.stat().st_size < 100_000:
            (out / path.name).write_bytes(bytes([SUFFIXES.index(path.suffix)]) + path.read_bytes())
    return out


def main() -> None:
    argv = [str(seeds(Path(a))) if Path(a, "EXPECTED.json").is_file() else a for a in sys.argv]
    atheris.Setup(argv, test_one_input)
    atheris.Fuzz()


if __name__ == "__main__":
    main()
