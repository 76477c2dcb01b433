"""What is replaced and what is kept."""

from __future__ import annotations

import pytest

from combcoder.deidentify import Detector, deidentify_documents, is_personal_name
from combcoder.records import Document, Turn


def _pseudonymise(detector, *texts: str) -> list[str]:
    documents = [Document(f"d{i}", "x.txt", t, [Turn(0, None, "unknown", 0, len(t))]) for i, t in enumerate(texts)]
    results, _ = deidentify_documents(documents, detector=detector)
    return [r.document.text for r in results]


def _types(detector, text: str) -> dict[str, str]:
    return {e.text: e.type for e in detector.detect(text)}


@pytest.mark.parametrize("text, surface, kind", [
    ("Ring me on 07700 900123 please.", "07700 900123", "PHONE"),
    ("The surgery number is (0161) 496 0123.", "(0161) 496 0123", "PHONE"),
    ("Call +44 20 7946 0321 after six.", "+44 20 7946 0321", "PHONE"),
    ("My NHS number is 943 476 5919.", "943 476 5919", "ID"),
    ("Hospital number K4471902 on the wristband.", "K4471902", "ID"),
    ("NI number AB 12 34 56 C on the form.", "AB 12 34 56 C", "ID"),
    ("Email me at jo.bloggs@example.com tonight.", "jo.bloggs@example.com", "EMAIL"),
    ("It was on 14/02/2023 I think.", "14/02/2023", "DATE"),
    ("Born on the 4th of July 1941 in a snowstorm.", "4th of July 1941", "DATE"),
    ("Seen on March 3rd, 2024 by the nurse.", "March 3rd, 2024", "DATE"),
    ("They moved us to Rowan Ward overnight.", "Rowan Ward", "HOSPITAL"),
    ("I was in St James's for a week.", "St James's", "HOSPITAL"),
    ("Whitfield Surgery never answers.", "Whitfield Surgery", "HOSPITAL"),
    ("We went to Leeds General Infirmary.", "Leeds General Infirmary", "HOSPITAL"),
    ("Post it to 12 Acacia Avenue, LS6 2QT.", "LS6 2QT", "PLACE"),
])
def test_patterns(detector, text, surface, kind):
    assert _types(detector, text).get(surface) == kind


def test_titles_and_relationship_words_are_kept(detector):
    (text,) = _pseudonymise(detector, "My daughter Sarah rang Dr Patel and the GP, then told Mrs O'Connor.")
    assert text.startswith("My daughter [PERSON_")
    assert "Dr [PERSON_" in text and "the GP" in text and "Mrs [PERSON_" in text
    assert "Sarah" not in text and "Patel" not in text and "O'Connor" not in text


@pytest.mark.parametrize("text", [
    "I've had heart failure since 2019 and it's worse on a Tuesday.",
    "Mum and Dad came with my husband to the heart failure clinic.",
    "The NHS and the GP and A&E were all stretched over Christmas.",
    "I take Furosemide and bisoprolol every morning for the COPD.",
    "My pain was 7/10 last week, two years ago it was nothing.",
    "We see the nurse on ward 7 at the district hospital.",
])
def test_no_replacement_in_ordinary_talk(detector, text):
    assert detector.detect(text) == []


def test_possessive_s_stays_outside_the_pseudonym(detector):
    (text,) = _pseudonymise(detector, "Sarah Jones came round. Sarah's husband drove.")
    assert text == "[PERSON_1] came round. [PERSON_1]'s husband drove."


def test_speaker_label_names_are_replaced_without_brackets(detector):
    text = "Interviewer: Who helps you?\n\nAnna: My son Tom does.\n\nP2: Nobody."
    turns = [Turn(0, "Interviewer", "interviewer", 13, 27), Turn(1, "Anna", "participant", 35, 52),
             Turn(2, "P2", "participant", 58, 65)]
    document = Document("fg", "fg.txt", text, turns)
    [result], _ = deidentify_documents([document], detector=detector)
    new = result.document
    assert new.text.startswith("Interviewer: Who helps you?\n\nPERSON_")
    assert [t.speaker for t in new.turns][0] == "Interviewer" and new.turns[2].speaker == "P2"
    assert new.turns[1].speaker == new.text.split("\n\n")[1].split(":")[0]
    assert "[PERSON_" in new.text[new.turns[1].start:new.turns[1].end]


@pytest.mark.parametrize("label, expected", [
    ("Anna", True), ("Margaret Ellis", True), ("P1", False), ("Interviewer", False), ("FM2", False),
    ("Participant 3", False), ("Moderator", False), ("GP", False), ("Mum", False), ("", False),
])
def test_personal_name_labels(label, expected):
    assert is_personal_name(label) is expected


def test_keep_option(nlp):
    detector = Detector(nlp=nlp, keep=["Rowan Ward"])
    assert "Rowan Ward" not in _types(detector, "They moved us to Rowan Ward overnight.")


def test_long_documents_are_processed_in_chunks(detector):
    line = "P1: I saw Dr Patel at Brackenmoor Hospital about my breathing.\n"
    text = line * 2500  # about 160,000 characters: more than one NER chunk
    entities = detector.detect(text)
    assert len([e for e in entities if e.text == "Patel"]) == 2500
