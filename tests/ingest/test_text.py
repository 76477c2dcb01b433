"""Plain-text and Markdown transcripts: labels, roles, continuation and offsets."""

from __future__ import annotations

import pytest

from combcoder.ingest import read_document


def turns_of(doc):
    return [(t.speaker, t.role, doc.turn_text(t)) for t in doc.turns]


def test_txt_sample(data):
    doc = read_document(data / "interview.txt")
    assert doc.id == "interview"
    assert doc.metadata["format"] == "txt"
    assert doc.metadata["warnings"] == []
    assert turns_of(doc) == [
        (None, "unknown", "Interview 7, community pharmacy, March.\nTranscribed verbatim."),
        ("Interviewer", "interviewer",
         "Thanks for joining. How do you usually get your repeat prescriptions?"),
        ("P1", "participant",
         "Mostly through the app, but it logs me out\nevery single time, so I end up phoning."),
        ("P1", "participant", "Honestly it puts me off."),
        ("INT", "interviewer", "What would make it easier?"),
        ("P1", "participant",
         "A reminder would help, at 10:30 on a Monday say.\nNote: that is when I have time."),
        ("Moderator", "interviewer", "We have ten minutes left."),
        ("Moderator", "interviewer", "Anything else?"),
    ]
    assert [t.line for t in doc.turns] == [1, 4, 5, 8, 9, 10, 12, 13]
    assert doc.turns[4].time_start == 4 * 60 + 10
    assert [t.index for t in doc.turns] == list(range(8))
    assert doc.metadata["units_read"] == 8


def test_markdown_sample(data):
    doc = read_document(data / "focus_group.md")
    assert turns_of(doc) == [
        (None, "unknown", "Focus group 2: carers"),
        ("Moderator", "interviewer", "Welcome, everyone. Let's go round the table."),
        ("Anna", "participant", "I look after my dad. The hardest part is the travel."),
        ("Ben", "participant", "Same. And nobody tells you what support exists."),
        (None, "unknown", "Part 2"),
        ("Facilitator", "interviewer", "What helped?"),
        ("Anna", "participant", "My neighbour drives us."),
    ]


def test_offsets_exclude_label_and_whitespace(write):
    text = "  P1:    hello there   \n\nInterviewer:\n  and then?  \n"
    doc = read_document(write("t.txt", text))
    assert [(t.start, t.end) for t in doc.turns] == [(9, 20), (40, 49)]
    assert turns_of(doc) == [("P1", "participant", "hello there"),
                             ("Interviewer", "interviewer", "and then?")]


def test_emoji_offsets_are_code_points(write):
    text = "P1: 👍🏽 great 😀\nP2: ok 🙂 fine\n"
    doc = read_document(write("emoji.txt", text))
    assert [doc.turn_text(t) for t in doc.turns] == ["👍🏽 great 😀", "ok 🙂 fine"]
    assert doc.turns[1].start == text.index("ok")


def test_label_alone_continues_into_next_paragraph(write):
    doc = read_document(write("t.txt", "Interviewer:\n\nSo, tell me.\n\nP1: Well.\n"))
    assert turns_of(doc) == [("Interviewer", "interviewer", "So, tell me."),
                             ("P1", "participant", "Well.")]
    assert doc.metadata["warnings"] == []


def test_label_without_text_is_warned_not_dropped_silently(write):
    doc = read_document(write("t.txt", "P1: hi\nP2:\nP3: yo\n"))
    assert [t.speaker for t in doc.turns] == ["P1", "P3"]
    assert doc.metadata["warnings"] == ["line 2: speaker label 'P2' has no text"]


def test_no_label_warns(write):
    text = "Day 2: tired.\n\nTuesday: better.\nSlept well.\n"
    doc = read_document(write("diary.txt", text))
    assert all(t.speaker is None and t.role == "unknown" for t in doc.turns)
    assert [doc.turn_text(t) for t in doc.turns] == [
        "Day 2: tired.", "Tuesday: better.\nSlept well."
    ]
    assert doc.metadata["warnings"] == ["no speaker label matched; check configs/speakers.yaml"]


@pytest.mark.parametrize(
    "line",
    [
        "At 10:30 we met the nurse.",
        "Note: she was late.",
        "But then he said: no way.",
        "the doctor: nice",
        "10:30 was the time",
        "See https://example.org: it helps",
        "Yes - that was it.",
    ],
)
def test_prose_is_not_a_label(write, line):
    doc = read_document(write("t.txt", f"P1: first.\n{line}\n"))
    assert len(doc.turns) == 1
    assert doc.turn_text(doc.turns[0]) == f"first.\n{line}"


@pytest.mark.parametrize(
    "line, speaker, role, content, time",
    [
        ("P1: text", "P1", "participant", "text", None),
        ("INT: text", "INT", "interviewer", "text", None),
        ("I: text", "I", "interviewer", "text", None),
        ("interviewer: text", "interviewer", "interviewer", "text", None),
        ("Interviewer 2: text", "Interviewer 2", "interviewer", "text", None),
        ("Dr. Smith: text", "Dr. Smith", "participant", "text", None),
        ("[00:01:02] Anna: text", "Anna", "participant", "text", 62.0),
        ("(01:02) Anna: text", "Anna", "participant", "text", 62.0),
        ("Anna [00:01:02.5]: text", "Anna", "participant", "text", 62.5),
        ("**Anna:** text", "Anna", "participant", "text", None),
        ("**Mod**: text", "Mod", "interviewer", "text", None),
        ("Moderator - text", "Moderator", "interviewer", "text", None),
    ],
)
def test_label_forms(write, line, speaker, role, content, time):
    doc = read_document(write("t.md", line + "\n"))
    turn = doc.turns[0]
    assert (turn.speaker, turn.role, doc.turn_text(turn), turn.time_start) == (
        speaker, role, content, time
    )


def test_weak_dash_label_needs_a_second_use(write):
    once = read_document(write("a.txt", "P1: hi\nAnna - I think so.\n"))
    assert [t.speaker for t in once.turns] == ["P1"]
    twice = read_document(write("b.txt", "Anna - I think so.\nP1: hi\nAnna - yes.\n"))
    assert [t.speaker for t in twice.turns] == ["Anna", "P1", "Anna"]


def test_paragraphs_before_any_label_are_unknown(write):
    doc = read_document(write("t.txt", "Title line\n\nIntro para\nmore\n\nP1: hello\n"))
    assert turns_of(doc) == [(None, "unknown", "Title line"), (None, "unknown", "Intro para\nmore"),
                             ("P1", "participant", "hello")]
    assert [t.line for t in doc.turns] == [1, 3, 6]
