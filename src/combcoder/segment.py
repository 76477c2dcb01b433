"""Segment speaker turns into utterances, the unit a researcher codes and quotes.

Default mode ``turn``: a speaker turn is one utterance, because coders quote and code what one
person said in one go, and a sentence alone often loses the point ("It's the same with the
tablets." means nothing without the sentence before). Turns longer than ``max_chars`` are split
at sentence boundaries into runs of consecutive sentences, so one long story that touches
several codes does not become a single unit. ``sentence`` makes every sentence a unit;
``window`` groups ``window`` consecutive sentences of a turn (non-overlapping, so units never
overlap and agreement can be computed on them).

Interviewer turns and back-channels ("Mm.", "Yeah, yeah.") are kept, marked ``codable=False``
with a ``skip_reason``, so nothing disappears and coders can still see them.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from typing import Literal

from .errors import ConfigError
from .records import Document, Turn, Utterance

Mode = Literal["sentence", "turn", "window"]
MODES: tuple[str, ...] = ("sentence", "turn", "window")

# Words that on their own carry no codable content. A turn made only of these (at most
# BACKCHANNEL_MAX_WORDS of them) is a back-channel.
BACKCHANNEL_WORDS = frozenset(
    """mm mmm mhm mm-hm mm-hmm hm hmm uh-huh uh huh um erm er ah aha oh ooh yeah yeh yep yup yes ya
    no nope nah ok okay right sure true exactly absolutely definitely indeed quite totally
    i see fine good great alright all that's thats it is so really wow gosh cheers thanks thank
    you sorry go on laughs laughter""".split()
)
BACKCHANNEL_MAX_WORDS = 5
_PARENTHETICAL = re.compile(r"[\(\[][^\)\]]{0,40}[\)\]]")  # "(laughs)", "[crosstalk]"
_WORD = re.compile(r"[\w'-]+")


def is_backchannel(text: str) -> bool:
    """Return True when ``text`` is only a short acknowledgement like "Mm, yeah."."""
    words = [w.lower() for w in _WORD.findall(_PARENTHETICAL.sub(" ", text))]
    if len(words) > BACKCHANNEL_MAX_WORDS:
        return False
    return all(w in BACKCHANNEL_WORDS for w in words)


@dataclass
class Segmenter:
    """Split documents' turns into utterances with exact character offsets."""

    mode: Mode = "turn"
    max_chars: int = 400
    window: int = 3
    code_interviewer: bool = False

    def __post_init__(self) -> None:
        if self.mode not in MODES:
            raise ConfigError(f"segment mode must be one of {', '.join(MODES)}, not {self.mode!r}")
        if self.max_chars < 1 or self.window < 1:
            raise ConfigError("segment max_chars and window must be >= 1")
        self._nlp = None

    @property
    def nlp(self):
        if self._nlp is None:
            import spacy  # heavy: imported on first use

            nlp = spacy.blank("en")
            nlp.add_pipe("sentencizer")
            self._nlp = nlp
        return self._nlp

    def __call__(self, documents: Iterable[Document]) -> Iterator[Utterance]:
        for document in documents:
            yield from self.segment(document)

    def segment(self, document: Document) -> list[Utterance]:
        """Return the utterances of one document, in document order."""
        utterances: list[Utterance] = []
        for turn in document.turns:
            spans = self._spans(document.text, turn)
            for k, (start, end) in enumerate(spans, start=1):
                utterances.append(self._utterance(document, turn, k, start, end))
        return utterances

    def _spans(self, text: str, turn: Turn) -> list[tuple[int, int]]:
        content = text[turn.start : turn.end]
        if self.mode == "turn" and len(content) <= self.max_chars:
            return _strip_span(text, turn.start, turn.end)
        sentences = [
            span
            for sent in self.nlp(content).sents
            for span in _strip_span(text, turn.start + sent.start_char, turn.start + sent.end_char)
        ]
        if not sentences:
            return _strip_span(text, turn.start, turn.end)
        if self.mode == "sentence":
            return sentences
        if self.mode == "window":
            groups = [sentences[i : i + self.window] for i in range(0, len(sentences), self.window)]
        else:
            groups = _pack(sentences, self.max_chars)
        return [(group[0][0], group[-1][1]) for group in groups]

    def _utterance(self, document: Document, turn: Turn, k: int, start: int, end: int) -> Utterance:
        text = document.text[start:end]
        skip_reason = None
        if turn.role == "interviewer" and not self.code_interviewer:
            skip_reason = "interviewer"
        elif is_backchannel(text):
            skip_reason = "backchannel"
        return Utterance(
            id=f"{document.id}:t{turn.index:03d}:u{k}",
            doc_id=document.id,
            turn_index=turn.index,
            start=start,
            end=end,
            text=text,
            speaker=turn.speaker,
            role=turn.role,
            group=document.group,
            source_type=document.source_type,
            codable=skip_reason is None,
            skip_reason=skip_reason,
            time_start=turn.time_start,
            time_end=turn.time_end,
        )


def _strip_span(text: str, start: int, end: int) -> list[tuple[int, int]]:
    """Shrink [start, end) to exclude surrounding whitespace; [] when nothing is left."""
    while start < end and text[start].isspace():
        start += 1
    while end > start and text[end - 1].isspace():
        end -= 1
    return [(start, end)] if start < end else []


def _pack(sentences: list[tuple[int, int]], max_chars: int) -> list[list[tuple[int, int]]]:
    """Group consecutive sentences greedily so each group spans at most max_chars when possible."""
    groups: list[list[tuple[int, int]]] = []
    for span in sentences:
        if groups and span[1] - groups[-1][0][0] <= max_chars:
            groups[-1].append(span)
        else:
            groups.append([span])
    return groups
