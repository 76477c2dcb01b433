"""Speaker config: loading, validation, roles, and fast matching on hostile lines."""

from __future__ import annotations

import time

import pytest

from combcoder.errors import ConfigError
from combcoder.ingest import load_speaker_config, read_document
from combcoder.ingest.speakers import DEFAULT_PATH


def test_default_config_is_the_repo_file(speakers):
    assert speakers.source == str(DEFAULT_PATH.resolve())
    assert DEFAULT_PATH.parent.name == "configs"


@pytest.mark.parametrize(
    "name, role",
    [("Interviewer", "interviewer"), ("INT.", "interviewer"), ("mod", "interviewer"),
     ("Moderator 2", "interviewer"), ("Q", "interviewer"), ("Facilitator", "interviewer"),
     ("P1", "participant"), ("Anna", "participant"), ("Interviewee", "participant"),
     (None, "unknown"), ("  ", "unknown")],
)
def test_roles(speakers, name, role):
    assert speakers.role(name) == role


def test_env_var_overrides_default(write, monkeypatch):
    config = write("mine.yaml", (
        "name_pattern: '[A-Z]{1,3}'\n"
        "time_pattern: '\\d{2}'\n"
        "label_patterns: ['(?P<speaker>{name})>']\n"
        "interviewer_names: [ABC]\n"
    ))
    monkeypatch.setenv("COMBCODER_SPEAKERS", str(config))
    doc = read_document(write("t.txt", "ABC> question\nXY> answer\n"))
    assert [(t.speaker, t.role, doc.turn_text(t)) for t in doc.turns] == [
        ("ABC", "interviewer", "question"), ("XY", "participant", "answer")
    ]


@pytest.mark.parametrize(
    "content, message",
    [
        ("name_pattern: x\ntime_pattern: y\nlabel_patterns: ['(']\n",
         "label_patterns.0: bad regular"),
        ("name_pattern: x\ntime_pattern: y\nlabel_patterns: ['{name}:']\n", "needs a (?P<speaker>"),
        ("name_pattern: x\ntime_pattern: y\nlabel_patterns: []\n", "label_patterns"),
        ("name_pattern: x\ntime_pattern: y\nlabel_patterns: ['(?P<speaker>x)']\nextra: 1\n",
         "extra: Extra inputs are not permitted"),
    ],
)
def test_bad_config_names_the_key(write, content, message):
    with pytest.raises(ConfigError, match=message.replace("(", r"\(").replace("?", r"\?")):
        load_speaker_config(write("bad.yaml", content))


def test_missing_config(tmp_path):
    with pytest.raises(ConfigError, match="speaker config not found"):
        load_speaker_config(tmp_path / "none.yaml")


@pytest.mark.parametrize(
    "line",
    [
        "A" * 5000 + ":",
        ("Ab " * 2000) + "x",
        "**" + "a." * 3000,
        "[00:00:00] " + "Word-" * 2000 + " -",
        " \t" * 3000 + "P1" * 2000,
        "Anna " + "[00:01:02]" * 1000,
    ],
)
def test_matching_hostile_lines_is_fast(speakers, line):
    began = time.perf_counter()
    for _ in range(20):
        speakers.match_label(line)
    assert time.perf_counter() - began < 0.5
