"""The bundled demo transcripts read with the speakers their authors wrote."""

from pathlib import Path

import pytest

from combcoder.ingest import iter_sources, read_source

DEMO = Path(__file__).resolve().parents[2] / "data" / "demo"


@pytest.mark.parametrize("source", list(iter_sources([], DEMO / "manifest.yaml")), ids=lambda s: s.doc_id)
def test_demo_transcripts_have_several_participants(source):
    document = read_source(source)
    participants = {t.speaker for t in document.turns if t.role == "participant"}
    interviewers = {t.speaker for t in document.turns if t.role == "interviewer"}
    assert len(participants) >= 5, participants
    assert interviewers and document.group == source.group
    assert sum(t.role == "participant" for t in document.turns) > len(document.turns) / 2
