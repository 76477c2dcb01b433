"""WebVTT and SubRip captions: voice tags, labels, merging, and strict errors."""

from __future__ import annotations

import pytest

from combcoder.errors import InputError
from combcoder.ingest import read_document


def timed(doc, t):
    return (t.speaker, t.role, doc.turn_text(t), t.line, t.time_start, t.time_end)


def test_vtt_sample(data):
    doc = read_document(data / "captions.vtt")
    assert doc.text == (
        "Interviewer: How did the appointment go?\n\n"
        "Maria: It was fine, but the wait was long. Two hours & more.\n\n"
        "Interviewer: Why so long?"
    )
    got = [timed(doc, t) for t in doc.turns]
    assert got == [
        ("Interviewer", "interviewer", "How did the appointment go?", 1, 1.0, 4.0),
        ("Maria", "participant", "It was fine, but the wait was long. Two hours & more.",
         2, 4.5, 9.0),
        ("Interviewer", "interviewer", "Why so long?", 4, 70.0, 72.0),
    ]
    assert doc.metadata["units_read"] == 4  # cues in; three turns out after merging


def test_srt_sample(data):
    doc = read_document(data / "captions.srt")
    got = [timed(doc, t) for t in doc.turns]
    assert got == [
        ("INT", "interviewer", "Did you feel listened to?", 1, 1.0, 3.0),
        ("P2", "participant", "Not really. They rushed. And I forgot my questions.", 2, 3.5, 8.0),
        ("INT", "interviewer", "I see.", 4, 9.0, 10.5),
    ]
    assert doc.metadata["units_read"] == 4


def test_vtt_bad_timestamp_names_the_cue(data):
    with pytest.raises(InputError) as err:
        read_document(data / "bad_timestamp.vtt")
    assert err.value.where == "cue 3, line 12"
    assert "00:00:03,5" in str(err.value)


def test_vtt_cue_without_timing_is_an_error(write):
    path = write("x.vtt", "WEBVTT\n\n1\n00:00:01.000 --> 00:00:02.000\nok\n\nintro\njust text\n")
    with pytest.raises(InputError, match="no timing line") as err:
        read_document(path)
    assert err.value.where == "cue 2, line 7"


def test_vtt_needs_header(write):
    with pytest.raises(InputError, match="WEBVTT"):
        read_document(write("x.vtt", "00:00:01.000 --> 00:00:02.000\nhello\n"))


def test_vtt_cue_ending_before_start_is_an_error(write):
    with pytest.raises(InputError, match="before it starts"):
        read_document(write("x.vtt", "WEBVTT\n\n00:00:05.000 --> 00:00:02.000\nhello\n"))


def test_vtt_several_voices_in_one_cue_and_empty_cue(write):
    text = (
        "WEBVTT\n\n00:01.000 --> 00:02.000\n<v Sam>Hi.</v> <v Interviewer>Hello, Sam.\n\n"
        "00:02.000 --> 00:03.000\n<b> </b>\n\n"
        "00:03.000 --> 00:04.000\nP1: A label in the text.\n"
    )
    doc = read_document(write("x.vtt", text))
    got = [(t.speaker, doc.turn_text(t), t.line) for t in doc.turns]
    assert got == [
        ("Sam", "Hi.", 1), ("Interviewer", "Hello, Sam.", 1), ("P1", "A label in the text.", 3)
    ]
    assert doc.metadata["units_read"] == 3
    assert doc.metadata["warnings"] == ["cue 2 has no text"]


def test_srt_bad_index_names_the_cue(data):
    with pytest.raises(InputError, match="expected a cue number, found 'two'") as err:
        read_document(data / "bad_index.srt")
    assert err.value.where == "cue 2, line 5"


def test_srt_bad_timestamp(write):
    text = "1\n00:00:01,000 --> 00:00:02,000\nok\n\n2\n00:00:61,000 --> 00:01:02,000\nno\n"
    path = write("x.srt", text)
    with pytest.raises(InputError, match="bad timestamp '00:00:61,000'") as err:
        read_document(path)
    assert err.value.where == "cue 2, line 6"


def test_unlabelled_captions_have_unknown_speaker(write):
    doc = read_document(write("x.srt", "1\n00:00:01,000 --> 00:00:02,000\nhello\n\n"
                                       "2\n00:00:02,000 --> 00:00:03,000\nthere\n"))
    assert [(t.speaker, t.role, doc.turn_text(t)) for t in doc.turns] == [
        (None, "unknown", "hello there")
    ]
    assert doc.text == "hello there"
