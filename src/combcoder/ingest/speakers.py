"""Speaker labels: load ``configs/speakers.yaml``, find a label at a line start, give a role.

The default config is the repository's ``configs/speakers.yaml``; ``$COMBCODER_SPEAKERS``
overrides it and an explicit path overrides both. Errors name the file and the key, e.g.
``speakers.yaml: label_patterns.2: bad regular expression``.
"""

from __future__ import annotations

import os
import re
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path

import yaml
from pydantic import BaseModel, ConfigDict, Field, ValidationError

from combcoder.errors import ConfigError
from combcoder.ingest.timecode import parse_clock
from combcoder.records import Role

DEFAULT_PATH = Path(__file__).resolve().parents[3] / "configs" / "speakers.yaml"
ENV_VAR = "COMBCODER_SPEAKERS"


class _Schema(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)

    name_pattern: str = Field(min_length=1)
    time_pattern: str = Field(min_length=1)
    timestamp_prefix: str = ""
    label_patterns: list[str] = Field(min_length=1)
    weak_label_patterns: list[str] = []
    interviewer_names: list[str] = []
    interviewer_patterns: list[str] = []
    ignore_names: list[str] = []
    ignore_patterns: list[str] = []
    max_label_chars: int = Field(default=40, gt=0, le=200)


@dataclass(frozen=True)
class Label:
    """A speaker label at the start of a line; ``end`` is where the spoken content begins."""

    speaker: str
    end: int
    time: float | None = None
    weak: bool = False  # kept only if the speaker is labelled twice or is an interviewer


@dataclass(frozen=True)
class SpeakerConfig:
    """Compiled speaker-label patterns and the names that mark an interviewer."""

    label_patterns: tuple[re.Pattern[str], ...]
    weak_label_patterns: tuple[re.Pattern[str], ...]
    timestamp_prefix: re.Pattern[str] | None
    name_pattern: re.Pattern[str]
    interviewer_names: frozenset[str]
    interviewer_patterns: tuple[re.Pattern[str], ...]
    ignore_names: frozenset[str]
    ignore_patterns: tuple[re.Pattern[str], ...]
    max_label_chars: int
    source: str = "<memory>"
    # Names repeat throughout a transcript: remember each name's verdicts.
    _names: dict[str, tuple[bool, Role]] = field(default_factory=dict, compare=False, repr=False)

    def match_label(self, line: str, *, weak: bool = True) -> Label | None:
        """Return the speaker label that starts ``line`` (after indentation), or None."""
        indent = len(line) - len(line.lstrip(" \t"))
        starts = [indent]
        stamp = None
        if self.timestamp_prefix is not None:
            stamp = self.timestamp_prefix.match(line, indent)
            if stamp:
                starts.insert(0, stamp.end())
        groups = [(p, False) for p in self.label_patterns]
        if weak:
            groups += [(p, True) for p in self.weak_label_patterns]
        for start in starts:
            for pattern, is_weak in groups:
                match = pattern.match(line, start)
                if match is None:
                    continue
                speaker = " ".join(match.group("speaker").split())
                if not self.accepts_name(speaker):
                    continue
                time = _group_time(match)
                if time is None and start != indent:
                    time = _group_time(stamp)
                return Label(speaker, match.end(), time, is_weak)
        return None

    def accepts_name(self, name: str) -> bool:
        """Return whether ``name`` can be a speaker: short, not ignored, capitalised or a role."""
        return self._judge(name)[0]

    def role(self, speaker: str | None) -> Role:
        """Return "interviewer" for interviewer names, "participant" for others, or "unknown"."""
        if speaker is None or not speaker.strip():
            return "unknown"
        return self._judge(speaker)[1]

    def _judge(self, name: str) -> tuple[bool, Role]:
        verdict = self._names.get(name)
        if verdict is None:
            key = normalise_name(name)
            interviewer = key in self.interviewer_names or any(
                p.fullmatch(key) for p in self.interviewer_patterns
            )
            capitalised = all(word[0].isupper() or word[0].isdigit() for word in name.split())
            accepted = (
                0 < len(name) <= self.max_label_chars
                and self.name_pattern.fullmatch(name) is not None
                and key not in self.ignore_names
                and not any(p.fullmatch(key) for p in self.ignore_patterns)
                and (capitalised or interviewer)
            )
            verdict = (accepted, "interviewer" if interviewer else "participant")
            if len(self._names) < 10_000:
                self._names[name] = verdict
        return verdict


def normalise_name(name: str) -> str:
    """Return the comparison key of a speaker name: case-folded, single-spaced, no end dots."""
    return " ".join(name.casefold().split()).strip(".:*_ ")


def load_speaker_config(path: str | Path | None = None) -> SpeakerConfig:
    """Load and compile a speaker config; default to $COMBCODER_SPEAKERS, then the shipped one."""
    if path is None:
        path = os.environ.get(ENV_VAR) or DEFAULT_PATH
    path = Path(path)
    try:
        stamp = path.stat().st_mtime_ns
    except OSError:
        raise ConfigError(
            f"{path}: speaker config not found (pass an existing YAML file or set {ENV_VAR})"
        ) from None
    return _load_cached(str(path.resolve()), stamp)


@lru_cache(maxsize=8)
def _load_cached(path: str, mtime_ns: int) -> SpeakerConfig:
    try:
        text = Path(path).read_text(encoding="utf-8")
        data = yaml.safe_load(text)
    except (OSError, UnicodeDecodeError) as exc:
        raise ConfigError(f"{path}: cannot read speaker config: {exc}") from None
    except yaml.YAMLError as exc:
        raise ConfigError(f"{path}: invalid YAML: {exc}") from None
    if not isinstance(data, dict):
        raise ConfigError(f"{path}: expected a mapping at the top level")
    try:
        schema = _Schema.model_validate(data)
    except ValidationError as exc:
        problems = [
            f"{path}: {'.'.join(str(p) for p in e['loc']) or '(top)'}: {e['msg']}"
            for e in exc.errors()
        ]
        raise ConfigError("\n".join(problems)) from None
    return _compile(schema, path)


def _compile(schema: _Schema, source: str) -> SpeakerConfig:
    def expand(pattern: str) -> str:
        return pattern.replace("{name}", schema.name_pattern).replace("{time}", schema.time_pattern)

    def compile_one(key: str, pattern: str, groups: tuple[str, ...] = ()) -> re.Pattern[str]:
        try:
            compiled = re.compile(expand(pattern))
        except re.error as exc:
            raise ConfigError(f"{source}: {key}: bad regular expression: {exc}") from None
        missing = [g for g in groups if g not in compiled.groupindex]
        if missing:
            raise ConfigError(f"{source}: {key}: needs a (?P<{missing[0]}>...) group")
        return compiled

    def compile_list(key: str, patterns: list[str], groups: tuple[str, ...] = ()):
        return tuple(compile_one(f"{key}.{i}", p, groups) for i, p in enumerate(patterns))

    prefix = schema.timestamp_prefix
    return SpeakerConfig(
        label_patterns=compile_list("label_patterns", schema.label_patterns, ("speaker",)),
        weak_label_patterns=compile_list(
            "weak_label_patterns", schema.weak_label_patterns, ("speaker",)
        ),
        timestamp_prefix=compile_one("timestamp_prefix", prefix, ("time",)) if prefix else None,
        name_pattern=compile_one("name_pattern", schema.name_pattern),
        interviewer_names=frozenset(normalise_name(n) for n in schema.interviewer_names),
        interviewer_patterns=compile_list("interviewer_patterns", schema.interviewer_patterns),
        ignore_names=frozenset(normalise_name(n) for n in schema.ignore_names),
        ignore_patterns=compile_list("ignore_patterns", schema.ignore_patterns),
        max_label_chars=schema.max_label_chars,
        source=source,
    )


def _group_time(match: re.Match[str] | None) -> float | None:
    if match is None or "time" not in match.re.groupindex or match.group("time") is None:
        return None
    return parse_clock(match.group("time"))
