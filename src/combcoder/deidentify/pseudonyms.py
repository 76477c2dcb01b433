"""Give each detected entity a project-wide pseudonym and replace it, keeping offsets consistent."""

from __future__ import annotations

import bisect
import re
from collections import Counter, defaultdict
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from ..errors import ConfigError
from ..records import Document, Turn
from .detect import _PRIORITY, Detector, Entity, _resolve, is_personal_name
from .lists import LETTERED


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


