from __future__ import annotations

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from combcoder.errors import ConfigError
from combcoder.records import Document, Turn
from combcoder.segment import Segmenter, is_backchannel


def _document(turns: list[tuple[str | None, str, str]]) -> Document:
    """Build a document from (speaker, role, content) with exact offsets."""
    text, records = "", []
    for i, (speaker, role, content) in enumerate(turns):
        prefix = f"{speaker}: " if speaker else ""
        start = len(text) + len(prefix)
        text += prefix + content + "\n\n"
        records.append(Turn(index=i, speaker=speaker, role=role, start=start, end=start + len(content)))
    return Document(id="doc", path="doc.txt", text=text, turns=records, group="patients")


LONG = (
    "Well, the thing is, I used to do it all myself. Weigh in the morning, write it down. "
    "Then the nurse changed and nobody looked at the book any more. So I stopped, didn't I? "
    "I mean, what's the point if nobody reads it. My daughter says I should keep going. "
    "She's probably right. She usually is, to be honest, though I'd not tell her that."
)


def test_turn_mode_keeps_short_turns_whole_and_splits_long_ones():
    doc = _document([("P1", "participant", "I weigh myself. Every day."), ("P2", "participant", LONG)])
    utterances = Segmenter(mode="turn", max_chars=150).segment(doc)
    assert [u.turn_index for u in utterances].count(0) == 1
    long_parts = [u for u in utterances if u.turn_index == 1]
    assert len(long_parts) > 1
    assert all(len(u.text) <= 150 for u in long_parts)
    # the parts cover the turn in order, splitting only between sentences
    assert long_parts[0].start == doc.turns[1].start and long_parts[-1].end == doc.turns[1].end


@pytest.mark.parametrize("mode", ["turn", "sentence", "window"])
def test_offsets_round_trip(mode):
    doc = _document([("Moderator", "interviewer", "How do you manage?"), ("P1", "participant", LONG)])
    for u in Segmenter(mode=mode, max_chars=120, window=2).segment(doc):
        assert doc.text[u.start : u.end] == u.text
        assert u.text == u.text.strip() and u.text


def test_sentence_mode_gives_one_utterance_per_sentence():
    doc = _document([("P1", "participant", "First one. Second one here. Third?")])
    assert [u.text for u in Segmenter(mode="sentence").segment(doc)] == ["First one.", "Second one here.", "Third?"]


def test_window_mode_groups_sentences_without_overlap():
    doc = _document([("P1", "participant", "One. Two. Three. Four. Five.")])
    texts = [u.text for u in Segmenter(mode="window", window=2).segment(doc)]
    assert texts == ["One. Two.", "Three. Four.", "Five."]


def test_interviewer_and_backchannels_are_kept_but_not_codable():
    doc = _document([
        ("Moderator", "interviewer", "And what happened then?"),
        ("P1", "participant", "Mm, yeah."),
        ("P2", "participant", "They never rang back."),
    ])
    utterances = Segmenter().segment(doc)
    assert [(u.codable, u.skip_reason) for u in utterances] == [
        (False, "interviewer"), (False, "backchannel"), (True, None)]
    assert Segmenter(code_interviewer=True).segment(doc)[0].codable


@pytest.mark.parametrize("text,expected", [
    ("Mm.", True), ("Yeah, yeah.", True), ("Right, right. (laughs)", True), ("Uh-huh.", True),
    ("No.", True), ("Yes, but only when my son drives me.", False), ("I'm scared of it.", False),
])
def test_backchannel_detection(text, expected):
    assert is_backchannel(text) is expected


def test_ids_are_unique_and_stable():
    doc = _document([("P1", "participant", LONG), ("P2", "participant", "Fine.")])
    first = [u.id for u in Segmenter(max_chars=100).segment(doc)]
    assert len(set(first)) == len(first)
    assert first == [u.id for u in Segmenter(max_chars=100).segment(doc)]
    assert first[0] == "doc:t000:u1"


def test_bad_mode_is_a_config_error():
    with pytest.raises(ConfigError, match="sentence, turn, window"):
        Segmenter(mode="paragraph")


_words = st.text(alphabet=st.sampled_from("abcdefgh  .?!é😀\n"), min_size=1, max_size=300)


@settings(max_examples=60, deadline=None)
@given(contents=st.lists(_words.filter(lambda t: t.strip()), min_size=1, max_size=4),
       mode=st.sampled_from(["turn", "sentence", "window"]), max_chars=st.integers(5, 200))
def test_property_every_utterance_is_an_exact_non_overlapping_span(contents, mode, max_chars):
    doc = _document([("P1", "participant", c.strip()) for c in contents])
    utterances = Segmenter(mode=mode, max_chars=max_chars, window=2).segment(doc)
    previous_end = 0
    for u in utterances:
        assert doc.text[u.start : u.end] == u.text
        assert u.start >= previous_end
        previous_end = u.end
    # nothing lost: every non-space character of every turn is inside some utterance
    covered = sum(len(u.text.replace(" ", "").replace("\n", "")) for u in utterances)
    assert covered == sum(len(doc.turn_text(t).replace(" ", "").replace("\n", "")) for t in doc.turns)
