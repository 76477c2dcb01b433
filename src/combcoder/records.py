"""The plain records that pass between pipeline stages. Every stage imports them from here.

Offsets are Python string indices (Unicode code points) into ``Document.text``, end exclusive,
so ``document.text[u.start:u.end] == u.text`` always holds.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass, field
from typing import Any, Literal

DOMAINS: tuple[str, ...] = (
    "capability.physical",
    "capability.psychological",
    "opportunity.physical",
    "opportunity.social",
    "motivation.reflective",
    "motivation.automatic",
    "none",
)
POLARITIES: tuple[str, ...] = ("barrier", "facilitator", "neutral")

Role = Literal["interviewer", "participant", "unknown"]
SourceType = Literal["focus_group", "interview", "diary", "unknown"]


@dataclass
class Turn:
    """One speaker turn: the spoken text at ``text[start:end]`` of its document."""

    index: int
    speaker: str | None
    role: Role
    start: int
    end: int
    line: int | None = None  # 1-based line, cue, row or paragraph in the source file
    time_start: float | None = None  # seconds, for timed sources (vtt, srt, csv with times)
    time_end: float | None = None


@dataclass
class Document:
    """One transcript: its normalised text, its turns and its metadata."""

    id: str
    path: str
    text: str
    turns: list[Turn]
    group: str | None = None  # stakeholder group, e.g. "patients", "family members"
    source_type: SourceType = "unknown"
    metadata: dict[str, Any] = field(default_factory=dict)

    def turn_text(self, turn: Turn) -> str:
        return self.text[turn.start : turn.end]


@dataclass
class Utterance:
    """The coding unit: a span of one turn that a researcher would quote."""

    id: str
    doc_id: str
    turn_index: int
    start: int
    end: int
    text: str
    speaker: str | None = None
    role: Role = "unknown"
    group: str | None = None
    source_type: SourceType = "unknown"
    codable: bool = True
    skip_reason: str | None = None  # "interviewer" | "backchannel" when not codable
    time_start: float | None = None
    time_end: float | None = None

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)


@dataclass
class DomainScore:
    domain: str
    score: float


@dataclass
class Suggestion:
    """A model's coding of one utterance; scores are calibrated probabilities."""

    id: str
    domain: str
    domain_score: float
    polarity: str
    polarity_score: float
    suggestions: list[DomainScore]
    model: str

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)
