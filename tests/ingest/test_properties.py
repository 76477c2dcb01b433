"""Property tests: offsets always point at the spoken content, and nothing is left out."""

from __future__ import annotations

import unicodedata

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from combcoder.errors import InputError
from combcoder.ingest import read_document

NAMES = ["P1", "P12", "Interviewer", "INT", "Anna", "Åsa", "Dr. Smith", "Family Member 2", "Q"]
# Content never contains the characters labels are made of, so no content line is a label.
WORD = st.text(
    alphabet=st.characters(
        blacklist_categories=("Cc", "Cf", "Cs", "Co", "Cn", "Zs", "Zl", "Zp"),
        blacklist_characters=":-–—*#[]()",
    ),
    min_size=1,
    max_size=8,
)
LINE = st.lists(WORD, min_size=1, max_size=6).map(" ".join)
PARAGRAPH = st.lists(LINE, min_size=1, max_size=3).map("\n".join)
LABEL = st.sampled_from(["{}: ", "{}:\n", "{} : ", "[00:01:02] {}: ", "**{}:** ", "  {}:\t"])
BLANK = st.sampled_from(["\n\n", "\n \t\n", "\n\n\n"])
TURN = st.tuples(
    st.sampled_from(NAMES), LABEL, PARAGRAPH, st.lists(PARAGRAPH, max_size=2),
    st.sampled_from(["\n", "\n\n", "\n  \n"]), st.sampled_from(["", " ", "\t "]),
)
SETTINGS = settings(
    max_examples=150, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)


def nfc(text: str) -> str:
    return unicodedata.normalize("NFC", text)


@st.composite
def transcripts(draw):
    """Return (text, label spans, expected (speaker, content) turns)."""
    text, spans, expected = "", [], []
    for paragraph in draw(st.lists(PARAGRAPH, max_size=2)):
        text += nfc(paragraph) + draw(BLANK)
        expected.append((None, nfc(paragraph)))
    for name, label, first, more, gap, trailing in draw(st.lists(TURN, min_size=1, max_size=8)):
        written = label.format(name)
        spans.append((len(text), len(text) + len(written)))
        text += written + nfc(first) + trailing
        expected.append((name, nfc(first)))
        for paragraph in more:
            text += draw(BLANK) + nfc(paragraph)
            expected.append((name, nfc(paragraph)))
        text += gap
    return text, spans, expected


@SETTINGS
@given(transcripts())
def test_labelled_transcripts_round_trip(tmp_path_factory, case):
    text, spans, expected = case
    path = tmp_path_factory.getbasetemp() / "property.txt"
    path.write_text(text, encoding="utf-8")
    doc = read_document(path)
    assert doc.text == text
    assert [(t.speaker, doc.turn_text(t)) for t in doc.turns] == expected
    covered = [False] * len(text)
    for start, end in spans + [(t.start, t.end) for t in doc.turns]:
        covered[start:end] = [True] * (end - start)
    for line_start, line in _lines(text):
        if line.strip():
            last = line_start + len(line.rstrip()) - 1
            assert covered[last], f"line {line!r} is not covered"
    assert all(covered[i] for i, ch in enumerate(text) if not ch.isspace())


def _lines(text):
    start = 0
    for line in text.split("\n"):
        yield start, line
        start += len(line) + 1


@SETTINGS
@given(
    st.text(alphabet=st.sampled_from(list("Ab1 :-*#[]()\n\r\tPIé😀\u0301.")), max_size=200),
    st.sampled_from(["txt", "md"]),
)
def test_any_text_gives_well_formed_turns(tmp_path_factory, text, suffix):
    path = tmp_path_factory.getbasetemp() / f"any.{suffix}"
    path.write_bytes(text.encode("utf-8"))
    try:
        doc = read_document(path)
    except InputError as err:
        assert not text.strip() and "empty file" in str(err)
        return
    previous_end = 0
    for index, turn in enumerate(doc.turns):
        content = doc.turn_text(turn)
        assert turn.index == index
        assert previous_end <= turn.start < turn.end <= len(doc.text)
        assert content == content.strip() and content
        assert turn.role == ("unknown" if turn.speaker is None else turn.role)
        previous_end = turn.end
